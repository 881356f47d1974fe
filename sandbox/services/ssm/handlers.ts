import { AwsError } from '../../core/errors.ts';
import { hex } from '../../core/ids.ts';
import type { RequestContext } from '../../core/service.ts';
import { ssmState, type DocumentRecord } from './state.ts';

const state = (ctx: RequestContext) => ssmState(ctx.world, ctx.accountId, ctx.region);
/** The wording of a refused parameter and its code are the sandbox's (AWS's model lists no such error for StartSession). */
const invalidParameters = (message: string) => new AwsError('ValidationException', message);

interface StartSessionInput {
  Target: string;
  DocumentName?: string;
  Reason?: string;
  Parameters?: Record<string, string[]>;
}

/** The name AWS starts a session's id with: the IAM user's name, or an assumed role's session name. */
function callerName(ctx: RequestContext): string {
  return ctx.principal.sessionName ?? ctx.principal.user?.name ?? ctx.principal.arn.split('/').pop() ?? 'session';
}

/** Checks each parameter against the document's own allowedPattern, as AWS does before a session starts. */
function checkParameters(document: DocumentRecord, parameters: Record<string, string[]>): void {
  const declared = document.content.parameters ?? {};
  for (const [name, values] of Object.entries(parameters)) {
    const parameter = declared[name];
    if (!parameter) throw invalidParameters(`Parameter "${name}" is not defined in document ${document.name}.`);
    for (const value of values) {
      if (parameter.allowedPattern && !new RegExp(parameter.allowedPattern).test(value)) {
        throw invalidParameters(`Parameter "${name}" "${value}" failed to satisfy constraint: Member must satisfy regular expression pattern: ${parameter.allowedPattern}`);
      }
    }
  }
}

export function startSession(input: StartSessionInput, ctx: RequestContext) {
  const s = state(ctx);
  const documentName = input.DocumentName ?? 'SSM-SessionManagerRunShell';
  const document = s.documents.get(documentName);
  if (!document || document.documentType !== 'Session') throw new AwsError('InvalidDocument', `Document with name ${documentName} does not exist.`);
  const instance = s.instances.get(input.Target);
  if (!instance || instance.pingStatus !== 'Online') throw new AwsError('TargetNotConnected', `${input.Target} is not connected.`);
  checkParameters(document, input.Parameters ?? {});
  const id = `${callerName(ctx)}-${hex(9).slice(0, 17)}`;
  const token = hex(48);
  ctx.world.secretValues.add(token);
  s.sessions.set(id, {
    id,
    target: input.Target,
    documentName,
    owner: ctx.principal.userId,
    parameters: input.Parameters ?? {},
    status: 'Connected',
    startedAt: ctx.world.clock.now(),
  });
  return { SessionId: id, TokenValue: token, StreamUrl: `wss://ssmmessages.${ctx.region}.amazonaws.com/v1/data-channel/${id}?role=publish_subscribe&cell-number=1` };
}

export function terminateSession(input: { SessionId: string }, ctx: RequestContext) {
  const session = state(ctx).sessions.get(input.SessionId);
  // AWS answers a session it does not know (or one already ended) with its id as well.
  if (session && session.status !== 'Terminated') Object.assign(session, { status: 'Terminated', endedAt: ctx.world.clock.now() });
  return { SessionId: input.SessionId };
}

type Filter = { Key?: string; key?: string; Values?: string[]; valueSet?: string[] };

export function describeInstanceInformation(input: { Filters?: Filter[]; InstanceInformationFilterList?: Filter[] }, ctx: RequestContext) {
  const filters = [...(input.Filters ?? []), ...(input.InstanceInformationFilterList ?? [])];
  const ids = filters.filter((f) => (f.Key ?? f.key) === 'InstanceIds').flatMap((f) => f.Values ?? f.valueSet ?? []);
  const pings = filters.filter((f) => (f.Key ?? f.key) === 'PingStatus').flatMap((f) => f.Values ?? f.valueSet ?? []);
  const list = [...state(ctx).instances.values()]
    .filter((i) => ids.length === 0 || ids.includes(i.id))
    .filter((i) => pings.length === 0 || pings.includes(i.pingStatus));
  return {
    InstanceInformationList: list.map((i) => ({
      InstanceId: i.id,
      PingStatus: i.pingStatus,
      LastPingDateTime: i.lastPing,
      AgentVersion: i.agentVersion,
      PlatformType: i.platformType,
      ResourceType: i.id.startsWith('mi-') ? 'ManagedInstance' : 'EC2Instance',
    })),
  };
}

export function createDocument(input: { Name: string; Content: string; DocumentType?: string; DocumentFormat?: string }, ctx: RequestContext) {
  const s = state(ctx);
  if (/^(aws|amazon|amzn)/i.test(input.Name)) throw invalidParameters(`Document name ${input.Name} starts with a prefix reserved for AWS.`);
  if (s.documents.has(input.Name)) throw new AwsError('DocumentAlreadyExists', 'Document with same name already exists.');
  let content: DocumentRecord['content'];
  try {
    content = JSON.parse(input.Content) as DocumentRecord['content'];
  } catch {
    throw new AwsError('InvalidDocumentContent', 'The content for the document is not valid.');
  }
  const now = ctx.world.clock.now();
  const type = input.DocumentType ?? 'Command';
  s.documents.set(input.Name, { name: input.Name, documentType: type, content, owner: ctx.accountId, createdAt: now });
  return {
    DocumentDescription: { Name: input.Name, DocumentType: type, DocumentFormat: input.DocumentFormat ?? 'JSON', Owner: ctx.accountId, CreatedDate: now, Status: 'Active', SchemaVersion: '1.0', DocumentVersion: '1' },
  };
}
