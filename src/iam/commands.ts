import { read, write, type Permission } from './declare.ts';

/** The calls snapclone's own commands make beyond the engines' (each engine declares its own). */
export const COMMAND_PERMISSIONS: Record<string, Permission[]> = {
  /** doctor: who am I, does the role's policy allow what the commands need (simulation); each engine checks its placement. */
  doctor: [read('sts:GetCallerIdentity', 'none'), read('iam:SimulatePrincipalPolicy', 'self')],
  /** janitor: everything snapclone tagged (one query per region), and the secrets of clones that are gone. */
  janitor: [
    read('tag:GetResources', 'none'),
    read('secretsmanager:DescribeSecret', 'clone-secret'),
    write('secretsmanager:DeleteSecret', 'clone-secret', 'resource'),
  ],
};
