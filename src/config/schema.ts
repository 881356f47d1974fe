import { z } from 'zod';
import { isTimeZone } from '../core/dates.ts';

const accountId = z.string().regex(/^\d{12}$/, 'a 12-digit AWS account id');
const region = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region such as ap-northeast-1');
const duration = z.string().regex(/^\d+[mhd]$/, 'a duration such as 30m, 8h or 3d');

export const AccessSchema = z
  .object({
    /** Role to assume on top of the standard credential chain; omitted = use the chain's credentials. */
    roleArn: z.string().regex(/^arn:aws[\w-]*:iam::\d{12}:role\/.+$/, 'an IAM role ARN').optional(),
    externalId: z.string().min(2).max(1224).optional(),
    mfaSerial: z.string().min(9).optional(),
    durationSeconds: z.number().int().min(900).max(43200).default(3600),
    /** Named profile of the standard chain to start from. */
    profile: z.string().optional(),
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

export const TargetSchema = z
  .object({
    account: accountId,
    region,
    access: AccessSchema.default({ durationSeconds: 3600 }),
    rds: RdsPlacementSchema.optional(),
    /** Role AWS Backup assumes to restore (StartRestoreJob IamRoleArn). */
    backupRestoreRoleArn: z.string().regex(/^arn:aws[\w-]*:iam::\d{12}:role\/.+$/, 'an IAM role ARN').optional(),
    publicAccess: z.literal(false).default(false),
    defaultTtl: duration.default('8h'),
    maxTtl: duration.default('3d'),
  })
  .strict();

export const SourceSchema = z
  .object({
    engine: z.enum(['rds']),
    /** The resource identifier (RDS: DB instance identifier). */
    id: z.string().min(1),
    account: accountId,
    region,
    /** Where `create` restores from when both exist: AWS Backup recovery points or the service's own snapshots. */
    restoreFrom: z.enum(['backup', 'snapshot']).default('backup'),
    backupVault: z.string().default('Default'),
    /** Target used when --target is not given. */
    target: z.string().optional(),
  })
  .strict();

export const ConfigSchema = z
  .object({
    /** Time zone in which --date names a day. */
    timezone: z.string().refine(isTimeZone, 'an IANA time zone such as Asia/Tokyo').default('Asia/Tokyo'),
    /** Prefix of every clone name; the guard also requires it. */
    prefix: z
      .string()
      .regex(/^[a-z][a-z0-9]{1,15}$/, 'lower-case letters and digits, starting with a letter, 2–16 long')
      .default('snapclone'),
    defaultTarget: z.string().optional(),
    targets: z.record(z.string().regex(/^[a-z][a-z0-9-]*$/, 'a lower-case name'), TargetSchema),
    sources: z.record(z.string().regex(/^[a-z][a-z0-9-]*$/, 'a lower-case name'), SourceSchema),
  })
  .strict();

export type Config = z.infer<typeof ConfigSchema>;
export type TargetConfig = z.infer<typeof TargetSchema>;
export type SourceConfig = z.infer<typeof SourceSchema>;
export type AccessConfig = z.infer<typeof AccessSchema>;
