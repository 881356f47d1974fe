// The generated policy, evaluated side by side by the sandbox's evaluator and by an evaluator nobody here
// wrote (@cloud-copilot/iam-simulate, AGPL: a development dependency only, never bundled or shipped).
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../src/config/schema.ts';
import { allEngines } from '../../src/engines/index.ts';
import { COMMAND_PERMISSIONS } from '../../src/iam/commands.ts';
import { policyFor, type PolicyDocument } from '../../src/iam/policy.ts';
import { policiesFor } from '../../src/iam/split.ts';
import { evaluate } from '../../sandbox/core/iam-eval.ts';
import type { PolicyDocument as SandboxPolicy } from '../../sandbox/core/iam.ts';
import { scenarioConfig, SCENARIO_TARGET } from '../../sandbox/scenario/config.ts';
import { generatedOperatorPolicies } from '../../sandbox/scenario/iam.ts';
import { COMPANY_ACCOUNT as ACCOUNT, COMPANY_REGION as REGION } from '../../sandbox/scenario/constants.ts';

const config = ConfigSchema.parse(scenarioConfig());
const policy = policyFor(config, SCENARIO_TARGET);
const SESSION = `arn:aws:sts::${ACCOUNT}:assumed-role/snapclone-operator/snapclone-alice`;

const db = (id: string) => `arn:aws:rds:${REGION}:${ACCOUNT}:db:${id}`;
const es = (path: string) => `arn:aws:es:${REGION}:${ACCOUNT}:domain/${path}`;
const ec = (type: string, id: string) => `arn:aws:elasticache:${REGION}:${ACCOUNT}:${type}:${id}`;
const rds = (type: string, id: string) => `arn:aws:rds:${REGION}:${ACCOUNT}:${type}:${id}`;
const secret = (name: string) => `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${name}-AbCdEf`;
const role = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
const vault = `arn:aws:backup:${REGION}:${ACCOUNT}:backup-vault:Default`;
const backupSnapshot = rds('snapshot', 'awsbackup:job-0a1b2c3d-0000-4000-8000-000000000001');
const key = `arn:aws:kms:${REGION}:${ACCOUNT}:key/0a1b2c3d-0000-4000-8000-000000000002`;

type Context = Record<string, string | string[]>;
/** A clone as snapclone tags it: managed, and its own prefixed name as the clone tag. */
const managed: Context = { 'aws:ResourceTag/snapclone:managed': 'true', 'aws:ResourceTag/snapclone:clone': 'snapclone-x' };
/** Someone's resource named like a clone and tagged managed=true, without a prefixed clone tag. */
const markedOnly: Context = { 'aws:ResourceTag/snapclone:managed': 'true' };
/** A create as snapclone makes it: the clone's name, its owner (the session's person) and expiry (security H4, M2). */
const creating: Context = {
  'aws:RequestTag/snapclone:managed': 'true',
  'aws:RequestTag/snapclone:clone': 'snapclone-x',
  'aws:RequestTag/snapclone:owner': 'alice',
  'aws:RequestTag/snapclone:expires-at': '2026-12-01T00:00:00.000Z',
  'aws:TagKeys': ['snapclone:managed', 'snapclone:clone', 'snapclone:owner', 'snapclone:expires-at'],
  'aws:userid': 'AROAEXAMPLEOPERATOR:snapclone-alice',
};
/** An RDS instance restore as snapclone sends it: private, of the placement's class. */
const restoring: Context = { ...creating, 'rds:PubliclyAccessible': 'false', 'rds:DatabaseClass': 'db.t4g.micro' };

interface Row {
  why: string;
  action: string;
  resource: string;
  context?: Context;
  /** KMS needs the key policy too: the default one delegates to the account's IAM policies. */
  resourcePolicy?: object;
}

const defaultKeyPolicy = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }],
};

/** Every call of every command on clones: allowed. */
const allowed: Row[] = [
  { why: 'read a source', action: 'rds:DescribeDBInstances', resource: db('orders-prod') },
  { why: 'list instances (describe all)', action: 'rds:DescribeDBInstances', resource: db('*') },
  { why: "read a clone's tags (guard)", action: 'rds:ListTagsForResource', resource: db('snapclone-x') },
  { why: 'snapshots of a source', action: 'rds:DescribeDBSnapshots', resource: db('orders-prod') },
  { why: 'point-in-time window', action: 'rds:DescribeDBInstanceAutomatedBackups', resource: db('billing-prod') },
  { why: 'recovery points', action: 'backup:ListRecoveryPointsByBackupVault', resource: vault },
  { why: 'untagged restores by jobs', action: 'backup:ListRestoreJobs', resource: '*' },
  { why: 'clones by tag', action: 'tag:GetResources', resource: '*' },
  { why: 'describe the Aurora source', action: 'rds:DescribeDBClusters', resource: rds('cluster', 'catalog-prod') },
  { why: 'cluster snapshots of the Aurora source', action: 'rds:DescribeDBClusterSnapshots', resource: rds('cluster', 'catalog-prod') },
  { why: 'copy-on-write clone of the Aurora source', action: 'rds:RestoreDBClusterToPointInTime', resource: rds('cluster', 'catalog-prod'), context: creating },
  { why: 'restore an Aurora clone', action: 'rds:RestoreDBClusterFromSnapshot', resource: rds('cluster', 'snapclone-x'), context: creating },
  {
    why: "add the clone's writer (Aurora, the placement's class)",
    action: 'rds:CreateDBInstance',
    resource: db('snapclone-x-1'),
    context: { ...creating, 'rds:DatabaseEngine': 'aurora-postgresql', 'rds:DatabaseClass': 'db.t4g.medium', 'rds:PubliclyAccessible': 'false' },
  },
  {
    why: "the writer's cluster, a clone by its own tags",
    action: 'rds:CreateDBInstance',
    resource: rds('cluster', 'snapclone-x'),
    context: { ...creating, ...managed, 'rds:DatabaseEngine': 'aurora-postgresql', 'rds:DatabaseClass': 'db.t4g.medium', 'rds:PubliclyAccessible': 'false' },
  },
  { why: "replace an Aurora clone's password", action: 'rds:ModifyDBCluster', resource: rds('cluster', 'snapclone-x'), context: managed },
  { why: 'delete an Aurora clone', action: 'rds:DeleteDBCluster', resource: rds('cluster', 'snapclone-x'), context: managed },
  {
    why: "read an Aurora clone's RDS-managed secret",
    action: 'secretsmanager:GetSecretValue',
    resource: secret('rds!cluster-0a1b2c3d'),
    context: { 'aws:ResourceTag/aws:rds:primaryDBClusterArn': rds('cluster', 'snapclone-x') },
  },
  { why: "the cache source's snapshots", action: 'elasticache:DescribeSnapshots', resource: ec('snapshot', 'automatic.sessions-prod-2026-11-20-17-00') },
  { why: 'the cache source (TLS, AUTH)', action: 'elasticache:DescribeReplicationGroups', resource: ec('replicationgroup', 'sessions-prod') },
  {
    why: 'create a cache clone of the placement node type',
    action: 'elasticache:CreateReplicationGroup',
    resource: ec('replicationgroup', 'snapclone-x'),
    context: { ...creating, 'elasticache:CacheNodeType': 'cache.t4g.micro', 'elasticache:TransitEncryptionEnabled': 'true', 'elasticache:AuthTokenEnabled': 'true' },
  },
  { why: 'delete a cache clone', action: 'elasticache:DeleteReplicationGroup', resource: ec('replicationgroup', 'snapclone-x'), context: managed },
  { why: "read a cache clone's tags", action: 'elasticache:ListTagsForResource', resource: ec('replicationgroup', 'snapclone-x') },
  // The search source's snapshots are read from its S3 repository, never through its REST API (issue 22).
  { why: "list the search source's repository data generations", action: 's3:ListBucket', resource: 'arn:aws:s3:::example-co-search-snapshots', context: { 's3:prefix': 'index-' } },
  { why: "list the search source's snapshot infos", action: 's3:ListBucket', resource: 'arn:aws:s3:::example-co-search-snapshots', context: { 's3:prefix': 'snap-' } },
  { why: "read the search source's repository data", action: 's3:GetObject', resource: 'arn:aws:s3:::example-co-search-snapshots/index-41' },
  { why: 'create a search clone', action: 'es:CreateDomain', resource: es('snapclone-x'), context: creating },
  { why: 'register the repository on a search clone (PUT, as AWS documents)', action: 'es:ESHttpPut', resource: es('snapclone-x/_snapshot/prod-snapshots'), context: managed },
  { why: 'restore on a search clone', action: 'es:ESHttpPost', resource: es('snapclone-x/_snapshot/prod-snapshots/daily-2026-11-20/_restore'), context: managed },
  // What OpenSearch puts in iam:PassedToService is undocumented: the read-only repository role passes with or without it.
  { why: 'pass the read-only repository role to OpenSearch', action: 'iam:PassRole', resource: role('opensearch-snapshot-reader'), context: { 'iam:PassedToService': 'es.amazonaws.com' } },
  { why: 'pass the read-only repository role (no PassedToService)', action: 'iam:PassRole', resource: role('opensearch-snapshot-reader') },
  { why: 'delete a search clone', action: 'es:DeleteDomain', resource: es('snapclone-x'), context: managed },
  { why: 'restore a clone (instance)', action: 'rds:RestoreDBInstanceFromDBSnapshot', resource: db('snapclone-x'), context: restoring },
  { why: 'restore a clone (Backup snapshot)', action: 'rds:RestoreDBInstanceFromDBSnapshot', resource: backupSnapshot, context: restoring },
  { why: 'restore a clone (subnet group)', action: 'rds:RestoreDBInstanceFromDBSnapshot', resource: rds('subgrp', 'snapclone-dev'), context: restoring },
  { why: 'restore a clone (option group)', action: 'rds:RestoreDBInstanceFromDBSnapshot', resource: rds('og', 'default:mysql-8-0'), context: restoring },
  { why: 'point-in-time clone (target)', action: 'rds:RestoreDBInstanceToPointInTime', resource: db('snapclone-x'), context: restoring },
  { why: 'point-in-time clone (reads the source)', action: 'rds:RestoreDBInstanceToPointInTime', resource: db('orders-prod'), context: restoring },
  { why: 'tag a clone at creation', action: 'rds:AddTagsToResource', resource: db('snapclone-x'), context: creating },
  { why: 'tag a clone', action: 'rds:AddTagsToResource', resource: db('snapclone-x'), context: { ...managed, 'aws:RequestTag/snapclone:managed': 'true', 'aws:TagKeys': ['snapclone:managed', 'snapclone:expires-at'] } },
  { why: "replace a clone's password", action: 'rds:ModifyDBInstance', resource: db('snapclone-x'), context: managed },
  { why: 'delete a clone', action: 'rds:DeleteDBInstance', resource: db('snapclone-x'), context: managed },
  { why: "create a clone's secret", action: 'secretsmanager:CreateSecret', resource: secret('snapclone-x'), context: creating },
  { why: "tag a clone's secret at creation", action: 'secretsmanager:TagResource', resource: secret('snapclone-x'), context: creating },
  { why: "describe a clone's secret", action: 'secretsmanager:DescribeSecret', resource: secret('snapclone-x') },
  { why: "read a clone's password", action: 'secretsmanager:GetSecretValue', resource: secret('snapclone-x'), context: managed },
  { why: "delete a clone's secret", action: 'secretsmanager:DeleteSecret', resource: secret('snapclone-x'), context: managed },
  { why: 'RDS creates the managed secret', action: 'secretsmanager:CreateSecret', resource: secret('rds!db-0a1b2c3d') },
  {
    why: "read a clone's RDS-managed password",
    action: 'secretsmanager:GetSecretValue',
    resource: secret('rds!db-0a1b2c3d'),
    context: { 'aws:ResourceTag/aws:rds:primaryDBInstanceArn': db('snapclone-x') },
  },
  { why: 'the key of managed secrets', action: 'kms:DescribeKey', resource: key, context: { 'kms:ResourceAliases': ['alias/aws/secretsmanager'] }, resourcePolicy: defaultKeyPolicy },
  { why: 'doctor simulates its own role', action: 'iam:SimulatePrincipalPolicy', resource: role('snapclone-operator') },
  { why: 'doctor reads the placement', action: 'rds:DescribeDBSubnetGroups', resource: rds('subgrp', 'snapclone-dev') },
];

/** Writes on sources, outside the prefix, untagged or retagging, and escalations: denied. */
const denied: Row[] = [
  { why: 'tag a source into deletability', action: 'rds:AddTagsToResource', resource: db('orders-prod'), context: creating },
  { why: 'modify a source (even tagged)', action: 'rds:ModifyDBInstance', resource: db('orders-prod'), context: managed },
  { why: 'delete a source (even tagged)', action: 'rds:DeleteDBInstance', resource: db('billing-prod'), context: managed },
  { why: 'restore over a source name', action: 'rds:RestoreDBInstanceFromDBSnapshot', resource: db('orders-prod'), context: creating },
  { why: 'create outside the prefix', action: 'rds:RestoreDBInstanceFromDBSnapshot', resource: db('orders-copy'), context: creating },
  { why: 'tag outside the prefix', action: 'rds:AddTagsToResource', resource: db('orders-copy'), context: creating },
  { why: 'restore without the managed tag', action: 'rds:RestoreDBInstanceFromDBSnapshot', resource: db('snapclone-x') },
  { why: 'restore a public instance', action: 'rds:RestoreDBInstanceFromDBSnapshot', resource: db('snapclone-x'), context: { ...restoring, 'rds:PubliclyAccessible': 'true' } },
  { why: 'restore a bigger instance than the placement says', action: 'rds:RestoreDBInstanceFromDBSnapshot', resource: db('snapclone-x'), context: { ...restoring, 'rds:DatabaseClass': 'db.r6i.32xlarge' } },
  { why: 'restore without saying the instance is private', action: 'rds:RestoreDBInstanceToPointInTime', resource: rds('subgrp', 'snapclone-dev'), context: creating },
  { why: 'add a public writer', action: 'rds:CreateDBInstance', resource: db('snapclone-x-1'), context: { ...creating, 'rds:DatabaseEngine': 'aurora-postgresql', 'rds:DatabaseClass': 'db.t4g.medium', 'rds:PubliclyAccessible': 'true' } },
  { why: 'describe a KMS key that is not the secrets key', action: 'kms:DescribeKey', resource: key, context: { 'kms:ResourceAliases': ['alias/prod-data'] }, resourcePolicy: defaultKeyPolicy },
  {
    why: 'restore with a tag that is not snapclone’s',
    action: 'rds:RestoreDBInstanceFromDBSnapshot',
    resource: db('snapclone-x'),
    context: { ...creating, 'aws:RequestTag/env': 'production', 'aws:TagKeys': ['snapclone:managed', 'env'] },
  },
  {
    why: 'tag a clone with a foreign key',
    action: 'rds:AddTagsToResource',
    resource: db('snapclone-x'),
    context: { 'aws:RequestTag/snapclone:managed': 'true', 'aws:TagKeys': ['snapclone:managed', 'owner'] },
  },
  { why: 'tag without snapclone:managed=true', action: 'rds:AddTagsToResource', resource: db('snapclone-x'), context: { 'aws:TagKeys': ['snapclone:owner'] } },
  {
    why: 'tag into a clone what someone marked snapclone:managed=false',
    action: 'rds:AddTagsToResource',
    resource: db('snapclone-x'),
    context: { ...creating, 'aws:ResourceTag/snapclone:managed': 'false' },
  },
  { why: 'untag a clone', action: 'rds:RemoveTagsFromResource', resource: db('snapclone-x'), context: managed },
  { why: 'delete an instance tagged managed=true without a prefixed clone tag', action: 'rds:DeleteDBInstance', resource: db('snapclone-x'), context: markedOnly },
  { why: 'delete a domain tagged managed=true with a clone tag outside the prefix', action: 'es:DeleteDomain', resource: es('snapclone-x'), context: { ...markedOnly, 'aws:ResourceTag/snapclone:clone': 'search-prod' } },
  { why: 'read a secret tagged managed=true without a prefixed clone tag', action: 'secretsmanager:GetSecretValue', resource: secret('snapclone-x'), context: markedOnly },
  {
    why: "rewrite a clone's clone tag",
    action: 'rds:AddTagsToResource',
    resource: db('snapclone-x'),
    context: { ...managed, 'aws:RequestTag/snapclone:managed': 'true', 'aws:RequestTag/snapclone:clone': 'snapclone-y', 'aws:TagKeys': ['snapclone:managed', 'snapclone:clone'] },
  },
  {
    why: 'create with a clone tag outside the prefix',
    action: 'rds:RestoreDBInstanceFromDBSnapshot',
    resource: db('snapclone-x'),
    context: { ...restoring, 'aws:RequestTag/snapclone:clone': 'orders-prod' },
  },
  { why: 'modify an untagged prefixed instance', action: 'rds:ModifyDBInstance', resource: db('snapclone-x') },
  { why: 'delete an untagged prefixed instance', action: 'rds:DeleteDBInstance', resource: db('snapclone-x') },
  // AWS puts the engine and class of every CreateDBInstance in the request (both are required parameters).
  { why: 'create an instance from scratch', action: 'rds:CreateDBInstance', resource: db('snapclone-x'), context: { ...creating, 'rds:DatabaseEngine': 'mysql', 'rds:DatabaseClass': 'db.t4g.micro' } },
  { why: 'stop a source', action: 'rds:StopDBInstance', resource: db('orders-prod') },
  { why: 'delete the search source', action: 'es:DeleteDomain', resource: es('search-prod') },
  { why: "write to the search source's repository", action: 'es:ESHttpPut', resource: es('search-prod/_snapshot/prod-snapshots/new-one') },
  { why: 'restore into the search source', action: 'es:ESHttpPost', resource: es('search-prod/_snapshot/prod-snapshots/daily-2026-11-20/_restore') },
  { why: "read the search source's documents", action: 'es:ESHttpGet', resource: es('search-prod/products/_search') },
  { why: "list the search source's snapshots through its REST API", action: 'es:ESHttpGet', resource: es('search-prod/_snapshot/prod-snapshots/_all') },
  { why: "list the search repository's bucket under no prefix", action: 's3:ListBucket', resource: 'arn:aws:s3:::example-co-search-snapshots' },
  { why: "list the search repository's shard folders", action: 's3:ListBucket', resource: 'arn:aws:s3:::example-co-search-snapshots', context: { 's3:prefix': 'indices/' } },
  { why: "read a search snapshot's data blobs", action: 's3:GetObject', resource: 'arn:aws:s3:::example-co-search-snapshots/indices/abc/0/__x' },
  { why: 'write into the search repository', action: 's3:PutObject', resource: 'arn:aws:s3:::example-co-search-snapshots/index-42' },
  { why: "pass production's (writable) snapshot role", action: 'iam:PassRole', resource: role('opensearch-snapshot-role'), context: { 'iam:PassedToService': 'es.amazonaws.com' } },
  { why: "write a snapshot into production's repository through a clone", action: 'es:ESHttpPut', resource: es('snapclone-x/_snapshot/prod-snapshots/planted') },
  { why: 're-register a repository on a clone by POST', action: 'es:ESHttpPost', resource: es('snapclone-x/_snapshot/prod-snapshots') },
  { why: 'delete the cache source', action: 'elasticache:DeleteReplicationGroup', resource: ec('replicationgroup', 'sessions-prod'), context: managed },
  { why: 'change the cache source', action: 'elasticache:ModifyReplicationGroup', resource: ec('replicationgroup', 'sessions-prod') },
  { why: 'export a cache snapshot to S3', action: 'elasticache:CopySnapshot', resource: ec('snapshot', 'sessions-prod-before-migration') },
  { why: 'create a bigger cache than the placement says', action: 'elasticache:CreateReplicationGroup', resource: ec('replicationgroup', 'snapclone-x'), context: { ...creating, 'elasticache:CacheNodeType': 'cache.r7g.16xlarge' } },
  { why: 'delete an untagged prefixed cache', action: 'elasticache:DeleteReplicationGroup', resource: ec('replicationgroup', 'snapclone-x') },
  { why: 'delete the Aurora source', action: 'rds:DeleteDBCluster', resource: rds('cluster', 'catalog-prod'), context: managed },
  { why: 'change the Aurora source', action: 'rds:ModifyDBCluster', resource: rds('cluster', 'catalog-prod'), context: managed },
  {
    why: 'add a writer to an untagged <prefix>-* cluster someone else made',
    action: 'rds:CreateDBInstance',
    resource: rds('cluster', 'snapclone-x'),
    context: { ...creating, 'rds:DatabaseEngine': 'aurora-postgresql', 'rds:DatabaseClass': 'db.t4g.medium', 'rds:PubliclyAccessible': 'false' },
  },
  { why: 'add an instance to the Aurora source', action: 'rds:CreateDBInstance', resource: rds('cluster', 'catalog-prod'), context: { ...creating, 'rds:DatabaseEngine': 'aurora-postgresql', 'rds:DatabaseClass': 'db.t4g.medium' } },
  { why: 'delete an untagged prefixed cluster', action: 'rds:DeleteDBCluster', resource: rds('cluster', 'snapclone-x') },
  { why: 'create a standalone instance of the placement class', action: 'rds:CreateDBInstance', resource: db('snapclone-x'), context: { ...creating, 'rds:DatabaseEngine': 'postgres', 'rds:DatabaseClass': 'db.t4g.medium' } },
  { why: 'add a bigger writer than the placement says', action: 'rds:CreateDBInstance', resource: db('snapclone-x-1'), context: { ...creating, 'rds:DatabaseEngine': 'aurora-postgresql', 'rds:DatabaseClass': 'db.r6g.16xlarge' } },
  { why: "read another cluster's RDS-managed secret", action: 'secretsmanager:GetSecretValue', resource: secret('rds!cluster-0a1b2c3d'), context: { 'aws:ResourceTag/aws:rds:primaryDBClusterArn': rds('cluster', 'catalog-prod') } },
  { why: 'reboot a clone', action: 'rds:RebootDBInstance', resource: db('snapclone-x'), context: managed },
  { why: 'delete a backup snapshot', action: 'rds:DeleteDBSnapshot', resource: backupSnapshot },
  { why: 'share a snapshot', action: 'rds:ModifyDBSnapshotAttribute', resource: backupSnapshot },
  { why: 'copy a snapshot elsewhere', action: 'rds:CopyDBSnapshot', resource: backupSnapshot },
  { why: 'start a Backup restore (cannot tag)', action: 'backup:StartRestoreJob', resource: backupSnapshot },
  { why: 'delete a recovery point', action: 'backup:DeleteRecoveryPoint', resource: backupSnapshot },
  { why: 'pass the restore role', action: 'iam:PassRole', resource: role('snapclone-backup-restore'), context: { 'iam:PassedToService': 'backup.amazonaws.com' } },
  { why: 'pass another role', action: 'iam:PassRole', resource: role('admin'), context: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
  { why: "read a source's secret", action: 'secretsmanager:GetSecretValue', resource: secret('orders-prod-master') },
  {
    why: "read a source's RDS-managed secret",
    action: 'secretsmanager:GetSecretValue',
    resource: secret('rds!db-0a1b2c3d'),
    context: { 'aws:ResourceTag/aws:rds:primaryDBInstanceArn': db('orders-prod') },
  },
  { why: 'read an untagged prefixed secret', action: 'secretsmanager:GetSecretValue', resource: secret('snapclone-x') },
  { why: 'delete an untagged prefixed secret', action: 'secretsmanager:DeleteSecret', resource: secret('snapclone-x') },
  { why: "overwrite a clone's secret", action: 'secretsmanager:PutSecretValue', resource: secret('snapclone-x'), context: managed },
  { why: 'create a secret outside the prefix', action: 'secretsmanager:CreateSecret', resource: secret('prod-api-key'), context: creating },
  { why: 'change its own policy', action: 'iam:PutRolePolicy', resource: role('snapclone-operator') },
  { why: 'attach a managed policy to itself', action: 'iam:AttachRolePolicy', resource: role('snapclone-operator') },
  { why: 'simulate another role', action: 'iam:SimulatePrincipalPolicy', resource: role('admin') },
  { why: 'assume another role', action: 'sts:AssumeRole', resource: role('admin') },
  { why: 'decrypt with a KMS key', action: 'kms:Decrypt', resource: key, resourcePolicy: defaultKeyPolicy },
  { why: 'another service entirely', action: 'dynamodb:DeleteTable', resource: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/orders` },
];

function sandboxDecision(doc: PolicyDocument, row: Row): 'allow' | 'deny' {
  const decision = evaluate([doc as unknown as SandboxPolicy], { action: row.action, resource: row.resource, context: row.context ?? {} });
  return decision === 'allow' ? 'allow' : 'deny';
}

async function simulatorDecision(doc: PolicyDocument, row: Row): Promise<'allow' | 'deny'> {
  const response = await runSimulation(
    {
      identityPolicies: [{ name: 'snapclone', policy: doc }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(row.resourcePolicy ? { resourcePolicy: row.resourcePolicy } : {}),
      request: {
        action: row.action,
        principal: SESSION,
        resource: { accountId: ACCOUNT, resource: row.resource },
        contextVariables: row.context ?? {},
      },
    },
    {},
  );
  if (response.resultType === 'error') throw new Error(`iam-simulate refused ${row.action} ${row.resource}: ${JSON.stringify(response.errors)}`);
  return response.overallResult === 'Allowed' ? 'allow' : 'deny';
}

describe('the generated policy, by two evaluators', () => {
  it.each(allowed.map((r) => [r.why, r] as const))('allows: %s', async (_why, row) => {
    expect(sandboxDecision(policy, row)).toBe('allow');
    expect(await simulatorDecision(policy, row)).toBe('allow');
  });

  it.each(denied.map((r) => [r.why, r] as const))('denies: %s', async (_why, row) => {
    expect(sandboxDecision(policy, row)).toBe('deny');
    expect(await simulatorDecision(policy, row)).toBe('deny');
  });

  it('is what the sandbox seeds on the operator role, and has no * action and Resource * only where listed', () => {
    expect(generatedOperatorPolicies()).toEqual(policiesFor(config, SCENARIO_TARGET).map((p) => p.document));
    const actions = policy.Statement.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
    expect(actions.some((a) => a.includes('*'))).toBe(false);
    const starred = policy.Statement.filter((s) => s.Resource === '*' || (Array.isArray(s.Resource) && s.Resource.includes('*')));
    expect(starred.flatMap((s) => s.Action).sort()).toEqual(['backup:ListRestoreJobs', 'ec2:DescribeSecurityGroups', 'ec2:DescribeSubnets', 'es:ListDomainNames', 'sts:GetCallerIdentity', 'tag:GetResources']);
  });

  it('allows exactly the declared actions (for a target without a customer KMS key)', () => {
    const declared = new Set(
      [...allEngines().flatMap((e) => Object.values(e.permissions).flat()), ...Object.values(COMMAND_PERMISSIONS).flat()]
        .filter((p) => !p.when || p.when(config.targets[SCENARIO_TARGET]))
        // No source of the scenario is encrypted with a customer key: nothing to grant on source keys.
        .filter((p) => !p.on.includes('source-key'))
        .map((p) => p.action),
    );
    const allowedActions = new Set(policy.Statement.filter((s) => s.Effect === 'Allow').flatMap((s) => s.Action));
    expect([...allowedActions].sort()).toEqual([...declared].sort());
  });
});
