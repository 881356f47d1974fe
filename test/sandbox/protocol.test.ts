import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/core/protocols';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsError } from '../../sandbox/core/errors.ts';
import { restJson1 } from '../../sandbox/protocols/restjson.ts';
import { COMPANY_REGION } from '../../sandbox/scenario/index.ts';
import { services } from '../../sandbox/services/index.ts';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';

let sandbox: TestSandbox;
beforeAll(async () => {
  sandbox = await startTestSandbox();
});
afterAll(() => sandbox.close());

interface Raw {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string;
  service: string;
  sign?: boolean;
}

/** One raw HTTP exchange, signed like the SDK signs (or not), to look at the wire format itself. */
async function send({ method = 'POST', path = '/', headers = {}, body = '', service, sign = true }: Raw) {
  const url = new URL(sandbox.url);
  let request = new HttpRequest({
    method,
    protocol: 'http:',
    hostname: url.hostname,
    port: Number(url.port),
    path,
    headers: { host: url.host, ...headers },
    body,
  });
  if (sign) {
    const signer = new SignatureV4({
      credentials: sandbox.scenario.admin,
      region: COMPANY_REGION,
      service,
      sha256: Sha256,
    });
    request = (await signer.sign(request)) as HttpRequest;
  }
  const response = await fetch(`${sandbox.url}${path}`, {
    method,
    headers: request.headers,
    body: method === 'GET' ? undefined : body,
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

describe('awsQuery (STS)', () => {
  it('answers results wrapped in <OpResponse><OpResult> with the request id', async () => {
    const res = await send({
      service: 'sts',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=GetCallerIdentity&Version=2011-06-15',
    });
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/<GetCallerIdentityResponse xmlns="https:\/\/sts.amazonaws.com\/doc\/2011-06-15\/">/);
    expect(res.text).toMatch(/<GetCallerIdentityResult>[\s\S]*<Arn>arn:aws:iam::123456789012:user\/sandbox-admin<\/Arn>/);
    const requestId = res.headers.get('x-amzn-requestid');
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.text).toContain(`<RequestId>${requestId}</RequestId>`);
    expect(res.headers.get('date')?.split(',')).toHaveLength(2); // one Date header ("Mon, 23 Nov …")
  });

  it('answers errors as <ErrorResponse><Error><Type><Code><Message>', async () => {
    const res = await send({
      service: 'sts',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fnope&RoleSessionName=x%20y',
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('text/xml');
    expect(res.text).toMatch(
      /<ErrorResponse><Error><Type>Sender<\/Type><Code>ValidationError<\/Code><Message>1 validation error detected: Value &apos;x y&apos;|<Message>1 validation error detected: Value 'x y'/,
    );
    expect(res.text).toMatch(/<RequestId>[0-9a-f-]{36}<\/RequestId><\/ErrorResponse>/);
  });

  it('routes unsigned AssumeRoleWithWebIdentity by the form Action, and refuses other unsigned calls', async () => {
    const unsigned = await send({
      service: 'sts',
      sign: false,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fsnapclone-github&RoleSessionName=gh&WebIdentityToken=not.a.jwt',
    });
    expect(unsigned.status).toBe(400);
    expect(unsigned.text).toContain('<Code>InvalidIdentityToken</Code>');
    const anonymous = await send({ service: 'sts', sign: false, body: 'Action=GetCallerIdentity&Version=2011-06-15' });
    expect(anonymous.status).toBe(403);
    expect(anonymous.text).toContain('<Code>MissingAuthenticationToken</Code>');
  });

  it('answers an unknown signing service with UnknownService', async () => {
    const res = await send({ service: 'dynamodb', body: '{}' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('<Code>UnknownService</Code>');
  });
});

describe('SigV4', () => {
  it('answers SignatureDoesNotMatch when the body is not the one signed (x-amz-content-sha256)', async () => {
    const url = new URL(sandbox.url);
    const signed = await new SignatureV4({
      credentials: sandbox.scenario.admin,
      region: COMPANY_REGION,
      service: 'sts',
      sha256: Sha256,
    }).sign(
      new HttpRequest({
        method: 'POST',
        protocol: 'http:',
        hostname: url.hostname,
        port: Number(url.port),
        path: '/',
        headers: { host: url.host, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'Action=GetCallerIdentity&Version=2011-06-15',
      }),
    );
    expect(signed.headers['x-amz-content-sha256']).toMatch(/^[0-9a-f]{64}$/);
    const send = (body: string) => fetch(sandbox.url, { method: 'POST', headers: signed.headers, body });
    expect((await send('Action=GetCallerIdentity&Version=2011-06-15')).status).toBe(200);
    const tampered = await send('Action=GetCallerIdentity&Version=2011-06-15&X=1');
    expect(tampered.status).toBe(403);
    expect(await tampered.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
  });
});

describe('unsigned and unreadably signed requests', () => {
  const unsigned = (path: string, method: string, headers: Record<string, string>, body = '') =>
    send({ service: '', sign: false, method, path, headers, body });

  it('answers the refusal of an unsigned call in the protocol of the service it is for', async () => {
    const secrets = await unsigned('/', 'POST', { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'secretsmanager.ListSecrets' }, '{}');
    expect(secrets.status).toBe(400);
    expect(secrets.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
    expect(JSON.parse(secrets.text)).toMatchObject({ __type: 'MissingAuthenticationTokenException', message: 'Request is missing Authentication Token' });
    const backup = await unsigned('/backup-vaults/', 'GET', {});
    expect(backup.status).toBe(403);
    expect(backup.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
    const rds = await unsigned('/', 'POST', { 'content-type': 'application/x-www-form-urlencoded' }, 'Action=DescribeDBInstances&Version=2014-10-31');
    expect(rds.status).toBe(403);
    expect(rds.text).toContain('<Code>MissingAuthenticationToken</Code>');
  });

  it('answers an unsigned call for no service it knows as JSON when it came as JSON, else as XML', async () => {
    const json = await unsigned('/', 'POST', { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.ListTables' }, '{}');
    expect(json.status).toBe(400);
    expect(JSON.parse(json.text)).toMatchObject({ __type: 'MissingAuthenticationTokenException' });
    const other = await unsigned('/nowhere', 'GET', {});
    expect(other.status).toBe(403);
    expect(other.text).toContain('<Code>MissingAuthenticationToken</Code>');
  });

  it('answers a malformed Authorization header with IncompleteSignature in the service protocol', async () => {
    const header = (service: string) => `AWS4-HMAC-SHA256 Credential=AKIAAAAAAAAAAAAAAAAA/20240101/${COMPANY_REGION}/${service}/aws4_request, SignedHeaders=host`;
    const json = await unsigned('/', 'POST', { authorization: header('secretsmanager'), 'x-amz-target': 'secretsmanager.ListSecrets' }, '{}');
    expect(json.headers.get('x-amzn-errortype')).toBe('IncompleteSignatureException');
    const query = await unsigned('/', 'POST', { authorization: header('sts') }, 'Action=GetCallerIdentity&Version=2011-06-15');
    expect(query.status).toBe(403);
    expect(query.text).toContain('<Code>IncompleteSignature</Code>');
  });
});

describe('awsJson1_1 (Secrets Manager, Tagging)', () => {
  const json = (service: string, target: string, body: object) =>
    send({
      service,
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target },
      body: JSON.stringify(body),
    });

  it('answers output as JSON with epoch-second timestamps', async () => {
    await json('secretsmanager', 'secretsmanager.CreateSecret', { Name: 'wire/json', SecretString: 'x' });
    const res = await json('secretsmanager', 'secretsmanager.DescribeSecret', { SecretId: 'wire/json' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-amz-json-1.1');
    const body = JSON.parse(res.text);
    expect(typeof body.CreatedDate).toBe('number');
    expect(Math.abs(body.CreatedDate * 1000 - sandbox.world.clock.nowMs())).toBeLessThan(60_000);
  });

  it('answers errors with X-Amzn-ErrorType and a JSON body naming __type and message', async () => {
    const res = await json('secretsmanager', 'secretsmanager.GetSecretValue', { SecretId: 'wire/missing' });
    expect(res.status).toBe(400);
    expect(res.headers.get('x-amzn-errortype')).toBe('ResourceNotFoundException');
    expect(JSON.parse(res.text)).toMatchObject({
      __type: 'ResourceNotFoundException',
      message: "Secrets Manager can't find the specified secret.",
    });
  });

  it('answers a wrong target prefix and an unimplemented operation clearly', async () => {
    const wrong = await json('secretsmanager', 'Nope.GetSecretValue', {});
    expect(wrong.headers.get('x-amzn-errortype')).toBe('UnknownOperationException');
    const missing = await json('tagging', 'ResourceGroupsTaggingAPI_20170126.DescribeReportCreation', {});
    expect(missing.status).toBe(501);
    expect(JSON.parse(missing.text)).toMatchObject({
      __type: 'NotImplemented',
      message: 'The snapclone sandbox does not implement tagging DescribeReportCreation',
    });
  });

  it('answers SerializationException for a body that is not JSON', async () => {
    const res = await send({
      service: 'secretsmanager',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'secretsmanager.ListSecrets' },
      body: '{oops',
    });
    expect(res.headers.get('x-amzn-errortype')).toBe('SerializationException');
  });
});

describe('restJson1', () => {
  it('serialises errors with X-Amzn-ErrorType and a JSON Message', () => {
    const error = new AwsError('ResourceNotFoundException', 'Recovery point not found', 404);
    const res = restJson1.serializeError(services.sts, error, 'req-1');
    expect(res.status).toBe(404);
    expect(res.headers['x-amzn-errortype']).toBe('ResourceNotFoundException');
    expect(res.headers['content-type']).toBe('application/json');
    expect(JSON.parse(String(res.body))).toMatchObject({ Message: 'Recovery point not found', message: 'Recovery point not found' });
  });

  it.skipIf(!services.backup)('answers an unimplemented Backup operation with NotImplemented naming it', async () => {
    const res = await send({ service: 'backup', method: 'GET', path: '/audit/frameworks' });
    expect(res.status).toBe(501);
    expect(res.headers.get('x-amzn-errortype')).toBe('NotImplemented');
    expect(JSON.parse(res.text).Message).toBe('The snapclone sandbox does not implement backup ListFrameworks');
  });

  it.skipIf(!services.rds)('answers an unimplemented RDS operation (awsQuery) with NotImplemented naming it', async () => {
    const res = await send({
      service: 'rds',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=CreateDBProxy&Version=2014-10-31&DBProxyName=p',
    });
    expect(res.status).toBe(501);
    expect(res.text).toContain('<Code>NotImplemented</Code>');
    expect(res.text).toContain('The snapclone sandbox does not implement rds CreateDBProxy');
  });
});
