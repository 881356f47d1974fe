// The documents `snapclone iam` prints and their formats: here, not in the command, so that the CLI's
// definitions (its --help) name them without loading the IAM kit.
export const DOCUMENTS = ['policy', 'trust', 'template'] as const;
export type IamDocument = (typeof DOCUMENTS)[number];
export const FORMATS = ['json', 'yaml', 'cloudformation'] as const;
export type IamFormat = (typeof FORMATS)[number];
