import { UsageError } from '../../core/errors.ts';
import { SUPPORTED_ENGINES_TEXT } from '../shared/supported.ts';

/**
 * The database engines snapclone clones, and what AWS allows of their master passwords. Anything else an RDS
 * API reports (Oracle, SQL Server, Db2, RDS Custom, Multi-AZ DB clusters, Neptune, DocumentDB…) is refused
 * before anything is written.
 */

/** Engines of RDS DB instances snapclone restores (DescribeDBInstances Engine). */
export const RDS_INSTANCE_ENGINES = ['mysql', 'postgres', 'mariadb'] as const;
/** Engines of Aurora DB clusters snapclone restores (DescribeDBClusters Engine). */
export const AURORA_ENGINES = ['aurora-mysql', 'aurora-postgresql'] as const;


/**
 * Refuses (exit 2, nothing written) a source whose database engine, as AWS reports it, snapclone does not
 * clone. `engine` undefined (AWS said nothing) passes: the restore then carries what AWS reports.
 */
export function assertSupportedEngine(kind: 'rds' | 'aurora', engine: string | undefined, source: string): void {
  if (engine === undefined) return;
  const supported: readonly string[] = kind === 'rds' ? RDS_INSTANCE_ENGINES : AURORA_ENGINES;
  if (supported.includes(engine)) return;
  const other = kind === 'rds' ? (AURORA_ENGINES as readonly string[]).includes(engine) : (RDS_INSTANCE_ENGINES as readonly string[]).includes(engine);
  const hint = other
    ? kind === 'rds'
      ? `It is a member of an Aurora cluster: name the cluster with engine: aurora.`
      : `A DB cluster of engine ${engine} is a Multi-AZ DB cluster, not an Aurora cluster; snapclone does not clone those.`
    : `Supported engines: ${SUPPORTED_ENGINES_TEXT}.`;
  throw new UsageError(
    `The source ${source} runs ${engine}, which snapclone does not clone as engine ${kind}. Nothing was changed.`,
    hint,
  );
}

/**
 * The longest master password each engine takes (ModifyDBInstance MasterUserPassword "Length Constraints" in
 * the RDS API reference; ModifyDBCluster says 8 to 41 for every cluster). An engine not listed gets 30, the
 * shortest of them.
 */
const MAX_PASSWORD: Record<string, number> = {
  mysql: 41,
  mariadb: 41,
  postgres: 128,
  'aurora-mysql': 41,
  'aurora-postgresql': 41,
};

/** The length of a generated master password for an engine: 32, or less where the engine takes less. */
export const passwordLengthFor = (engine: string | undefined): number => Math.min(32, MAX_PASSWORD[engine ?? ''] ?? 30);
