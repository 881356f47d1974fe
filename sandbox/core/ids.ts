import { randomBytes, randomUUID } from 'node:crypto';

export const requestId = (): string => randomUUID();
export const hex = (bytes: number): string => randomBytes(bytes).toString('hex');
const randomChars = (alphabet: string, length: number): string =>
  Array.from(randomBytes(length), (b) => alphabet[b % alphabet.length]).join('');
/** Upper-case alphanumerics, like access key ids and RDS resource ids. */
export const upperId = (length: number): string => randomChars('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', length);
/** Mixed-case alphanumerics, like the random suffix of a Secrets Manager ARN. */
export const alnumId = (length: number): string =>
  randomChars('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', length);
export const secret = (length = 40): string =>
  randomBytes(length).toString('base64').replace(/[^A-Za-z0-9]/g, '').slice(0, length).padEnd(length, 'x');
