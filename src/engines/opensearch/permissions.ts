import { read, write, type EnginePermissions, type Scope, type ScopeWhere } from '../../iam/declare.ts';
import { secretPermissions as secrets } from '../shared/permissions.ts';

/**
 * Every IAM action the OpenSearch engine's code calls, per command. A clone is a domain named `<prefix>-*`;
 * its REST API (`es:ESHttp*`) is addressed as `domain/<name>/<path>`. The source domain is only read, and
 * only its snapshot listing (`_snapshot/<repo>/…`); `DenyWritesToSources` denies every write on it and its
 * paths, so its repository cannot be written through it.
 */
const points = [read('es:DescribeDomain', 'source'), read('es:ESHttpGet', 'restore-input')];

const describe = [
  read('tag:GetResources', 'none'),
  read('es:DescribeDomain', 'account'),
  read('es:DescribeDomains', 'account'),
  read('es:ListTags', 'clone'),
];

const tagClone = write('es:AddTags', ['clone'], 'request');

export const OPENSEARCH_PERMISSIONS: EnginePermissions = {
  points,
  describe,
  create: [
    ...points,
    ...describe,
    write('es:CreateDomain', ['clone'], 'request'),
    tagClone,
    // Registering the repository on the clone passes the snapshot role, to OpenSearch only.
    write('iam:PassRole', ['service-role'], 'passed-to-service'),
    // The clone's REST API: register the repository and restore (POST, as the official client sends both),
    // read snapshots and indices (GET).
    write('es:ESHttpPost', ['clone']),
    read('es:ESHttpGet', 'clone'),
    ...secrets.generated,
    secrets.describe,
    secrets.value,
  ],
  credentials: [...describe, tagClone, secrets.value],
  delete: [...describe, tagClone, write('es:DeleteDomain', ['clone']), secrets.describe, secrets.delete],
  doctor: [],
};

export function opensearchResources(scope: Scope, w: ScopeWhere): string[] | undefined {
  const domain = (name: string) => `arn:${w.partition}:es:${w.region}:${w.account}:domain/${name}`;
  switch (scope) {
    case 'clone':
      return [domain(`${w.prefix}-*`), domain(`${w.prefix}-*/*`)];
    case 'source':
      return w.sources.flatMap((s) => [domain(s.config.id), domain(`${s.config.id}/*`)]);
    case 'restore-input':
      return w.sources.flatMap((s) => {
        const repo = s.config.snapshotRepository?.name;
        return repo ? [domain(`${s.config.id}/_snapshot/${repo}`), domain(`${s.config.id}/_snapshot/${repo}/*`)] : [];
      });
    case 'service-role':
      return [...new Set(w.sources.flatMap((s) => (s.config.snapshotRepository ? [s.config.snapshotRepository.roleArn] : [])))];
    case 'account':
      return [domain('*')];
    case 'placement':
    case 'managed-secret':
    case 'secret-key':
    case 'clone-snapshot':
      return [];
    default:
      return undefined;
  }
}
