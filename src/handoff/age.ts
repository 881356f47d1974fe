import {
  constants,
  createCipheriv,
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  publicEncrypt,
  randomBytes,
} from 'node:crypto';

/**
 * Encrypts to SSH public keys in the age format (age-encryption.org/v1, ssh-ed25519 and ssh-rsa recipients),
 * so that the holder of the matching private key decrypts with the standard tool:
 * `age -d -i ~/.ssh/id_ed25519 file.age`. Only the small parts of age a one-shot hand-off needs.
 */

const ED25519_LABEL = 'age-encryption.org/v1/ssh-ed25519';
const RSA_LABEL = 'age-encryption.org/v1/ssh-rsa';
const b64 = (b: Buffer) => b.toString('base64').replace(/=+$/, '');
const hkdf = (ikm: Buffer, salt: Buffer, info: string) => Buffer.from(hkdfSync('sha256', ikm, salt, info, 32));

/** The fields of an SSH wire-encoded public key (RFC 4253 strings and mpints). */
function wireFields(wire: Buffer): Buffer[] {
  const fields: Buffer[] = [];
  for (let at = 0; at < wire.length; ) {
    const len = wire.readUInt32BE(at);
    fields.push(wire.subarray(at + 4, at + 4 + len));
    at += 4 + len;
  }
  return fields;
}

// X25519 keys from raw bytes: fixed DER prefixes of PKCS #8 and SubjectPublicKeyInfo (RFC 8410).
const x25519Private = (raw: Buffer) =>
  createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b656e04220420', 'hex'), raw]), format: 'der', type: 'pkcs8' });
const x25519Public = (raw: Buffer) =>
  createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b656e032100', 'hex'), raw]), format: 'der', type: 'spki' });
const x25519 = (scalar: Buffer, point: Buffer) => diffieHellman({ privateKey: x25519Private(scalar), publicKey: x25519Public(point) });

const P = 2n ** 255n - 19n;
const modPow = (b: bigint, e: bigint): bigint => {
  let r = 1n;
  for (b %= P; e > 0n; e >>= 1n, b = (b * b) % P) if (e & 1n) r = (r * b) % P;
  return r;
};

/** An Ed25519 public key on the Montgomery curve: u = (1 + y) / (1 - y) (RFC 7748's birational map). */
function ed25519ToX25519(ed: Buffer): Buffer {
  const le = Buffer.from(ed);
  le[31] &= 0x7f;
  const y = BigInt(`0x${Buffer.from(le).reverse().toString('hex')}`);
  const u = ((1n + y) * modPow((1n - y + P) % P, P - 2n)) % P;
  return Buffer.from(u.toString(16).padStart(64, '0'), 'hex').reverse();
}

/** A recipient stanza's body: base64 wrapped at 64 columns, ending with a shorter (possibly empty) line. */
function stanza(args: string[], body: Buffer): string {
  const text = b64(body);
  const lines: string[] = text.match(/.{1,64}/g) ?? [];
  if (lines.length === 0 || lines[lines.length - 1].length === 64) lines.push('');
  return `-> ${args.join(' ')}\n${lines.join('\n')}\n`;
}

function ed25519Stanza(wire: Buffer, key: Buffer, fileKey: Buffer): string {
  const pk = ed25519ToX25519(key);
  const tweak = hkdf(Buffer.alloc(0), wire, ED25519_LABEL);
  const ephemeral = generateKeyPairSync('x25519');
  const share = Buffer.from(ephemeral.publicKey.export({ format: 'jwk' }).x!, 'base64url');
  const shared = x25519(tweak, diffieHellman({ privateKey: ephemeral.privateKey, publicKey: x25519Public(pk) }));
  const wrapKey = hkdf(shared, Buffer.concat([share, pk]), ED25519_LABEL);
  const cipher = createCipheriv('chacha20-poly1305', wrapKey, Buffer.alloc(12), { authTagLength: 16 });
  const body = Buffer.concat([cipher.update(fileKey), cipher.final(), cipher.getAuthTag()]);
  const tag = b64(createHash('sha256').update(wire).digest().subarray(0, 4));
  return stanza(['ssh-ed25519', tag, b64(share)], body);
}

function rsaStanza(wire: Buffer, e: Buffer, n: Buffer, fileKey: Buffer): string {
  const key = createPublicKey({ key: { kty: 'RSA', n: n.toString('base64url'), e: e.toString('base64url') }, format: 'jwk' });
  const body = publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256', oaepLabel: Buffer.from(RSA_LABEL) }, fileKey);
  const tag = b64(createHash('sha256').update(wire).digest().subarray(0, 4));
  return stanza(['ssh-rsa', tag], body);
}

/** The stanza for one OpenSSH public key line, or undefined for a key type age cannot encrypt to. */
function recipientStanza(line: string, fileKey: Buffer): string | undefined {
  const [type, data] = line.trim().split(/\s+/);
  if (!data) return undefined;
  const wire = Buffer.from(data, 'base64');
  const fields = wireFields(wire);
  if (fields[0]?.toString() !== type) return undefined;
  if (type === 'ssh-ed25519' && fields[1]?.length === 32) return ed25519Stanza(wire, fields[1], fileKey);
  // mpints may carry a leading zero byte; JWK wants the bare big-endian value.
  const strip = (b: Buffer) => (b[0] === 0 ? b.subarray(1) : b);
  if (type === 'ssh-rsa' && fields.length === 3 && bitLength(strip(fields[2])) >= MIN_RSA_BITS) {
    return rsaStanza(wire, strip(fields[1]), strip(fields[2]), fileKey);
  }
  return undefined;
}

/** age refuses ssh-rsa recipients below 2048 bits ("ignoring unsupported SSH key"): so does snapclone. */
const MIN_RSA_BITS = 2048;
const bitLength = (n: Buffer) => (n.length === 0 ? 0 : (n.length - 1) * 8 + n[0].toString(2).length);

/** Whether age can encrypt to an OpenSSH public key line (ssh-ed25519, ssh-rsa of 2048 bits or more). */
export const supportedKey = (line: string) => /^(ssh-ed25519|ssh-rsa) /.test(line.trim()) && recipientStanza(line, randomBytes(16)) !== undefined;

/** age's STREAM: 64 KiB chunks, each sealed with its counter and, on the last one, the last-chunk flag. */
const CHUNK = 64 * 1024;
function streamSeal(payloadKey: Buffer, plaintext: Buffer): Buffer {
  const count = Math.max(1, Math.ceil(plaintext.length / CHUNK));
  const sealed: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const nonce = Buffer.alloc(12);
    nonce.writeUIntBE(i, 5, 6);
    nonce[11] = i === count - 1 ? 1 : 0;
    const cipher = createCipheriv('chacha20-poly1305', payloadKey, nonce, { authTagLength: 16 });
    sealed.push(cipher.update(plaintext.subarray(i * CHUNK, (i + 1) * CHUNK)), cipher.final(), cipher.getAuthTag());
  }
  return Buffer.concat(sealed);
}

/**
 * `plaintext` encrypted to every usable key, as an ASCII-armored age file; undefined when no key is usable.
 */
export function encryptToSshKeys(plaintext: string, keys: string[]): string | undefined {
  const fileKey = randomBytes(16);
  const stanzas = keys.map((k) => recipientStanza(k, fileKey)).filter((s): s is string => s !== undefined);
  if (stanzas.length === 0) return undefined;
  const head = `age-encryption.org/v1\n${stanzas.join('')}---`;
  const mac = createHmac('sha256', hkdf(fileKey, Buffer.alloc(0), 'header')).update(head).digest();
  const nonce = randomBytes(16);
  const payloadKey = hkdf(fileKey, nonce, 'payload');
  const body = streamSeal(payloadKey, Buffer.from(plaintext));
  const file = Buffer.concat([Buffer.from(`${head} ${b64(mac)}\n`), nonce, body]);
  const armored = (file.toString('base64').match(/.{1,64}/g) ?? []).join('\n');
  return `-----BEGIN AGE ENCRYPTED FILE-----\n${armored}\n-----END AGE ENCRYPTED FILE-----\n`;
}
