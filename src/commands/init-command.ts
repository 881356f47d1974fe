import { Option, type Command } from '@commander-js/extra-typings';
import type { GlobalOptions, Io } from '../cli/context.ts';
import type { CommandResult } from '../output/render.ts';

const many = (value: string, all: string[]) => [...all, value];

/** A command that runs before any config exists: it gets the global options and the process's streams. */
export type RunWithoutConfig = (run: (globals: GlobalOptions, io: Io) => Promise<CommandResult>) => Promise<void>;

/** `snapclone init`: its options; the module (discovery, prompts, the YAML) loads when it runs. */
export function defineInit(root: Command, execute: RunWithoutConfig): void {
  root
    .command('init')
    .description('discover sources and placements in an account (read-only), ask or take which to use, and write a commented snapclone.yaml')
    .option('--source <name=id>', 'a source: config name = DB instance, Aurora cluster, replication group or domain (repeatable)', many, [] as string[])
    .option('--subnet-group <name>', 'DB subnet group RDS and Aurora clones go to (OpenSearch takes a subnet of it)')
    .option('--cache-subnet-group <name>', 'cache subnet group ElastiCache clones go to')
    .option('--security-group <sg-id>', 'security group of the clones (repeatable; same VPC as the subnet group)', many, [] as string[])
    .option('--instance-class <class>', 'RDS clones (default: the cheapest burstable class priced for the engine)')
    .option('--aurora-instance-class <class>', 'Aurora clones\' writer')
    .option('--node-type <type>', 'ElastiCache clones')
    .option('--search-instance-type <type>', 'OpenSearch clones')
    .option('--search-repository <name=repo,bucket,role>', 'an OpenSearch source\'s snapshot repository, S3 bucket and read-only role ARN for clones (repeatable)', many, [] as string[])
    .option('--target <name>', 'name of the target the clones go to', 'dev')
    .option('--role-name <name>', 'the role snapclone will run as (created later by snapclone iam template)', 'snapclone-operator')
    .option('--github-repo <org/repo>', 'a repository whose workflows may assume the role (repeatable)', many, [] as string[])
    .option('--github-environment <name>', 'the GitHub environment those jobs run in (repeatable; default: snapclone and snapclone-manage, as in examples/github)', many, [] as string[])
    .option('--principal <arn>', 'an IAM user or role that may assume the role with the external id, besides you (repeatable)', many, [] as string[])
    .option('--timezone <zone>', 'the time zone --date names days in', 'Asia/Tokyo')
    .addOption(new Option('-y, --yes', 'do not ask: take the flags (and the only candidate placement where there is one)'))
    .option('--force', 'overwrite an existing config file')
    .option('--print-policy', 'print the read-only IAM policy init needs, and call nothing')
    .action((opts) => execute(async (globals, io) => (await import('./init.ts')).run(opts, globals, io)));
}
