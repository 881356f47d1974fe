import { paginateDescribeDBInstances, RDSClient, type DBInstance } from '@aws-sdk/client-rds';
import { hasPrefix } from '../../core/naming.ts';
import { differs, said } from '../shared/placement-audit.ts';
import type { Where } from '../shared/aws.ts';
import type { AuditedResource } from '../types.ts';
import { placementOf } from './aws.ts';
import { RESOURCE_KIND } from './describe.ts';

/** Every DB instance of the account and region, one paginated call (the RDS and Aurora audits read them so). */
export async function allInstances(w: Where): Promise<DBInstance[]> {
  const all: DBInstance[] = [];
  for await (const page of paginateDescribeDBInstances({ client: w.clients.of(RDSClient), pageSize: 100 }, {}))
    all.push(...(page.DBInstances ?? []));
  return all;
}

/**
 * How a DB instance breaks a placement by RDS's own answer: public, or of another class than the placement's
 * (now, or pending a modification). Security groups are not judged: a clone may sit in a closed group while
 * its password is replaced.
 */
export function instanceBreaches(instance: DBInstance, instanceClass: string): string[] {
  const pending = instance.PendingModifiedValues?.DBInstanceClass;
  return said([
    instance.PubliclyAccessible === true && 'publicly accessible',
    differs('class', instance.DBInstanceClass, instanceClass),
    pending !== undefined && differs('class being changed to', pending, instanceClass),
  ]);
}

/** The RDS engine's `<prefix>-*` DB instances (not Aurora members) against the target's rds placement. */
export async function auditInstances(w: Where): Promise<AuditedResource[]> {
  const placement = placementOf(w.target);
  const prefix = w.ctx.config.prefix;
  return (await allInstances(w))
    .filter((i) => !i.DBClusterIdentifier && i.DBInstanceArn && hasPrefix(i.DBInstanceIdentifier, prefix))
    .map((i) => ({
      kind: RESOURCE_KIND,
      id: i.DBInstanceIdentifier!,
      arn: i.DBInstanceArn!,
      createdAt: i.InstanceCreateTime,
      deleting: i.DBInstanceStatus === 'deleting',
      breaches: [
        ...instanceBreaches(i, placement.instanceClass),
        ...said([
          i.MultiAZ === true && 'Multi-AZ, which snapclone never makes',
          differs('in DB subnet group', i.DBSubnetGroup?.DBSubnetGroupName, placement.subnetGroup),
        ]),
      ],
    }));
}
