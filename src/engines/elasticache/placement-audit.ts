import {
  DescribeCacheClustersCommand,
  ElastiCacheClient,
  paginateDescribeReplicationGroups,
  type ReplicationGroup,
} from '@aws-sdk/client-elasticache';
import { hasPrefix } from '../../core/naming.ts';
import { TAG, unpackTags } from '../../core/tags.ts';
import { differs, said } from '../shared/placement-audit.ts';
import { isError, type Where } from '../shared/aws.ts';
import type { AuditedResource } from '../types.ts';
import { GROUP_KIND, placementOf } from './aws.ts';

/** Whether clients must authenticate: an AUTH token or RBAC user groups (snapclone gives a clone of either a token). */
const authenticates = (g: ReplicationGroup) => g.AuthTokenEnabled === true || (g.UserGroupIds ?? []).length > 0;

/** The cache subnet group of a group, as its first member cluster says; undefined while it has none. */
async function subnetGroupOf(w: Where, group: ReplicationGroup): Promise<string | undefined> {
  const member = group.MemberClusters?.[0];
  if (!member) return undefined;
  try {
    const out = await w.clients
      .of(ElastiCacheClient)
      .send(new DescribeCacheClustersCommand({ CacheClusterId: member }));
    return out.CacheClusters?.[0]?.CacheSubnetGroupName;
  } catch (error) {
    if (isError(error, 'CacheClusterNotFound')) return undefined;
    throw error;
  }
}

/**
 * The ElastiCache engine's `<prefix>-*` replication groups against the target's placement and their sources,
 * by ElastiCache's own answers. A clone is judged against the configured source its tags name; one whose tags
 * name none (not snapclone's, or re-tagged) against every configured source of the target: it must have TLS
 * and AUTH if any of them has, and no more shards than the largest.
 */
export async function auditGroups(
  w: Where,
  tagsOf: (arn: string) => Record<string, string> | undefined,
): Promise<AuditedResource[]> {
  const placement = placementOf(w.target);
  const prefix = w.ctx.config.prefix;
  const all: ReplicationGroup[] = [];
  for await (const page of paginateDescribeReplicationGroups(
    { client: w.clients.of(ElastiCacheClient), pageSize: 100 },
    {},
  )) {
    all.push(...(page.ReplicationGroups ?? []));
  }
  const sources = Object.entries(w.ctx.config.sources)
    .filter(([, s]) => s.engine === 'elasticache' && s.account === w.target.config.account && s.region === w.region)
    .flatMap(([name, s]) => {
      const group = all.find((g) => g.ReplicationGroupId === s.id.toLowerCase());
      return group ? [{ name, group }] : [];
    });
  const audited: AuditedResource[] = [];
  for (const group of all.filter((g) => g.ARN && hasPrefix(g.ReplicationGroupId, prefix))) {
    const named = sources.filter((s) => s.name === unpackTags(tagsOf(group.ARN!) ?? {})[TAG.source]);
    const judged = named.length > 0 ? named : sources;
    const names = (list: typeof sources) => list.map((s) => s.name).join(', ');
    const tls = judged.filter((s) => s.group.TransitEncryptionEnabled === true);
    const auth = judged.filter((s) => authenticates(s.group));
    const shards = group.NodeGroups?.length ?? 1;
    const allowedShards = Math.max(1, ...judged.map((s) => s.group.NodeGroups?.length ?? 1));
    const replicas = Math.max(0, ...(group.NodeGroups ?? []).map((ng) => (ng.NodeGroupMembers?.length ?? 1) - 1));
    const deleting = group.Status === 'deleting';
    audited.push({
      kind: GROUP_KIND,
      id: group.ReplicationGroupId!,
      arn: group.ARN!,
      createdAt: group.ReplicationGroupCreateTime,
      deleting,
      breaches: said([
        tls.length > 0 &&
          group.TransitEncryptionEnabled !== true &&
          `no TLS in transit, though its source ${names(tls)} has it`,
        auth.length > 0 &&
          !authenticates(group) &&
          `no AUTH token, though its source ${names(auth)} requires authentication`,
        differs('node type', group.CacheNodeType, placement.nodeType),
        shards > allowedShards && `${shards} shards, more than its source's ${allowedShards}`,
        replicas > placement.replicas && `${replicas} replicas per shard, more than the target's ${placement.replicas}`,
        group.MultiAZ === 'enabled' && 'Multi-AZ, which snapclone never makes',
        !deleting && differs('in cache subnet group', await subnetGroupOf(w, group), placement.subnetGroup),
      ]),
    });
  }
  return audited;
}
