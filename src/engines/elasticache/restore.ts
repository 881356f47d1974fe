import { CreateReplicationGroupCommand, DescribeSnapshotsCommand, type ReplicationGroup, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { UsageError } from '../../core/errors.ts';
import { cloneTags, readCloneTags, TAG, toTagList } from '../../core/tags.ts';
import { deniedByIam, isError, type Where } from '../shared/aws.ts';
import { attachConcurrent, resumeExisting } from '../shared/resume.ts';
import { generatedPassword } from '../shared/secret.ts';
import type { RestorePlan, RestoreResult } from '../types.ts';
import { placementOf } from './aws.ts';
import { SUPPORTED_ENGINES_TEXT } from '../shared/supported.ts';
import { cloneFromGroup, cloneOf, describeGroup } from './describe.ts';

/**
 * What the clone gets for authentication: always a new AUTH token over TLS, whatever the source uses (the role's
 * policy requires both, so that nobody holding it can make an open copy: security H4). A source's RBAC user
 * groups are not copied: the clone's default user gets the token.
 */
function accessOf(source: ReplicationGroup | undefined): { tls: boolean; token: boolean; note?: string } {
  const rbac = (source?.UserGroupIds ?? []).length > 0;
  const note = rbac
    ? `the source's RBAC user groups (${source!.UserGroupIds!.join(', ')}) are not attached to the clone: its default user takes a new AUTH token instead`
    : undefined;
  return { tls: true, token: true, note };
}

/**
 * The EngineVersion to create the clone with: the snapshot's. Node-based clusters report the patch level
 * (e.g. 7.1.0, the ElastiCache guide's "Version Management"), but for Redis OSS 6 and later and for Valkey
 * CreateReplicationGroup takes <major>.<minor> and runs its latest patch (terraform-provider-aws #32252:
 * "For Redis v6 or higher, use <major>.<minor>"): sending major.minor is correct whether or not AWS would also
 * take the patch, and keeps the snapshot's minor version rather than the engine's default. Older versions
 * are given in full.
 */
export function engineVersionOf(engine: string, version: string | undefined): { EngineVersion?: string } {
  if (!version) return {};
  const [major, minor] = version.split('.');
  const modern = engine === 'valkey' || Number.parseInt(major, 10) >= 6;
  return { EngineVersion: modern && minor !== undefined ? `${major}.${minor}` : version };
}

/** Creates the clone's replication group from the snapshot, tagged at creation, with the new token set at creation. */
async function createGroup(w: Where, plan: RestorePlan): Promise<RestoreResult> {
  const placement = placementOf(plan.target);
  const name = plan.tags.clone;
  const described = await w.clients.of(ElastiCacheClient).send(new DescribeSnapshotsCommand({ SnapshotName: plan.point.id }));
  const snapshot = described.Snapshots?.[0];
  if (!snapshot?.Engine) {
    throw new UsageError(`The snapshot ${plan.point.id} is gone. Nothing was changed.`, `snapclone points ${plan.source.name} lists what is there now.`);
  }
  if (snapshot.Engine !== 'redis' && snapshot.Engine !== 'valkey') {
    throw new UsageError(
      `The snapshot ${plan.point.id} is of engine ${snapshot.Engine}, which snapclone does not clone. Nothing was changed.`,
      `Supported engines: ${SUPPORTED_ENGINES_TEXT}.`,
    );
  }
  const access = accessOf(await describeGroup(w, plan.source.config.id));
  const shards = snapshot.NumNodeGroups ?? 1;
  const port = snapshot.Port ?? 6379;
  // The token is stored first, in the clone's secret (tagged like it): a re-run finds and reuses it.
  const token = access.token
    ? await generatedPassword(w, plan.tags, { key: 'replicationGroupId', id: name }, { engine: snapshot.Engine, port, tls: true, username: 'default' })
    : undefined;
  const tags = { ...cloneTags(plan.tags), [TAG.password]: token ? 'generated' : 'none' };
  let group: ReplicationGroup | undefined;
  try {
    const out = await w.clients.of(ElastiCacheClient).send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: name,
        ReplicationGroupDescription: `snapclone clone ${name} of ${plan.source.name}`,
        SnapshotName: plan.point.id,
        Engine: snapshot.Engine,
        ...engineVersionOf(snapshot.Engine, snapshot.EngineVersion),
        CacheNodeType: placement.nodeType,
        // A sharded source keeps its shards (its data is split across them); replicas only where configured.
        ...(shards > 1
          ? { NumNodeGroups: shards, ReplicasPerNodeGroup: placement.replicas }
          : { NumCacheClusters: 1 + placement.replicas }),
        AutomaticFailoverEnabled: shards > 1 || placement.replicas > 0,
        MultiAZEnabled: false,
        CacheSubnetGroupName: placement.subnetGroup,
        SecurityGroupIds: placement.securityGroupIds,
        Port: port,
        TransitEncryptionEnabled: access.tls,
        ...(token ? { AuthToken: token } : {}),
        AtRestEncryptionEnabled: true,
        SnapshotRetentionLimit: 0,
        Tags: toTagList(tags),
      }),
    );
    group = out.ReplicationGroup;
  } catch (error) {
    const denied = deniedByIam(error);
    if (!denied && !isError(error, 'ReplicationGroupAlreadyExists', 'ReplicationGroupAlreadyExistsFault')) throw error;
    const existing = await describeGroup(w, name);
    if (denied && !existing) throw error;
    return attachConcurrent(w, await cloneOf(w, name, existing), plan, 'replication group');
  }
  const how = token ? 'TLS, a new AUTH token in its secret' : access.tls ? 'TLS, no AUTH token (the source has none)' : 'no TLS and no AUTH token (the source has neither)';
  w.ctx.reporter.info(`${name}: replication group creation started from snapshot ${plan.point.id} (${how}); tagged.`);
  if (access.note) w.ctx.reporter.warn(`${name}: ${access.note}.`);
  group ??= await describeGroup(w, name);
  const clone = group
    ? cloneFromGroup(group, readCloneTags(tags) ?? plan.tags, tags)
    : { ...plan.tags, engine: 'elasticache', arn: '', id: name, status: 'creating', tagged: true, credentials: 'pending' as const, details: {} };
  return { clone, resumed: false };
}

/** Starts the clone, or attaches to this person's clone of the same name already under way or made (resume). */
export async function restoreClone(w: Where, plan: RestorePlan): Promise<RestoreResult> {
  const group = await describeGroup(w, plan.tags.clone);
  if (!group) return createGroup(w, plan);
  return resumeExisting(w, await cloneOf(w, plan.tags.clone, group), plan, 'replication group');
}
