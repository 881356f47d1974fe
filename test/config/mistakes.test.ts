// The config's common mistakes (newcomer audit m13): each is told once, with its key path and what to do.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.ts';
import { closestKey, knownKeys } from '../../src/config/mistakes.ts';
import { ConfigSchema } from '../../src/config/schema.ts';
import { ExitCode, UsageError } from '../../src/core/errors.ts';

const valid = `
targets:
  dev:
    account: "012345678901"
    region: ap-northeast-1
    rds:
      subnetGroup: snapclone-dev
      securityGroupIds: [sg-0123abcd]
      instanceClass: db.t4g.micro
sources:
  orders-db:
    engine: rds
    id: orders-prod
    account: "012345678901"
    region: ap-northeast-1
`;

/** The lines of the UsageError a config gives (it must give one, exit 2). */
function problems(text: string): string[] {
  try {
    parseConfig(text, '/x/snapclone.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).exitCode).toBe(ExitCode.usage);
    const [head, ...lines] = (error as Error).message.split('\n');
    expect(head).toBe('/x/snapclone.yaml is not a valid snapclone config:');
    return lines.map((line) => line.trim());
  }
  throw new Error('expected a UsageError');
}

describe('config mistakes', () => {
  it('the valid config parses', () => {
    expect(parseConfig(valid, 'c.yaml').targets.dev.account).toBe('012345678901');
  });

  it('a misspelled key names the key meant, once: not also "missing"', () => {
    expect(problems(valid.replace('subnetGroup:', 'subnetGroupName:'))).toEqual([
      'targets.dev.rds.subnetGroupName is not a known key: did you mean subnetGroup?',
    ]);
    expect(problems(valid.replace('subnetGroup:', 'subnetGrup:'))).toEqual(['targets.dev.rds.subnetGrup is not a known key: did you mean subnetGroup?']);
    expect(problems(valid.replace('    region: ap-northeast-1\n    rds', '    regoin: ap-northeast-1\n    rds'))).toEqual([
      'targets.dev.regoin is not a known key: did you mean region?',
    ]);
    expect(problems(valid.replace('    id: orders-prod\n    account', '    id: orders-prod\n    acount'))).toEqual([
      'sources.orders-db.acount is not a known key: did you mean account?',
    ]);
  });

  it('a key close to none lists the known keys; a key already given is not suggested', () => {
    expect(problems(`${valid}colour: blue\n`)).toEqual([
      'colour is not a known key (known: timezone, language, prefix, defaultTarget, targets, sources, sets)',
    ]);
    // subnetGroup is given: subnetGroups is no misspelling of it.
    const both = valid.replace('      subnetGroup: snapclone-dev', '      subnetGroup: snapclone-dev\n      subnetGroups: [a]');
    expect(problems(both)).toEqual([
      'targets.dev.rds.subnetGroups is not a known key (known: subnetGroup, securityGroupIds, instanceClass, kmsKeyId, password)',
    ]);
  });

  it('an unquoted account id says to quote it, with the digits as written (a leading zero is lost in YAML)', () => {
    expect(problems(valid.replace('account: "012345678901"\n    region: ap-northeast-1\n    rds', 'account: 012345678901\n    region: ap-northeast-1\n    rds'))).toEqual([
      "targets.dev.account: quote the account id, or YAML reads it as a number (012345678901 became 12345678901): write account: '012345678901'",
    ]);
    expect(problems(valid.replace('    id: orders-prod\n    account: "012345678901"', '    id: orders-prod\n    account: 123456789012'))).toEqual([
      "sources.orders-db.account: quote the account id, or YAML reads it as a number: write account: '123456789012'",
    ]);
    expect(problems(valid.replace('    id: orders-prod\n    account: "012345678901"', '    id: orders-prod\n    account: 12345'))).toEqual([
      "sources.orders-db.account: quote the account id, or YAML reads it as a number: write account: '12345'; an account id has 12 digits",
    ]);
  });

  it('another string YAML read as a number or boolean says to quote it', () => {
    expect(problems(`${valid}    backupTag: {key: keep, value: true}\n`)).toEqual([
      "sources.orders-db.backupTag.value: YAML read true as a boolean; quote it: value: 'true'",
    ]);
    const numericId = valid.replace('id: orders-prod', 'id: 4711');
    expect(problems(numericId)).toEqual(["sources.orders-db.id: YAML read 4711 as a number; quote it: id: '4711'"]);
  });

  it('every mistake of a file is told, one line each, in the order found', () => {
    const text = valid
      .replace('account: "012345678901"\n    region: ap-northeast-1\n    rds', 'account: 012345678901\n    region: ap-northeast-1\n    rds')
      .replace('subnetGroup:', 'subnetGroupName:')
      .replace('    engine: rds', '    engine: rds\n    restoreFrm: snapshot');
    expect(problems(text)).toEqual([
      "targets.dev.account: quote the account id, or YAML reads it as a number (012345678901 became 12345678901): write account: '012345678901'",
      'targets.dev.rds.subnetGroupName is not a known key: did you mean subnetGroup?',
      'sources.orders-db.restoreFrm is not a known key: did you mean restoreFrom?',
    ]);
  });

  it('a missing key says so plainly', () => {
    expect(problems('hello: world\n')).toEqual([
      'targets: missing, expected a map of names',
      'sources: missing, expected a map of names',
      'hello is not a known key (known: timezone, language, prefix, defaultTarget, targets, sources, sets)',
    ]);
  });

  it('knownKeys follows records, optionals and unions; closestKey only answers when close', () => {
    expect(knownKeys(ConfigSchema, ['targets', 'dev', 'access', 'trust', 'github', 'repositories', 0])).toEqual(['name', 'id', 'ownerId']);
    expect(knownKeys(ConfigSchema, ['targets', 'dev', 'region'])).toEqual([]);
    expect(closestKey('subnetGroupName', ['subnetGroup', 'securityGroupIds'])).toBe('subnetGroup');
    expect(closestKey('securityGroups', ['subnetGroup', 'securityGroupIds'])).toBe('securityGroupIds');
    expect(closestKey('tags', ['target', 'id'])).toBeUndefined();
    expect(closestKey('foo', ['id'])).toBeUndefined();
  });
});
