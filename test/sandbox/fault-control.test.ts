import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { parseFaultSpec } from '../../sandbox/core/fault-spec.ts';
import { useFaultSandbox, type TestSandbox } from '../support/sandbox.ts';

let sb: TestSandbox;
useFaultSandbox((started) => (sb = started));

/** One exchange with the control endpoint; JSON bodies go as application/json unless told otherwise. */
async function control(method: string, path = '/_sandbox/faults', body?: unknown, contentType = 'application/json') {
  const response = await fetch(`${sb.url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': contentType },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('the --fault spec grammar', () => {
  it('reads service, operation, kind, delay, rate, count, after and phase', () => {
    expect(parseFaultSpec('rds:DescribeDBInstances=throttle@0.2')).toEqual({
      service: 'rds',
      operation: 'DescribeDBInstances',
      kind: 'throttle',
      rate: 0.2,
      phase: 'before',
    });
    expect(parseFaultSpec('*:*=error503#3')).toMatchObject({ service: '*', operation: '*', kind: 'error503', count: 3 });
    expect(parseFaultSpec('backup:StartRestoreJob=fail-restore')).toMatchObject({ kind: 'fail-restore', phase: 'after' });
    expect(parseFaultSpec('sts:*=expire-session#1')).toMatchObject({ service: 'sts', kind: 'expire-session', count: 1 });
    expect(parseFaultSpec('es:*=slow:2000@0.1')).toMatchObject({ kind: 'slow', delayMs: 2000, rate: 0.1 });
    expect(parseFaultSpec('rds:RestoreDBInstanceFromDBSnapshot=drop/after+2#1')).toMatchObject({ kind: 'drop', phase: 'after', after: 2, count: 1 });
  });

  it.each([
    ['rds=throttle', /is not a fault spec/],
    ['rds:*=explode', /kind must be one of throttle, error500/],
    ['lambda:*=throttle', /service must be '\*' or one of sts, rds, elasticache, iam, backup, secretsmanager, tagging, es, ec2, s3, ssm/],
    ['rds:*=throttle@2', /rate must be a number from 0 to 1/],
    ['rds:*=throttle#0', /count must be a positive integer/],
    ['rds:*=throttle#1#2', /# is given twice/],
    ['rds:*=slow', /slow needs a delay/],
    ['rds:*=throttle:100', /only slow takes a delay/],
    ['rds:*=fail-restore/before', /no before phase/],
    ['rds:*=drop/sideways', /phase must be 'before' or 'after'/],
    ['rds:Describe-Things=throttle', /operation must be/],
  ])('refuses %s', (spec, message) => {
    expect(() => parseFaultSpec(spec)).toThrow(message);
  });
});

describe('the control endpoint /_sandbox/faults', () => {
  it('POST adds rules (spec strings and objects), GET lists them with their counts and the stats, DELETE clears them', async () => {
    const added = await control('POST', undefined, ['rds:DescribeDBInstances=throttle#1', { service: 'sts', kind: 'error503', rate: 0.5 }]);
    expect(added.status).toBe(201);
    const ids = (added.body.rules as { id: number }[]).map((rule) => rule.id);
    expect(ids).toHaveLength(2);

    const rds = new RDSClient(sb.config());
    await expect(rds.send(new DescribeDBInstancesCommand({}))).rejects.toMatchObject({ name: 'Throttling' });
    const listed = await control('GET');
    expect(listed.status).toBe(200);
    expect(listed.body).toMatchObject({
      seed: 1,
      rules: [
        { id: ids[0], service: 'rds', operation: 'DescribeDBInstances', kind: 'throttle', count: 1, seen: 1, fired: 1 },
        { id: ids[1], service: 'sts', operation: '*', kind: 'error503', rate: 0.5, seen: 0, fired: 0 },
      ],
      stats: { injected: { throttle: expect.any(Number) } },
    });

    expect(await control('DELETE', `/_sandbox/faults/${ids[0]}`)).toEqual({ status: 200, body: { removed: ids[0] } });
    expect((await control('DELETE', `/_sandbox/faults/${ids[0]}`)).status).toBe(404);
    expect(await control('DELETE')).toEqual({ status: 200, body: { removed: 1 } });
    expect((await control('GET')).body.rules).toEqual([]);
  });

  it('refuses bad rules (none added), non-JSON posts, other methods and other paths', async () => {
    const bad = await control('POST', undefined, ['rds:*=throttle', { service: 'rds', kind: 'nope' }]);
    expect(bad).toMatchObject({ status: 400, body: { message: expect.stringContaining("kind must be one of") } });
    expect(sb.world.faults.list()).toEqual([]);
    expect((await control('POST', undefined, 'rds:*=throttle', 'text/plain')).status).toBe(415);
    expect((await control('PUT')).status).toBe(405);
    expect((await control('GET', '/_sandbox/other')).status).toBe(404);
  });

  it('answers loopback host names only (a page reaching it by DNS rebinding names another host)', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const url = new URL(`${sb.url}/_sandbox/faults`);
      request({ host: url.hostname, port: url.port, path: url.pathname, headers: { host: 'attacker.example' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
        .on('error', reject)
        .end();
    });
    expect(status).toBe(403);
  });

  it('is never reached by a signed AWS request, even one sent to its path', async () => {
    const misdirected = new RDSClient({ ...sb.config(), endpoint: `${sb.url}/_sandbox/faults` });
    const out = await misdirected.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'orders-prod' }));
    expect(out.DBInstances?.[0].DBInstanceIdentifier).toBe('orders-prod');
  });
});
