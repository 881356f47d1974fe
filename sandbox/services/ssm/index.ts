import * as schemas from '@aws-sdk/client-ssm';
import type { RequestContext, ServiceDef } from '../../core/service.ts';
import { createDocument, describeInstanceInformation, startSession, terminateSession } from './handlers.ts';
import { documentArn, sessionArn, ssmState, targetArn } from './state.ts';

/** The document a request names (the default shell document when it names none), as IAM sees it. */
function documentOf(name: string | undefined, ctx: RequestContext): string {
  const documentName = name ?? 'SSM-SessionManagerRunShell';
  return documentArn(ctx.region, ctx.accountId, documentName, ssmState(ctx.world, ctx.accountId, ctx.region).documents.get(documentName)?.owner);
}

/** Systems Manager's Session Manager calls snapclone connect and doctor make, and the document an administrator creates. */
export const ssm: ServiceDef = {
  signingName: 'ssm',
  iamPrefix: 'ssm',
  protocol: 'awsJson1_1',
  schemas,
  targetPrefix: 'AmazonSSM',
  operations: {
    StartSession: {
      handler: startSession,
      resources: (input: { Target?: string; DocumentName?: string }, ctx) => [targetArn(ctx.region, ctx.accountId, input.Target ?? ''), documentOf(input.DocumentName, ctx)],
    },
    TerminateSession: { handler: terminateSession, resources: (input: { SessionId?: string }, ctx) => [sessionArn(ctx.region, ctx.accountId, input.SessionId ?? '')] },
    DescribeInstanceInformation: { handler: describeInstanceInformation },
    CreateDocument: { handler: createDocument, resources: (input: { Name?: string }, ctx) => [documentArn(ctx.region, ctx.accountId, input.Name ?? '')] },
  },
};
