import type { TargetConfig } from '../config/schema.ts';
import { read, write, type Permission } from './declare.ts';

/** Targets whose clones are reached through a relay (`connect.relay`). */
const throughRelay = (target: TargetConfig) => target.connect !== undefined;

/** The calls snapclone's own commands make beyond the engines' (each engine declares its own). */
export const COMMAND_PERMISSIONS: Record<string, Permission[]> = {
  /** doctor: who am I, does the role's policy allow what the commands need (simulation); each engine checks its placement. */
  doctor: [
    read('sts:GetCallerIdentity', 'none'),
    read('iam:SimulatePrincipalPolicy', 'self'),
    // Whether the relay is online in Session Manager (the action has no resource types).
    { ...read('ssm:DescribeInstanceInformation', 'none'), when: throughRelay },
    // Whether the placement's security groups admit the path (docs/reaching-clones.md): the groups' rules, the
    // relay's groups and address, OpenSearch's subnets' VPC. EC2's Describe calls have no resource types.
    read('ec2:DescribeSecurityGroups', 'none'),
    { ...read('ec2:DescribeInstances', 'none'), when: throughRelay },
    { ...read('ec2:DescribeSubnets', 'none'), when: (target) => target.opensearch !== undefined },
  ],
  /**
   * connect: a port-forwarding session on the relay only, only with the target's own document (whose host
   * parameter admits clones only); `SessionDocumentAccessCheck` makes AWS check the document even when a request
   * names none (the default shell document is then refused). It ends only the caller's own sessions.
   */
  connect: [
    {
      ...write('ssm:StartSession', ['relay', 'connect-document']),
      when: throughRelay,
      requires: () => ({ BoolIfExists: { 'ssm:SessionDocumentAccessCheck': ['true'] } }),
    },
    { ...write('ssm:TerminateSession', 'own-session'), when: throughRelay },
  ],
  /** janitor: everything snapclone tagged (one query per region), and the secrets of clones that are gone. */
  janitor: [
    read('tag:GetResources', 'none'),
    read('secretsmanager:DescribeSecret', 'clone-secret'),
    write('secretsmanager:DeleteSecret', 'clone-secret', 'resource'),
  ],
};
