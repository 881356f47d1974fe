// snapclone connect against the sandbox (IAM enforced under the generated policy of a config with a relay): the
// relay path with a stand-in session-manager-plugin that checks what AWS's plugin is handed and forwards the
// port, the direct path, the missing plugin, a command's environment and exit code (no password on its command
// line or in any output); the Session Manager statements refusing what they must; doctor's relay check.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { createServer, connect as tcp, type AddressInfo, type Server } from 'node:net';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateDocumentCommand, SSMClient, StartSessionCommand, TerminateSessionCommand } from '@aws-sdk/client-ssm';
import * as connect from '../../src/commands/connect.ts';
import * as doctor from '../../src/commands/doctor.ts';
import { UsageError } from '../../src/core/errors.ts';
import { accepts, forwardPort } from '../../src/connect/forward.ts';
import { connectDocumentName } from '../../src/connect/document.ts';
import { templateFor } from '../../src/iam/template.ts';
import { arn, COMPANY_ACCOUNT, COMPANY_REGION, OPERATOR_ROLE } from '../../sandbox/scenario/constants.ts';
import { registerManagedInstance, ssmState } from '../../sandbox/services/ssm/state.ts';
import { CLIENT_SCRIPT, standInPlugin } from '../connect/standin-plugin.ts';
import { RELAY, relayOperatorPolicies, withRelay } from '../support/relay.ts';
import { createOne, rejection, startCli, type TestCli } from './support.ts';


let cli: TestCli;
let clone: { name: string; host: string; port: number };
let echo: Server;
let echoPort: number;
const ssm = () => ssmState(cli.sb.world, COMPANY_ACCOUNT, COMPANY_REGION);

function capture() {
  const out = new PassThrough();
  let text = '';
  out.on('data', (c: Buffer) => (text += c.toString()));
  return { stream: out, text: () => text };
}

beforeAll(async () => {
  // Copies keep AWS-shaped endpoints here: the relay's document admits only the placement's clone host names, as on AWS.
  cli = await startCli({ dataPlane: false });
  const { entry } = await createOne(cli, 'orders-db', { latest: true });
  clone = { name: entry.name, host: entry.endpoint!.host, port: entry.endpoint!.port };
  echo = createServer((s) => s.pipe(s));
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', () => resolve()));
  echoPort = (echo.address() as AddressInfo).port;
  // The operator role runs under the policy generated for the config with the relay; the relay is SSM-managed; the
  // administrator deploys the document `snapclone iam template` defines.
  const config = withRelay(cli.config);
  cli.sb.world.roles.get(arn.role(OPERATOR_ROLE))!.policies = relayOperatorPolicies();
  registerManagedInstance(cli.sb.world, COMPANY_ACCOUNT, COMPANY_REGION, RELAY);
  const resource = (templateFor(config, 'dev').Resources as Record<string, { Properties: { Name: string; Content: unknown } }>).ConnectDocument;
  const admin = new SSMClient(cli.sb.config());
  await admin.send(new CreateDocumentCommand({ Name: resource.Properties.Name, Content: JSON.stringify(resource.Properties.Content), DocumentType: 'Session', DocumentFormat: 'JSON' }));
  admin.destroy();
}, 120_000);

/** The stand-in plugins' folders, removed after the tests. */
const plugins: string[] = [];
const standIn = () => {
  const plugin = standInPlugin();
  plugins.push(plugin.dir);
  return plugin;
};

afterAll(async () => {
  for (const dir of plugins) rmSync(dir, { recursive: true, force: true });
  echo?.close();
  await cli?.close();
});

describe('connect through the relay (a stand-in session-manager-plugin)', () => {
  it('hands the plugin what the aws CLI hands it, runs the command with the connection in its environment, ends with its exit code, then closes the tunnel and ends the session', async () => {
    const plugin = standIn();
    const env = { ...process.env, PATH: plugin.path, STANDIN_RECORD: plugin.record, STANDIN_ROUTES: JSON.stringify({ [`${clone.host}:${clone.port}`]: `127.0.0.1:${echoPort}` }) };
    const stdout = capture();
    const stderr = capture();
    const { ctx, reporter, calls } = cli.context({ config: withRelay });
    const result = await connect.run({ clone: clone.name, command: [process.execPath, '-e', CLIENT_SCRIPT], env, output: { stdout: stdout.stream, stderr: stderr.stream } }, ctx);
    const password = cli.masterPassword(clone.name)!;
    const json = result.json as { via: string; port: number; url: string; exitCode: number };

    expect(result.exitCode).toBe(7);
    expect(json).toMatchObject({ via: 'relay', exitCode: 7, url: `mysql://admin@127.0.0.1:${json.port}/orders` });
    expect(stdout.text()).toContain('echo: hello');
    expect(stdout.text()).toContain('user: admin');
    expect(stdout.text()).toContain(`digest: ${createHash('sha256').update(password).digest('hex')}`);
    // The password reached the command through its environment only: not its arguments, not any output.
    for (const said of [stdout.text(), stderr.text(), JSON.stringify(result), reporter.text]) expect(said).not.toContain(password);

    const record = JSON.parse(readFileSync(plugin.record, 'utf8')) as { args: string[]; response: { SessionId: string; TokenValue: string; StreamUrl: string } };
    expect(record.args.slice(0, 4)).toEqual(['AWS_SSM_START_SESSION_RESPONSE', COMPANY_REGION, 'StartSession', '']);
    expect(JSON.parse(record.args[4])).toEqual({
      Target: RELAY,
      DocumentName: connectDocumentName('snapclone', 'dev'),
      Parameters: { host: [clone.host], portNumber: [String(clone.port)], localPortNumber: [String(json.port)] },
      Reason: `snapclone connect ${clone.name}`,
    });
    expect(record.args[5]).toBe(cli.sb.url.replace(/\/$/, ''));
    expect(record.response.SessionId).toMatch(/^snapclone-alice-[0-9a-f]+$/);
    expect(record.response.StreamUrl).toMatch(/^wss:\/\/ssmmessages\./);
    expect(cli.sb.world.secretValues.has(record.response.TokenValue)).toBe(true);
    for (const said of [stdout.text(), stderr.text(), reporter.text]) expect(said).not.toContain(record.response.TokenValue);

    expect(ssm().sessions.get(record.response.SessionId)?.status).toBe('Terminated');
    expect(existsSync(`${plugin.record}.ended`)).toBe(true);
    expect(await accepts(json.port)).toBe(false);
    expect(calls).toEqual(expect.arrayContaining(['ssm:StartSession', 'ssm:TerminateSession']));
  });

  it('without a command: says where to connect (no password), keeps the port open until Ctrl-C, then closes it', async () => {
    const plugin = standIn();
    const env = { ...process.env, PATH: plugin.path, STANDIN_RECORD: plugin.record, STANDIN_ROUTES: JSON.stringify({ [`${clone.host}:${clone.port}`]: `127.0.0.1:${echoPort}` }) };
    const stop = new AbortController();
    const { ctx } = cli.context({ config: withRelay });
    ctx.signal = stop.signal;
    let printed: string[] = [];
    let echoed = '';
    const result = await connect.run(
      {
        clone: clone.name,
        port: 0,
        env,
        onReady: (lines) => {
          printed = lines;
          const port = Number(/127\.0\.0\.1:(\d+)/.exec(lines[0])![1]);
          const socket = tcp(port, '127.0.0.1', () => socket.write('ping'));
          socket.once('data', (data) => {
            echoed = data.toString();
            socket.end();
            stop.abort();
          });
        },
      },
      ctx,
    );
    expect(printed[0]).toMatch(new RegExp(`^${clone.name} is at mysql://admin@127\\.0\\.0\\.1:\\d+/orders \\(through the relay\\)`));
    expect(printed.join('\n')).not.toContain(cli.masterPassword(clone.name)!);
    expect(echoed).toBe('ping');
    expect(result.lines).toEqual([`${clone.name}: tunnel closed (stopped).`]);
    expect(result.exitCode).toBe(0);
    expect(await accepts((result.json as { port: number }).port)).toBe(false);
  });

  it('without the plugin: says what it is for and how to install it on each system; starts no session', async () => {
    const before = ssm().sessions.size;
    const { ctx } = cli.context({ config: withRelay });
    const error = await rejection(connect.run({ clone: clone.name, command: ['true'], env: { ...process.env, PATH: '/nonexistent' } }, ctx), UsageError);
    expect(error.message).toContain(`session-manager-plugin is not installed`);
    expect(error.message).toContain(RELAY);
    for (const system of ['macOS', 'Debian/Ubuntu', 'Amazon Linux/RHEL', 'Windows (PowerShell)']) expect(error.hint).toContain(system);
    expect(error.hint).toContain('session-manager-plugin.deb');
    expect(ssm().sessions.size).toBe(before);
  });
});

describe('connect directly (no relay configured, as in the sandbox)', () => {
  it('gives the command the clone endpoint itself in its environment and ends with its exit code', async () => {
    const stdout = capture();
    const { ctx } = cli.context();
    const script = 'console.log(process.env.MYSQL_HOST + ":" + process.env.MYSQL_TCP_PORT + " " + process.env.USER + " " + (process.env.MYSQL_PWD ? "pwd-set" : "no-pwd")); process.exit(3)';
    const result = await connect.run({ clone: clone.name, command: [process.execPath, '-e', script], env: { PATH: process.env.PATH }, output: { stdout: stdout.stream, stderr: capture().stream } }, ctx);
    expect(result.exitCode).toBe(3);
    expect(stdout.text().trim()).toBe(`${clone.host}:${clone.port} admin pwd-set`);
    expect((result.json as { via: string }).via).toBe('direct');
  });

  it('with --port: a local port on loopback piped to the endpoint (here a loopback TCP server), closed afterwards', async () => {
    const tunnel = await forwardPort({ host: '127.0.0.1', port: echoPort }, 0);
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = tcp(tunnel.local.port, '127.0.0.1', () => socket.write('through'));
      socket.once('data', (d) => {
        socket.end();
        resolve(d.toString());
      });
      socket.once('error', reject);
    });
    expect(reply).toBe('through');
    await tunnel.close();
    expect(await accepts(tunnel.local.port)).toBe(false);
  });
});

describe('the Session Manager statements of the generated policy', () => {
  const client = (person = 'alice') => cli.context({ config: withRelay, person }).ctx.clients('dev').of(SSMClient);
  const forwarding = (host: string, documentName?: string, target = RELAY) =>
    new StartSessionCommand({ Target: target, ...(documentName ? { DocumentName: documentName } : {}), Parameters: { host: [host], portNumber: ['3306'], localPortNumber: ['0'] } });
  const ours = connectDocumentName('snapclone', 'dev');

  it("refuse AWS's own document (any host), the default shell document, and another instance", async () => {
    await expect(client().send(forwarding(clone.host, 'AWS-StartPortForwardingSessionToRemoteHost'))).rejects.toMatchObject({ name: 'AccessDeniedException' });
    await expect(client().send(new StartSessionCommand({ Target: RELAY }))).rejects.toMatchObject({ name: 'AccessDeniedException' });
    await expect(client().send(forwarding(clone.host, ours, 'i-0fedcba9876543210'))).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });

  it("admit, through the target's document, only clone endpoints: production's is refused", async () => {
    const production = clone.host.replace(clone.name, 'orders-prod');
    await expect(client().send(forwarding(production, ours))).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(client().send(forwarding('10.0.0.5', ours))).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it("end only the caller's own sessions", async () => {
    const bobs = await client('bob').send(forwarding(clone.host, ours));
    expect(bobs.SessionId).toMatch(/^snapclone-bob-/);
    await expect(client('alice').send(new TerminateSessionCommand({ SessionId: bobs.SessionId }))).rejects.toMatchObject({ name: 'AccessDeniedException' });
    await client('bob').send(new TerminateSessionCommand({ SessionId: bobs.SessionId }));
    expect(ssm().sessions.get(bobs.SessionId!)?.status).toBe('Terminated');
  });
});

describe('doctor with a relay', () => {
  const relayCheck = async () => {
    const result = await doctor.run({}, cli.context({ config: withRelay }).ctx);
    const checks = (result.json as { checks: { check: string; ok: boolean; detail: string; fix?: string }[] }).checks;
    return { relay: checks.find((c) => c.check === 'relay')!, permissions: checks.find((c) => c.check === 'permissions')! };
  };

  it('finds the relay online in Session Manager, and every declared call (the Session Manager ones included) allowed', async () => {
    const { relay, permissions } = await relayCheck();
    expect(relay).toMatchObject({ ok: true });
    expect(relay.detail).toContain(`${RELAY} is managed by Session Manager and online`);
    expect(permissions.ok).toBe(true);
  });

  it('says what to fix when the relay is not online', async () => {
    registerManagedInstance(cli.sb.world, COMPANY_ACCOUNT, COMPANY_REGION, RELAY, 'ConnectionLost');
    try {
      const { relay } = await relayCheck();
      expect(relay.ok).toBe(false);
      expect(relay.detail).toContain('ConnectionLost');
      expect(relay.fix).toContain('AmazonSSMManagedInstanceCore');
    } finally {
      registerManagedInstance(cli.sb.world, COMPANY_ACCOUNT, COMPANY_REGION, RELAY);
    }
  });
});
