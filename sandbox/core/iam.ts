export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Principal?: unknown;
  Condition?: Record<string, Record<string, string | string[] | boolean>>;
}
export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

export interface IamUser {
  kind: 'user';
  accountId: string;
  name: string;
  arn: string;
  userId: string;
  policies: PolicyDocument[];
}

export interface IamRole {
  kind: 'role';
  accountId: string;
  name: string;
  arn: string;
  roleId: string;
  trustPolicy: PolicyDocument;
  policies: PolicyDocument[];
  maxSessionDuration: number;
  /** When the role was created (IAM GetRole's CreateDate); the world clock's "now" when unknown. */
  createdAt?: Date;
}

/** Who signed a request. */
export interface Principal {
  kind: 'user' | 'assumed-role';
  accountId: string;
  /** The caller identity ARN (arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION for sessions). */
  arn: string;
  userId: string;
  role?: IamRole;
  user?: IamUser;
  sessionName?: string;
  sourceIdentity?: string;
  sessionTags?: Record<string, string>;
}

/** Access keys the sandbox issued; sessions carry a token and an expiry. */
export interface IssuedCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
  principal: Principal;
}
