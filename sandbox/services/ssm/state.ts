import type { World } from '../../core/world.ts';

/** A Session Manager document: AWS's own or one the account created (snapclone's connect document). */
export interface DocumentRecord {
  name: string;
  documentType: string;
  /** The parsed JSON content. */
  content: { sessionType?: string; parameters?: Record<string, { allowedPattern?: string; default?: string }>; properties?: Record<string, string> };
  /** 'Amazon' for AWS's documents (their ARNs carry no account), else the account id. */
  owner: string;
  createdAt: Date;
}

/** An instance the SSM agent has registered (a relay), with the agent's last word. */
export interface ManagedInstance {
  id: string;
  pingStatus: 'Online' | 'ConnectionLost' | 'Inactive';
  lastPing: Date;
  agentVersion: string;
  platformType: 'Linux';
}

export interface SessionRecord {
  id: string;
  target: string;
  documentName: string;
  /** aws:userid of who started it. */
  owner: string;
  parameters: Record<string, string[]>;
  status: 'Connected' | 'Terminated';
  startedAt: Date;
  endedAt?: Date;
}

export interface SsmState {
  documents: Map<string, DocumentRecord>;
  instances: Map<string, ManagedInstance>;
  sessions: Map<string, SessionRecord>;
}

/**
 * AWS's port-forwarding document as AWS publishes it (parameters host, portNumber, localPortNumber; sessionType
 * Port, properties type LocalPortForwarding), and the default shell document a session without DocumentName uses.
 */
function awsDocuments(now: Date): DocumentRecord[] {
  const port = '^([1-9]|[1-9][0-9]{1,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$';
  const localPort = '^([0-9]|[1-9][0-9]{1,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$';
  return [
    {
      name: 'AWS-StartPortForwardingSessionToRemoteHost',
      documentType: 'Session',
      owner: 'Amazon',
      createdAt: now,
      content: {
        sessionType: 'Port',
        parameters: {
          portNumber: { allowedPattern: port, default: '80' },
          localPortNumber: { allowedPattern: localPort, default: '0' },
          host: { allowedPattern: '^[^,$^&\\(\\)!;\'"<>\\`{}\\[\\]\\|#=]{3,}$', default: 'localhost' },
        },
        properties: { portNumber: '{{ portNumber }}', type: 'LocalPortForwarding', localPortNumber: '{{ localPortNumber }}', host: '{{ host }}' },
      },
    },
    { name: 'SSM-SessionManagerRunShell', documentType: 'Session', owner: 'Amazon', createdAt: now, content: { sessionType: 'Standard_Stream' } },
  ];
}

export function ssmState(world: World, accountId: string, region: string): SsmState {
  return world.state('ssm', accountId, region, () => ({
    documents: new Map(awsDocuments(world.clock.now()).map((d) => [d.name, d])),
    instances: new Map(),
    sessions: new Map(),
  }));
}

/** What the SSM agent on an instance does when it starts: registers it as managed (tests and the demo stage relays so). */
export function registerManagedInstance(world: World, accountId: string, region: string, id: string, pingStatus: ManagedInstance['pingStatus'] = 'Online'): void {
  ssmState(world, accountId, region).instances.set(id, { id, pingStatus, lastPing: world.clock.now(), agentVersion: '3.3.1957.0', platformType: 'Linux' });
}

/** A document's ARN: AWS's own documents carry no account. */
export function documentArn(region: string, accountId: string, name: string, owner?: string): string {
  return `arn:aws:ssm:${region}:${owner === 'Amazon' || /^(AWS|SSM|Amazon)-/.test(name) ? '' : accountId}:document/${name}`;
}

/** An instance's ARN: EC2 instances `i-…`, hybrid managed instances `mi-…`. */
export function targetArn(region: string, accountId: string, id: string): string {
  return id.startsWith('mi-') ? `arn:aws:ssm:${region}:${accountId}:managed-instance/${id}` : `arn:aws:ec2:${region}:${accountId}:instance/${id}`;
}

export const sessionArn = (region: string, accountId: string, id: string) => `arn:aws:ssm:${region}:${accountId}:session/${id}`;
