/**
 * A clone's status as a person reads it: in one case whatever the service (OpenSearch says "Active" or
 * "Deleting", the others "available", "deleting"), and snapclone's own states in words ('no-instance': an
 * Aurora cluster whose writer an interrupted create did not add). The JSON keeps the status as it is
 * (docs/json-output.md).
 */
export function statusLabel(status: string): string {
  if (status === 'no-instance') return 'no writer yet';
  return status.toLowerCase();
}
