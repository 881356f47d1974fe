import { execFile } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A self-signed TLS certificate for the sandbox's loopback endpoints (127.0.0.1 and localhost), made with the
 * openssl program. AWS's endpoints present certificates of a public CA; a sandbox's clients trust this one with
 * its file (`redis-cli --tls --cacert <certFile>`) or skip verification (`--insecure`).
 */
export interface Certificate {
  key: Buffer;
  cert: Buffer;
  /** The certificate as a PEM file, for clients' --cacert. */
  certFile: string;
  /** Removes the files. */
  remove(): void;
}

const OPENSSL = ['/usr/bin/openssl', '/usr/local/bin/openssl'];

export function opensslPath(): string | undefined {
  return OPENSSL.find((path) => {
    try {
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

export function makeCertificate(): Promise<Certificate> {
  const openssl = opensslPath();
  if (!openssl) return Promise.reject(new Error('openssl is not installed (it makes the TLS certificate)'));
  const dir = mkdtempSync(join(tmpdir(), 'snapclone-tls-'));
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  const args = [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '30',
    '-subj', '/CN=snapclone sandbox', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
    '-keyout', keyFile, '-out', certFile,
  ];
  return new Promise((resolve, reject) => {
    execFile(openssl, args, (error, _stdout, stderr) => {
      if (error) {
        rmSync(dir, { recursive: true, force: true });
        return reject(new Error(`openssl could not make the TLS certificate: ${stderr.trim().slice(-300)}`));
      }
      resolve({
        key: readFileSync(keyFile),
        cert: readFileSync(certFile),
        certFile,
        remove: () => rmSync(dir, { recursive: true, force: true }),
      });
    });
  });
}
