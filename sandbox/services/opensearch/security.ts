import type { Principal } from '../../core/iam.ts';
import { osException, type DataResponse, type OpenSearchHttpError } from './rest-api.ts';
import type { DomainRecord } from './state.ts';

/**
 * Fine-grained access control (the OpenSearch security plugin on an AWS domain with
 * AdvancedSecurityOptions.Enabled). After the AWS front end has let a request in (IAM), the plugin finds the
 * caller's OpenSearch roles and refuses, with 403 security_exception, what none of them permits:
 * - an IAM role is known by its role ARN as a backend role, an IAM user by its ARN as a user name ("Put user
 *   ARNs under Users and role ARNs under Backend roles", managedomains-snapshots.md);
 * - the master user (MasterUserARN, or the internal master user signing in with HTTP basic auth) has all_access
 *   and may use the security REST API;
 * - anyone else has only the roles mapped to it through `_plugins/_security/api/rolesmapping/<role>`: "unless
 *   you map roles to users, every request to the cluster ends in a permissions error" (fgac.md).
 * Roles: the predefined all_access, manage_snapshots and readall, and roles made with
 * `_plugins/_security/api/roles/<role>` (cluster_permissions and index_permissions' allowed_actions, with
 * wildcards and the action groups below). Index permissions are checked for the index patterns `*` only
 * (no document- or field-level security).
 */

export interface SecurityRole {
  cluster_permissions: string[];
  index_permissions: { index_patterns: string[]; allowed_actions: string[] }[];
  reserved?: boolean;
}

export interface RoleMapping {
  users: string[];
  backend_roles: string[];
  hosts: string[];
}

export interface DomainSecurity {
  roles: Map<string, SecurityRole>;
  mappings: Map<string, RoleMapping>;
}

/** Who the plugin sees: a user name and backend roles. */
export interface SecurityUser {
  name: string;
  backendRoles: string[];
  /** The domain's master user (MasterUserARN or the internal master user). */
  master: boolean;
}

const ACTION_GROUPS: Record<string, string[]> = {
  manage_snapshots: ['cluster:admin/snapshot/*', 'cluster:admin/repository/*'],
  cluster_monitor: ['cluster:monitor/*'],
  cluster_all: ['cluster:*'],
  indices_all: ['indices:*'],
  indices_monitor: ['indices:monitor/*'],
  read: ['indices:data/read/*', 'indices:admin/mappings/fields/get*', 'indices:admin/resolve/index'],
  cluster_composite_ops_ro: ['indices:data/read/mget', 'indices:data/read/msearch', 'indices:data/read/mtv', 'indices:data/read/scroll*'],
};

const PREDEFINED: Record<string, SecurityRole> = {
  all_access: { cluster_permissions: ['*'], index_permissions: [{ index_patterns: ['*'], allowed_actions: ['*'] }], reserved: true },
  manage_snapshots: {
    cluster_permissions: ['manage_snapshots'],
    index_permissions: [{ index_patterns: ['*'], allowed_actions: ['indices:data/write/index', 'indices:admin/create'] }],
    reserved: true,
  },
  readall: {
    cluster_permissions: ['cluster_composite_ops_ro'],
    index_permissions: [{ index_patterns: ['*'], allowed_actions: ['read'] }],
    reserved: true,
  },
};

export function newSecurity(): DomainSecurity {
  return { roles: new Map(Object.entries(PREDEFINED).map(([k, v]) => [k, structuredClone(v)])), mappings: new Map() };
}

/** The user the plugin sees for a SigV4 caller: a role session is its role's ARN (a backend role), a user its ARN. */
export function iamUser(domain: DomainRecord, principal: Principal): SecurityUser {
  const name = principal.role?.arn ?? principal.arn;
  const backendRoles = principal.role ? [principal.role.arn] : [];
  return { name, backendRoles, master: domain.advancedSecurity.masterUserArn === name };
}

export const masterUser = (name: string): SecurityUser => ({ name, backendRoles: [], master: true });

function rolesOf(domain: DomainRecord, user: SecurityUser): string[] {
  if (user.master) return ['all_access', 'security_manager'];
  const out: string[] = [];
  for (const [role, mapping] of domain.security.mappings) {
    if (mapping.users.includes(user.name) || mapping.backend_roles.some((b) => user.backendRoles.includes(b))) out.push(role);
  }
  return out;
}

const glob = (pattern: string, value: string) => new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\?]/g, '\\$&').replace(/\*/g, '.*')}$`).test(value);
const expand = (permissions: string[]) => permissions.flatMap((p) => ACTION_GROUPS[p] ?? [p]);

/** The OpenSearch action a REST call is (transport action names), or the security API. */
export function actionOf(method: string, s: string[]): { kind: 'cluster' | 'index' | 'security'; action: string } {
  const [first, second, third, fourth] = s;
  if ((first === '_plugins' || first === '_opendistro') && second === '_security') return { kind: 'security', action: 'restapi:admin' };
  if (s.length === 0) return { kind: 'cluster', action: 'cluster:monitor/main' };
  if (first === '_cluster' && second === 'health') return { kind: 'cluster', action: 'cluster:monitor/health' };
  if (first === '_snapshot') {
    if (s.length <= 2) {
      if (method === 'GET') return { kind: 'cluster', action: 'cluster:admin/repository/get' };
      if (method === 'DELETE') return { kind: 'cluster', action: 'cluster:admin/repository/delete' };
      return { kind: 'cluster', action: 'cluster:admin/repository/put' };
    }
    if (third === '_verify') return { kind: 'cluster', action: 'cluster:admin/repository/verify' };
    if (fourth === '_restore') return { kind: 'cluster', action: 'cluster:admin/snapshot/restore' };
    if (method === 'GET') return { kind: 'cluster', action: 'cluster:admin/snapshot/get' };
    if (method === 'DELETE') return { kind: 'cluster', action: 'cluster:admin/snapshot/delete' };
    return { kind: 'cluster', action: 'cluster:admin/snapshot/create' };
  }
  if (first === '_cat' && second === 'indices') return { kind: 'index', action: 'indices:monitor/stats' };
  if (first === '_cat' && second === 'recovery') return { kind: 'index', action: 'indices:monitor/recovery' };
  if (first === '_recovery' || second === '_recovery') return { kind: 'index', action: 'indices:monitor/recovery' };
  // _count runs as a search in OpenSearch (RestCountAction sends a SearchRequest).
  if (second === '_search' || second === '_count') return { kind: 'index', action: 'indices:data/read/search' };
  if (method === 'DELETE') return { kind: 'index', action: 'indices:admin/delete' };
  if (method === 'HEAD') return { kind: 'index', action: 'indices:admin/exists' };
  return { kind: 'index', action: method === 'GET' ? 'indices:data/read/search' : 'indices:data/write/index' };
}

function permits(role: SecurityRole, kind: 'cluster' | 'index', action: string): boolean {
  if (kind === 'cluster') return expand(role.cluster_permissions).some((p) => glob(p, action));
  return role.index_permissions.some((ip) => expand(ip.allowed_actions).some((p) => glob(p, action)));
}

export const securityException = (reason: string): OpenSearchHttpError => osException('security_exception', reason, 403);

const userText = (user: SecurityUser) => `User [name=${user.name}, backend_roles=[${user.backendRoles.join(', ')}], requestedTenant=null]`;

/** Refuses (403 security_exception, OpenSearch's wording) a request none of the caller's roles permits. */
export function authorizeRequest(domain: DomainRecord, user: SecurityUser, method: string, segments: string[]): void {
  if (!domain.advancedSecurity.Enabled) return;
  const { kind, action } = actionOf(method, segments);
  const roles = rolesOf(domain, user);
  if (kind === 'security') {
    if (roles.includes('all_access') || roles.includes('security_manager')) return;
    throw securityException(`no permissions for [${action}] and ${userText(user)}`);
  }
  const allowed = roles.some((name) => {
    const role = domain.security.roles.get(name);
    return role !== undefined && permits(role, kind, action);
  });
  if (!allowed) throw securityException(`no permissions for [${action}] and ${userText(user)}`);
}

const strings = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);

/**
 * The security REST API (`_plugins/_security/api/…`, also under `_opendistro`): roles and rolesmapping,
 * GET/PUT/DELETE of one, GET of all; `account` (who am I).
 */
export function securityApi(domain: DomainRecord, user: SecurityUser, method: string, s: string[], body: Record<string, unknown> | undefined): DataResponse {
  const [, , api, kind, name] = s;
  if (api === 'api' && kind === 'account' && method === 'GET') {
    return { status: 200, body: { user_name: user.name, backend_roles: user.backendRoles, roles: rolesOf(domain, user), is_reserved: false, is_hidden: false } };
  }
  if (api !== 'api' || (kind !== 'roles' && kind !== 'rolesmapping')) {
    throw osException('sandbox_not_implemented', `The snapclone sandbox does not implement ${method} /${s.join('/')}`, 501);
  }
  const store: Map<string, SecurityRole | RoleMapping> = kind === 'roles' ? domain.security.roles : domain.security.mappings;
  const what = kind === 'roles' ? 'role' : 'rolesmapping';
  if (method === 'GET') {
    if (!name) return { status: 200, body: Object.fromEntries([...store].map(([k, v]) => [k, view(v)])) };
    const found = store.get(name);
    if (!found) return { status: 404, body: { status: 'NOT_FOUND', message: `${what === 'role' ? 'Role' : 'Role mapping'} '${name}' not found.` } };
    return { status: 200, body: { [name]: view(found) } };
  }
  if (!name) throw osException('sandbox_not_implemented', `The snapclone sandbox does not implement ${method} /${s.join('/')}`, 501);
  if (method === 'PUT') {
    if (kind === 'rolesmapping' && !domain.security.roles.has(name)) {
      return { status: 404, body: { status: 'NOT_FOUND', message: `The role '${name}' does not exist.` } };
    }
    if (kind === 'roles' && PREDEFINED[name]) return { status: 403, body: { status: 'FORBIDDEN', message: `Resource '${name}' is reserved.` } };
    const existed = store.has(name);
    if (kind === 'roles') {
      const ip = Array.isArray(body?.index_permissions) ? (body.index_permissions as Record<string, unknown>[]) : [];
      domain.security.roles.set(name, {
        cluster_permissions: strings(body?.cluster_permissions),
        index_permissions: ip.map((p) => ({ index_patterns: strings(p.index_patterns), allowed_actions: strings(p.allowed_actions) })),
      });
    } else {
      domain.security.mappings.set(name, { users: strings(body?.users), backend_roles: strings(body?.backend_roles), hosts: strings(body?.hosts) });
    }
    return existed
      ? { status: 200, body: { status: 'OK', message: `'${name}' updated.` } }
      : { status: 201, body: { status: 'CREATED', message: `'${name}' created.` } };
  }
  if (method === 'DELETE') {
    if (!store.delete(name)) return { status: 404, body: { status: 'NOT_FOUND', message: `'${name}' not found.` } };
    return { status: 200, body: { status: 'OK', message: `'${name}' deleted.` } };
  }
  throw osException('sandbox_not_implemented', `The snapclone sandbox does not implement ${method} /${s.join('/')}`, 501);
}

function view(v: SecurityRole | RoleMapping) {
  if ('cluster_permissions' in v) {
    return { reserved: v.reserved ?? false, hidden: false, cluster_permissions: v.cluster_permissions, index_permissions: v.index_permissions, tenant_permissions: [], static: false };
  }
  return { hosts: v.hosts, users: v.users, reserved: false, hidden: false, backend_roles: v.backend_roles, and_backend_roles: [] };
}
