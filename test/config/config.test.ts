import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { configJsonSchema } from '../../src/config/json-schema.ts';
import { loadConfig, parseConfig } from '../../src/config/load.ts';
import { ExitCode, UsageError } from '../../src/core/errors.ts';

const valid = `
timezone: Asia/Tokyo
targets:
  dev:
    account: "123456789012"
    region: ap-northeast-1
    access:
      roleArn: arn:aws:iam::123456789012:role/snapclone-operator
      externalId: ext-id
    rds:
      subnetGroup: snapclone-dev
      securityGroupIds: [sg-0123abcd]
      instanceClass: db.t4g.micro
sources:
  orders-db:
    engine: rds
    id: orders-prod
    account: "123456789012"
    region: ap-northeast-1
`;

function expectUsage(fn: () => unknown, ...fragments: string[]) {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).exitCode).toBe(ExitCode.usage);
    for (const f of fragments) expect((error as Error).message).toContain(f);
    return;
  }
  throw new Error('expected a UsageError');
}

describe('config', () => {
  const dir = mkdtempSync(join(tmpdir(), 'snapclone-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('parses a valid config and fills defaults', () => {
    const config = parseConfig(valid, 'snapclone.yaml');
    expect(config.prefix).toBe('snapclone');
    expect(config.targets.dev.defaultTtl).toBe('8h');
    expect(config.targets.dev.publicAccess).toBe(false);
    expect(config.targets.dev.access.durationSeconds).toBe(3600);
    expect(config.sources['orders-db'].restoreFrom).toBe('backup');
  });

  it('names the file, the key path and what was expected', () => {
    const bad = valid.replace('"123456789012"\n    region: ap-northeast-1\n    access', '"12345"\n    region: ap-northeast-1\n    access');
    expectUsage(() => parseConfig(bad, '/x/snapclone.yaml'), '/x/snapclone.yaml', 'targets.dev.account', '12-digit');
  });

  it('rejects unknown keys, bad time zones and public access', () => {
    expectUsage(() => parseConfig(`${valid}\nfoo: 1\n`, 'c.yaml'), 'foo');
    expectUsage(() => parseConfig(valid.replace('Asia/Tokyo', 'Mars/Base'), 'c.yaml'), 'timezone', 'IANA');
    expectUsage(
      () => parseConfig(valid.replace('    rds:', '    publicAccess: true\n    rds:'), 'c.yaml'),
      'targets.dev.publicAccess',
    );
  });

  it('rejects malformed YAML and dangling target references', () => {
    expectUsage(() => parseConfig('targets: [unclosed', 'c.yaml'), 'not valid YAML');
    expectUsage(() => parseConfig(`${valid}defaultTarget: prod\n`, 'c.yaml'), "defaultTarget: 'prod' is not a target");
  });

  it('finds the file by --config, SNAPCLONE_CONFIG, then the working directory', () => {
    const path = join(dir, 'snapclone.yaml');
    writeFileSync(path, valid);
    expect(loadConfig(undefined, {}, dir).path).toBe(path);
    expect(loadConfig(undefined, { SNAPCLONE_CONFIG: path }, '/').path).toBe(path);
    expect(loadConfig(path, {}, '/').config.sources['orders-db'].id).toBe('orders-prod');
    expectUsage(() => loadConfig(undefined, {}, tmpdir()), 'No snapclone.yaml');
    expectUsage(() => loadConfig(join(dir, 'missing.yaml'), {}, '/'), 'Config file not found');
  });

  it('language: en by default, ja when asked, anything else refused (and in the JSON Schema)', () => {
    expect(parseConfig(valid, 'c.yaml').language).toBe('en');
    expect(parseConfig(`language: ja\n${valid}`, 'c.yaml').language).toBe('ja');
    expectUsage(() => parseConfig(`language: fr\n${valid}`, 'c.yaml'), 'language');
    const committed = JSON.parse(readFileSync(new URL('../../schema/snapclone.schema.json', import.meta.url), 'utf8'));
    expect(committed.properties.language).toMatchObject({ enum: ['en', 'ja'], default: 'en' });
  });

  it('has a committed JSON Schema generated from the same definition', () => {
    const committed = JSON.parse(readFileSync(new URL('../../schema/snapclone.schema.json', import.meta.url), 'utf8'));
    expect(committed).toEqual(configJsonSchema());
  });
});
