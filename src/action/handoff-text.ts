// What the requester reads after `age -d`: the connection details of one clone as `snapclone credentials`
// gives them (its JSON document), password included. Only ever sealed, never written anywhere in the clear.
import { passwordVariable, shellWord } from '../connect/clients.ts';
import { textFor, type Language } from './summary-text.ts';

/** The fields of `snapclone credentials --output json` the hand-off uses. */
export interface CredentialsJson {
  engine: string;
  host: string;
  port: number;
  username: string;
  password: string;
  database: string | null;
  tls: boolean | null;
  auth?: string;
  url: string;
  client: string | null;
  connect: { via: 'direct' | 'relay'; relay?: string; command?: string };
}

/** A PowerShell single-quoted string ('' stands for a quote inside). */
const powershellString = (value: string) => `'${value.replace(/'/g, "''")}'`;

export function sealedDetails(name: string, c: CredentialsJson, language: Language): string[] {
  const t = textFor(language);
  const variable = passwordVariable(c.engine);
  const program = c.client?.split(' ')[0];
  return [
    `# ${name} (${c.engine})`,
    `host=${c.host}`,
    `port=${c.port}`,
    `user=${c.username}`,
    `password=${c.password}`,
    ...(c.database ? [`database=${c.database}`] : []),
    ...(c.tls !== null && c.tls !== undefined ? [`tls=${c.tls ? 'on' : 'off'}`] : []),
    ...(c.auth ? [`auth=${c.auth}`] : []),
    `url=${c.url}`,
    ...(c.client ? [`client=${c.client}`] : []),
    ...(c.client && program && variable && c.password
      ? [t.sealedPassword(program, variable, `export ${variable}=${shellWord(c.password)}`, `$env:${variable} = ${powershellString(c.password)}`)]
      : []),
    c.connect.via === 'relay' && c.connect.command && c.connect.relay ? t.sealedRelay(c.connect.command, c.connect.relay) : t.sealedDirect,
    '',
  ];
}
