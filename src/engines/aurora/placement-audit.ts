import { paginateDescribeDBClusters, RDSClient, type DBCluster } from '@aws-sdk/client-rds';
import { hasPrefix } from '../../core/naming.ts';
import { allInstances, instanceBreaches } from '../rds/placement-audit.ts';
import { differs, said } from '../shared/placement-audit.ts';
import type { Where } from '../shared/aws.ts';
import type { AuditedResource } from '../types.ts';
import { CLUSTER_KIND, isServerless, placementOf } from './aws.ts';

/**
 * The Aurora engine's `<prefix>-*` DB clusters against the target's aurora placement, by RDS's own answers:
 * the cluster's subnet group and Serverless v2 capacity, and each member instance (public, class, how many:
 * snapclone makes one writer).
 */
export async function auditClusters(w: Where): Promise<AuditedResource[]> {
  const placement = placementOf(w.target);
  const prefix = w.ctx.config.prefix;
  const clusters: DBCluster[] = [];
  for await (const page of paginateDescribeDBClusters({ client: w.clients.of(RDSClient), pageSize: 100 }, {})) {
    clusters.push(...(page.DBClusters ?? []).filter((c) => c.DBClusterArn && hasPrefix(c.DBClusterIdentifier, prefix)));
  }
  if (clusters.length === 0) return [];
  const instances = await allInstances(w);
  return clusters.map((cluster) => {
    const members = instances.filter((i) => i.DBClusterIdentifier === cluster.DBClusterIdentifier);
    const most = cluster.ServerlessV2ScalingConfiguration?.MaxCapacity;
    return {
      kind: CLUSTER_KIND,
      id: cluster.DBClusterIdentifier!,
      arn: cluster.DBClusterArn!,
      createdAt: cluster.ClusterCreateTime,
      deleting: cluster.Status === 'deleting',
      breaches: [
        ...said([
          cluster.PubliclyAccessible === true && 'publicly accessible',
          differs('in DB subnet group', cluster.DBSubnetGroup, placement.subnetGroup),
          isServerless(placement) &&
            most !== undefined &&
            most > placement.serverless.maxCapacity &&
            `Serverless v2 up to ${most} ACU, more than the target's ${placement.serverless.maxCapacity}`,
          members.length > 1 && `${members.length} instances, where snapclone makes one writer`,
        ]),
        ...members.flatMap((m) =>
          instanceBreaches(m, placement.instanceClass).map((b) => `instance ${m.DBInstanceIdentifier}: ${b}`),
        ),
      ],
    };
  });
}
