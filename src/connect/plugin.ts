import { spawn } from 'node:child_process';
import { UsageError } from '../core/errors.ts';

/** AWS's Session Manager plugin: the program the aws CLI hands a started session to. */
export const PLUGIN = 'session-manager-plugin';

/**
 * The aws CLI (awscli/customizations/sessionmanager.py) hands the StartSession response over in this variable,
 * naming it in place of the JSON, to plugins newer than 1.2.497.0; older ones get the JSON itself as argument.
 */
export const RESPONSE_VARIABLE = 'AWS_SSM_START_SESSION_RESPONSE';
const LAST_VERSION_WITHOUT_VARIABLE = [1, 2, 497, 0];

const BASE = 'https://s3.amazonaws.com/session-manager-downloads/plugin/latest';

/** How to install the plugin on each system (AWS's packages, from the Systems Manager User Guide), this system's first. */
export function installLines(platform: NodeJS.Platform = process.platform, arch: string = process.arch): string[] {
  const arm = arch === 'arm64';
  const lines: [NodeJS.Platform | 'linux-rpm', string][] = [
    ['darwin', `macOS:   curl -fsSLo session-manager-plugin.pkg ${BASE}/${arm ? 'mac_arm64' : 'mac'}/session-manager-plugin.pkg && sudo installer -pkg session-manager-plugin.pkg -target / && sudo ln -sf /usr/local/sessionmanagerplugin/bin/session-manager-plugin /usr/local/bin/`],
    ['linux', `Debian/Ubuntu:   curl -fsSLo session-manager-plugin.deb ${BASE}/${arm ? 'ubuntu_arm64' : 'ubuntu_64bit'}/session-manager-plugin.deb && sudo dpkg -i session-manager-plugin.deb`],
    ['linux-rpm', `Amazon Linux/RHEL:   sudo yum install -y ${BASE}/${arm ? 'linux_arm64' : 'linux_64bit'}/session-manager-plugin.rpm`],
    ['win32', `Windows (PowerShell):   Invoke-WebRequest ${BASE}/windows/SessionManagerPluginSetup.exe -OutFile SessionManagerPluginSetup.exe; .\\SessionManagerPluginSetup.exe /quiet`],
  ];
  const mine = (p: string) => p === platform || (platform === 'linux' && p === 'linux-rpm');
  return [...lines.filter(([p]) => mine(p)), ...lines.filter(([p]) => !mine(p))].map(([, line]) => line);
}

/** The error when the plugin is not on PATH: what it is for, and how to install it. */
export function missingPlugin(relay: string): UsageError {
  return new UsageError(
    `${PLUGIN} is not installed: snapclone connect reaches clones through AWS Session Manager on the relay ${relay}, and AWS's plugin carries the connection.`,
    [
      'Install it (GitHub-hosted Ubuntu runners already have it), then run the same command again:',
      ...installLines().map((l) => `    ${l}`),
      '  Check with: session-manager-plugin --version (1.2.764.0 or later)',
    ].join('\n'),
  );
}

/** The plugin's version (`session-manager-plugin --version`), or undefined when it is not installed. */
export function pluginVersion(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const child = spawn(PLUGIN, ['--version'], { env, stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? resolve(undefined) : reject(error)));
    child.on('close', () => resolve(out.trim()));
  });
}

/** Whether a plugin version takes the response through RESPONSE_VARIABLE (the aws CLI's VersionRequirement). */
export function takesResponseVariable(version: string): boolean {
  const clean = version.replace(/\s+/g, '');
  if (!/^\d+(\.\d+){0,3}$/.test(clean)) return false;
  const parts = clean.split('.').map(Number);
  const min = [...LAST_VERSION_WITHOUT_VARIABLE];
  while (parts.length < min.length) parts.push(0);
  for (let i = 0; i < min.length; i++) if (parts[i] !== min[i]) return parts[i] > min[i];
  return false;
}

export interface StartedSession {
  SessionId: string;
  TokenValue: string;
  StreamUrl: string;
}

/**
 * The plugin's command line and environment exactly as the aws CLI builds them: the response (or the name of
 * the variable holding it), the region, `StartSession`, the profile ('' for none), the StartSession request as
 * JSON, and the SSM endpoint URL.
 */
export function pluginInvocation(
  version: string,
  session: StartedSession,
  request: object,
  where: { region: string; profile?: string; endpointUrl: string },
): { args: string[]; env: Record<string, string> } {
  const response = JSON.stringify({ SessionId: session.SessionId, TokenValue: session.TokenValue, StreamUrl: session.StreamUrl });
  const viaVariable = takesResponseVariable(version);
  return {
    args: [viaVariable ? RESPONSE_VARIABLE : response, where.region, 'StartSession', where.profile ?? '', JSON.stringify(request), where.endpointUrl],
    env: viaVariable ? { [RESPONSE_VARIABLE]: response } : {},
  };
}
