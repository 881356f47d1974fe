import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { UsageError } from '../core/errors.ts';
import { explainRefusal, isAssumeRoleRefusal, type AssumeAttempt, type RoleLookup } from './assume-role-errors.ts';
import { makeClient, type ClientOptions } from './clients.ts';
import type { SessionCache } from './session-cache.ts';
import { isSessionOf, roleOf, type Caller } from './trust-check.ts';

export interface AssumeRoleSettings {
  roleArn: string;
  externalId?: string;
  mfaSerial?: string;
  durationSeconds?: number;
  /** Both the session name and the SourceIdentity: snapclone-<person>. */
  sessionName: string;
  /** Where the role is assumed from: the standard chain, or what a test or the Action passes. */
  base: AwsCredentialIdentityProvider;
  /** How STS (and IAM, to explain a refusal) are reached: region, endpoint, timeouts, retries, call log. */
  transport: Omit<ClientOptions, 'credentials'>;
  mfaCode?: (serial: string) => Promise<string>;
  /** Sessions kept between runs (absent: --no-session-cache, or not asked for). */
  cache?: SessionCache;
  /** Told what was decided (--verbose): a cached session used, the current role session kept. */
  note?: (message: string) => void;
}

export interface RoleSession {
  provider: AwsCredentialIdentityProvider;
  /**
   * Whether this access key (any, without one) was handed out from the cache: AWS not knowing it then means
   * the cached session is stale (revoked, or another endpoint's), not that the credentials are wrong.
   */
  servedFromCache(accessKeyId?: string): boolean;
  /** Drops the cached session, so the next use assumes the role again. */
  forget(): void;
}

const errorName = (error: unknown) => (error as { name?: string })?.name ?? 'Error';

/**
 * The target's role session: from the cache while it is good; else the current credentials when they already
 * are a session of that role (Granted, aws-vault, SSO or a profile's role_arn made them: a role cannot assume
 * itself unless its trust says so); else AssumeRole with external id, MFA, duration, session name and
 * SourceIdentity. A refusal is explained (assume-role-errors.ts).
 */
export function roleSession(settings: AssumeRoleSettings): RoleSession {
  const { roleArn, cache, note } = settings;
  const fromCache = new Set<string>();
  const provider: AwsCredentialIdentityProvider = async () => {
    const cached = cache?.read();
    if (cached) {
      fromCache.add(cached.accessKeyId);
      note?.(`role session for ${roleArn} from the cache (until ${cached.expiration?.toISOString()})`);
      return cached;
    }
    const base = await settings.base();
    const { STSClient, GetCallerIdentityCommand } = await import('@aws-sdk/client-sts');
    const sts = makeClient(STSClient, { ...settings.transport, credentials: base });
    try {
      let caller: Caller | undefined;
      if (base.sessionToken) {
        // Temporary credentials may be a session of the very role: use them as they are.
        caller = await callerOf(sts, GetCallerIdentityCommand);
        if (caller && isSessionOf(caller.arn, roleArn)) {
          note?.(`already a session of ${roleArn} (${caller.arn}): using it without assuming the role again`);
          return base;
        }
      }
      return await assume(settings, sts, base, caller);
    } finally {
      sts.destroy();
    }
  };
  return {
    provider,
    servedFromCache: (accessKeyId) => (accessKeyId === undefined ? fromCache.size > 0 : fromCache.has(accessKeyId)),
    forget: () => cache?.forget(),
  };
}

type Sts = InstanceType<typeof import('@aws-sdk/client-sts').STSClient>;
type CallerIdentityCommand = typeof import('@aws-sdk/client-sts').GetCallerIdentityCommand;

async function callerOf(sts: Sts, Command: CallerIdentityCommand): Promise<Caller | undefined> {
  try {
    const me = await sts.send(new Command({}));
    return me.Arn && me.Account ? { arn: me.Arn, account: me.Account } : undefined;
  } catch {
    return undefined; // the refusal is explained from what is known
  }
}

async function assume(settings: AssumeRoleSettings, sts: Sts, base: AwsCredentialIdentity, knownCaller?: Caller): Promise<AwsCredentialIdentity> {
  const { roleArn, externalId, mfaSerial, durationSeconds, sessionName } = settings;
  const { AssumeRoleCommand, GetCallerIdentityCommand } = await import('@aws-sdk/client-sts');
  if (mfaSerial && !settings.mfaCode) throw new UsageError(`The target requires an MFA code for ${mfaSerial}`, 'Set SNAPCLONE_MFA_CODE, or pass --mfa-code.');
  const tokenCode = mfaSerial ? await settings.mfaCode!(mfaSerial) : undefined;
  const attempt: AssumeAttempt = { roleArn, externalId, mfa: Boolean(mfaSerial), sourceIdentity: sessionName, sessionName };
  try {
    const out = await sts.send(
      new AssumeRoleCommand({
        RoleArn: roleArn,
        RoleSessionName: sessionName,
        SourceIdentity: sessionName,
        ExternalId: externalId,
        SerialNumber: mfaSerial,
        TokenCode: tokenCode,
        DurationSeconds: durationSeconds,
      }),
    );
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) throw new Error(`AssumeRole of ${roleArn} answered no credentials`);
    const identity: AwsCredentialIdentity = {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      sessionToken: c.SessionToken,
      expiration: c.Expiration,
    };
    try {
      settings.cache?.write(identity, out.AssumedRoleUser?.Arn);
    } catch (error) {
      settings.note?.(`role session not cached (${errorName(error)}): the next command assumes the role again`);
    }
    return identity;
  } catch (error) {
    if (!isAssumeRoleRefusal(error)) throw error;
    const caller = knownCaller ?? (await callerOf(sts, GetCallerIdentityCommand));
    throw explainRefusal(error, attempt, { caller, role: await lookUpRole(settings, base, caller) });
  }
}

/** The role as IAM has it, read with the caller's own credentials where they may (iam:GetRole). */
async function lookUpRole(settings: AssumeRoleSettings, base: AwsCredentialIdentity, caller?: Caller): Promise<RoleLookup> {
  const role = roleOf(settings.roleArn);
  if (!role) return { unread: 'the role ARN is not an IAM role ARN' };
  if (caller && caller.account !== role.account) return { unread: `the role is in another account (${role.account}) than ${caller.arn}` };
  const { IAMClient, GetRoleCommand } = await import('@aws-sdk/client-iam');
  const iam = makeClient(IAMClient, { ...settings.transport, credentials: base, maxAttempts: 2 });
  try {
    const out = await iam.send(new GetRoleCommand({ RoleName: role.role }));
    const document = out.Role?.AssumeRolePolicyDocument;
    // IAM answers the trust policy URL-encoded.
    return document ? { found: true, trustPolicy: decodeURIComponent(document) } : { unread: 'IAM answered no trust policy' };
  } catch (error) {
    if (errorName(error) === 'NoSuchEntityException' || errorName(error) === 'NoSuchEntity') return { found: false };
    return { unread: `iam:GetRole on it answered ${errorName(error)}${caller ? ` for ${caller.arn}` : ''}` };
  } finally {
    iam.destroy();
  }
}
