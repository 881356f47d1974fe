import * as z from 'zod';
import { isTimeZone } from '../core/dates.ts';
import { SUPPORTED_ENGINES_TEXT } from '../engines/shared/supported.ts';
import { MaskingSchema, maskingProblems } from '../masking/config.ts';

const accountId = z.string().regex(/^\d{12}$/, 'a 12-digit AWS account id');
const region = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region such as ap-northeast-1');
const duration = z.string().regex(/^\d+[mhd]$/, 'a duration such as 30m, 8h or 3d');

const kmsKeyArn = z.string().regex(/^arn:aws[\w-]*:kms:[a-z0-9-]+:\d{12}:key\/[\w-]+$/, 'a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID)');
const roleArn = z.string().regex(/^arn:aws[\w-]*:iam::\d{12}:role\/.+$/, 'an IAM role ARN');

/** A GitHub id (repository or owner): a positive integer, as YAML reads it or as a string of digits. */
const githubId = z.union([z.number().int().positive(), z.string().regex(/^[1-9]\d*$/, 'a numeric GitHub id')]);

const repositoryName = z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'ORG/REPO');

/**
 * A repository whose workflows may assume the role: `ORG/REPO` (bound by name), or `{name, id, ownerId}` with
 * its immutable ids (GitHub's API: `gh api repos/ORG/REPO --jq '.id, .owner.id'`), which the trust then binds
 * too, so that a repository later created under the old name after a rename or transfer is refused.
 */
export const GithubRepositorySchema = z.union([
  repositoryName,
  z
    .object({
      name: repositoryName,
      /** The repository's id (the `repository_id` claim). */
      id: githubId,
      /** The owner's (organisation's or user's) id (the `repository_owner_id` claim). */
      ownerId: githubId,
    })
    .strict(),
]);

/** A workflow file the role admits, with the ref it must come from: `.github/workflows/clone.yml@refs/heads/main`. */
const workflowRef = z
  .string()
  .regex(
    /^([\w.-]+\/[\w.-]+\/)?\.github\/workflows\/[^@*?\s]+\.ya?ml@refs\/(heads|tags)\/[^*?\s]+$/,
    'a workflow file and the ref it runs from, such as .github/workflows/clone.yml@refs/heads/main (ORG/REPO/… for a reusable workflow of another repository)',
  );

/** Who may assume the target's role: what `snapclone iam trust` and `iam template` generate. */
export const TrustSchema = z
  .object({
    /** GitHub Actions through GitHub's OIDC provider. */
    github: z
      .object({
        /** Repositories whose workflows may assume the role: ORG/REPO, or {name: ORG/REPO, id, ownerId}. */
        repositories: z.array(GithubRepositorySchema).min(1),
        /** Deployment environments allowed (sub repo:ORG/REPO:environment:NAME). */
        environments: z.array(z.string().regex(/^[^*?:]+$/, 'an environment name')).optional(),
        /** Branches allowed (sub repo:ORG/REPO:ref:refs/heads/NAME). */
        branches: z.array(z.string().regex(/^[^*?:]+$/, 'a branch name')).optional(),
        /**
         * Workflow files allowed, each with the ref it must run from (the `job_workflow_ref` claim): a modified copy
         * of the workflow dispatched from another branch is refused.
         */
        workflows: z.array(workflowRef).optional(),
        /** ARN of an existing GitHub OIDC provider; omitted = the template creates one. */
        providerArn: z
          .string()
          .regex(/^arn:aws[\w-]*:iam::\d{12}:oidc-provider\/token\.actions\.githubusercontent\.com$/, 'the ARN of the GitHub OIDC provider')
          .optional(),
      })
      .strict()
      .refine((g) => (g.environments?.length ?? 0) + (g.branches?.length ?? 0) > 0, {
        message: 'name environments or branches, so that only those workflows (not every branch or pull request) can assume the role',
      })
      .optional(),
    /** IAM users or roles (a CI user, a role in a login account) that may assume the role with the external id. */
    principals: z.array(z.string().regex(/^arn:aws[\w-]*:iam::\d{12}:(user|role)\/.+$/, 'an IAM user or role ARN')).optional(),
    /** Principals must have signed in with MFA. */
    requireMfa: z.boolean().default(false),
    /** The role's maximum session, in seconds (1–12 hours; role chaining caps sessions at 1 hour anyway). */
    maxSessionDuration: z.number().int().min(3600).max(43200).default(3600),
  })
  .strict();

export const AccessSchema = z
  .object({
    /** Role to assume on top of the standard credential chain; omitted = use the chain's credentials. */
    roleArn: roleArn.optional(),
    externalId: z.string().min(2).max(1224).optional(),
    mfaSerial: z.string().min(9).optional(),
    durationSeconds: z.number().int().min(900).max(43200).default(3600),
    /** Named profile of the standard chain to start from. */
    profile: z.string().optional(),
    /** Who may assume the role (for `snapclone iam trust` / `iam template`). */
    trust: TrustSchema.optional(),
  })
  .strict();

export const RdsPlacementSchema = z
  .object({
    subnetGroup: z.string().min(1),
    securityGroupIds: z.array(z.string().regex(/^sg-[0-9a-f]+$/, 'a security group id (sg-…)')).min(1),
    instanceClass: z.string().regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, 'an instance class such as db.t4g.micro'),
    kmsKeyId: z.string().optional(),
    /** How the master password of a clone is rotated. */
    password: z.enum(['managed', 'generated']).default('generated'),
  })
  .strict();

/** Where Aurora clones go: a cluster with one writer instance of a small class, or Serverless v2. */
export const AuroraPlacementSchema = z
  .object({
    subnetGroup: z.string().min(1),
    securityGroupIds: z.array(z.string().regex(/^sg-[0-9a-f]+$/, 'a security group id (sg-…)')).min(1),
    /** The writer instance's class, or db.serverless for Aurora Serverless v2 (see `serverless`). */
    instanceClass: z
      .string()
      .regex(/^db\.([a-z0-9]+\.[a-z0-9]+|serverless)$/, 'an instance class such as db.t4g.medium, or db.serverless'),
    /** Serverless v2 capacity (with instanceClass db.serverless): 0 ACU pauses an idle clone, so a forgotten one costs little. */
    serverless: z
      .object({
        minCapacity: z.number().min(0).max(256).default(0),
        maxCapacity: z.number().min(1).max(256).default(4),
        /** Idle seconds before a clone at 0 ACU pauses (300–86400). */
        secondsUntilAutoPause: z.number().int().min(300).max(86400).default(300),
      })
      .strict()
      .refine((s) => s.minCapacity <= s.maxCapacity, { message: 'minCapacity must not exceed maxCapacity' })
      .default({ minCapacity: 0, maxCapacity: 4, secondsUntilAutoPause: 300 }),
    kmsKeyId: z.string().optional(),
    /** How the master password of a clone is replaced. */
    password: z.enum(['managed', 'generated']).default('generated'),
  })
  .strict();

/** Where ElastiCache clones go: a small replication group in the target's cache subnet group. */
export const ElastiCachePlacementSchema = z
  .object({
    subnetGroup: z.string().min(1),
    securityGroupIds: z.array(z.string().regex(/^sg-[0-9a-f]+$/, 'a security group id (sg-…)')).min(1),
    nodeType: z.string().regex(/^cache\.[a-z0-9]+\.[a-z0-9]+$/, 'a node type such as cache.t4g.micro'),
    /** Read replicas next to the primary (0: one node). */
    replicas: z.number().int().min(0).max(5).default(0),
  })
  .strict();

/** Where OpenSearch clones go: a small VPC domain. */
export const OpenSearchPlacementSchema = z
  .object({
    subnetIds: z.array(z.string().regex(/^subnet-[0-9a-z]+$/, 'a subnet id (subnet-…)')).min(1),
    securityGroupIds: z.array(z.string().regex(/^sg-[0-9a-f]+$/, 'a security group id (sg-…)')).min(1),
    instanceType: z.string().regex(/^[a-z0-9]+\.[a-z0-9]+\.search$/, 'an instance type such as t3.small.search'),
    instanceCount: z.number().int().min(1).max(10).default(1),
    /** gp3 EBS volume per node, in GB: room for the restored indices. */
    volumeGb: z.number().int().min(10).max(16384).default(20),
  })
  .strict();

/**
 * How people reach clones that sit in private subnets: `snapclone connect` forwards a local port through Session
 * Manager on a relay instance (an SSM-managed EC2 instance in the clones' VPC) to the clone's endpoint.
 */
export const ConnectSchema = z
  .object({
    /** The relay: an EC2 instance id (i-…) the SSM agent manages, with a route to the clones' subnets. */
    relay: z.string().regex(/^i-([0-9a-f]{8}|[0-9a-f]{17})$/, 'an EC2 instance id such as i-0123456789abcdef0'),
  })
  .strict();

export const TargetSchema = z
  .object({
    account: accountId,
    region,
    access: AccessSchema.default({ durationSeconds: 3600 }),
    rds: RdsPlacementSchema.optional(),
    aurora: AuroraPlacementSchema.optional(),
    elasticache: ElastiCachePlacementSchema.optional(),
    opensearch: OpenSearchPlacementSchema.optional(),
    /** Role AWS Backup assumes to restore (StartRestoreJob IamRoleArn). */
    backupRestoreRoleArn: roleArn.optional(),
    publicAccess: z.literal(false).default(false),
    /** Reaching clones from outside their VPC (docs/reaching-clones.md); omitted: clones are reached directly. */
    connect: ConnectSchema.optional(),
    defaultTtl: duration.default('8h'),
    maxTtl: duration.default('3d'),
    /**
     * How often `extend` may push a clone's expiry past maxTtl counted from its creation (each time by at most
     * maxTtl from then); 0 = never: a clone lives at most maxTtl.
     */
    maxRenewals: z.number().int().min(0).max(100).default(0),
  })
  .strict();

export const SourceSchema = z
  .object({
    engine: z.enum(['rds', 'aurora', 'elasticache', 'opensearch'], {
      error: () => `one of rds, aurora, elasticache, opensearch (snapclone clones ${SUPPORTED_ENGINES_TEXT}; Oracle, SQL Server, Db2, Memcached and others are not supported)`,
    }),
    /** The resource identifier (rds: DB instance identifier; aurora: DB cluster identifier; elasticache: replication group id; opensearch: domain name). */
    id: z.string().min(1),
    account: accountId,
    region,
    /** Where `create` restores from when both exist: AWS Backup recovery points or the service's own snapshots. */
    restoreFrom: z.enum(['backup', 'snapshot']).default('backup'),
    backupVault: z.string().default('Default'),
    /**
     * A tag of the source that AWS copies onto its manual snapshots and AWS Backup recovery points (RDS
     * CopyTagsToSnapshot, a backup plan copying tags): the role may restore only snapshots carrying it
     * (aws:ResourceTag), not every snapshot of the account. Without it those restore inputs are unbound (docs/iam.md).
     */
    backupTag: z.object({ key: z.string().min(1), value: z.string() }).strict().optional(),
    /** Target used when --target is not given. */
    target: z.string().optional(),
    /**
     * The customer-managed KMS key(s) the source's storage (and so its snapshots and backups) is encrypted
     * with: restores need kms:CreateGrant and kms:DescribeKey on them, and the keys' policies must allow the
     * role. Omitted: the source uses an AWS managed key (or none). `snapclone doctor` compares it with AWS.
     */
    kmsKeyArn: z.union([kmsKeyArn, z.array(kmsKeyArn).min(1)]).optional(),
    /** opensearch: the S3 repository of the domain's manual snapshots (registered read-only on each clone). */
    snapshotRepository: z
      .object({
        name: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'a repository name'),
        bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name'),
        /**
         * The repository's base_path in the bucket, as it is registered on the source domain (GET _snapshot/<name>
         * shows it); omitted when the repository is at the bucket's root. Snapclone reads the snapshots there through
         * S3, and registers the repository on clones with it.
         */
        basePath: z
          .string()
          .regex(/^[A-Za-z0-9!_.'()-]+(\/[A-Za-z0-9!_.'()-]+)*$/, 'a path in the bucket such as snapshots/prod (no leading or trailing /, no * or ?: it is part of IAM resource ARNs)')
          .optional(),
        /** The dedicated read-only role OpenSearch assumes for clones to read the bucket (not production's snapshot role: docs/iam.md). */
        roleArn: roleArn,
      })
      .strict()
      .optional(),
    /**
     * What is masked in every clone before anyone receives its credentials (docs/masking.md): per table (rds,
     * aurora), key pattern (elasticache) or index pattern (opensearch), each field's rule or `keep`; fail closed.
     */
    masking: MaskingSchema.optional(),
  })
  .strict()
  .refine((s) => s.engine !== 'opensearch' || s.snapshotRepository !== undefined, {
    message: 'an opensearch source names its snapshotRepository (name, bucket, roleArn)',
    path: ['snapshotRepository'],
  })
  .superRefine((s, ctx) => {
    if (!s.masking) return;
    for (const [path, message] of maskingProblems(s.engine, s.masking)) ctx.addIssue({ code: 'custom', message, path: ['masking', ...path] });
  });

export const ConfigSchema = z
  .object({
    /** Time zone in which --date names a day. */
    timezone: z.string().refine(isTimeZone, 'an IANA time zone such as Asia/Tokyo').default('Asia/Tokyo'),
    /** Language of what the GitHub Action writes for the requester (its job summary): en or ja. */
    language: z.enum(['en', 'ja']).default('en'),
    /** Prefix of every clone name; the guard also requires it. */
    prefix: z
      .string()
      .regex(/^[a-z][a-z0-9]{1,15}$/, 'lower-case letters and digits, starting with a letter, 2–16 long')
      .default('snapclone'),
    defaultTarget: z.string().optional(),
    targets: z.record(z.string().regex(/^[a-z][a-z0-9-]*$/, 'a lower-case name'), TargetSchema),
    sources: z.record(z.string().regex(/^[a-z][a-z0-9-]*$/, 'a lower-case name'), SourceSchema),
    /** Named groups of sources cloned together from the same date: `create <set> --date D`. */
    sets: z
      .record(z.string().regex(/^[a-z][a-z0-9-]*$/, 'a lower-case name'), z.array(z.string()).min(1, 'at least one source'))
      .default({}),
  })
  .strict();

export type Config = z.infer<typeof ConfigSchema>;
export type TargetConfig = z.infer<typeof TargetSchema>;
export type SourceConfig = z.infer<typeof SourceSchema>;
export type AccessConfig = z.infer<typeof AccessSchema>;
export type TrustConfig = z.infer<typeof TrustSchema>;
export type ConnectConfig = z.infer<typeof ConnectSchema>;
