#!/usr/bin/env bash
# Deletes a clone made by clone-rds.sh (no final snapshot, no retained backups) and waits until it is gone.
#
#   EXTERNAL_ID=... delete-rds.sh CLONE_ID
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

[ $# -eq 1 ] || die "usage: $0 CLONE_ID"
clone_id=$1
[[ $clone_id == "$CLONE_PREFIX"* ]] || die "only clones ($CLONE_PREFIX*) are deleted"

assume_operator_role

awsc rds delete-db-instance --db-instance-identifier "$clone_id" --skip-final-snapshot \
  --delete-automated-backups >/dev/null
log "$clone_id: deleting"

instance_gone() {
  local status
  status=$(instance_status "$clone_id") || return 1
  log "$clone_id: $status"
  [ "$status" = gone ]
}
poll "$clone_id to be deleted" instance_gone
log "$clone_id: deleted"
