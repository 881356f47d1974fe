import { randomBytes, randomUUID } from 'node:crypto';

export const requestId = (): string => randomUUID();
export const hex = (bytes: number): string => randomBytes(bytes).toString('hex');
/** Upper-case alphanumerics, like access key ids and RDS resource ids. */
export const upperId = (length: number): string => {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const bytes = randomBytes(length);
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
};
export const secret = (length = 40): string =>
  randomBytes(length).toString('base64').replace(/[^A-Za-z0-9]/g, '').slice(0, length).padEnd(length, 'x');
