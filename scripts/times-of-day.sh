#!/usr/bin/env bash
# The suites whose dates depend on "now", run at fixed instants chosen where a date can go wrong: half a
# minute before midnight in Tokyo (the default zone), the hour at which a gap test once failed, and just after
# midnight in Tokyo at the end of a month. Each run pins the in-process sandboxes' clock (SNAPCLONE_TEST_NOW) and, with Debian's faketime, the
# wall clock of every process the suites start, to the same instant. Part of `npm test`.
set -euo pipefail
cd "$(dirname "$0")/.."
SUITES=(
  test/cli/history.test.ts test/cli/points.test.ts test/cli/create.test.ts test/cli/core.test.ts test/cli/sets.test.ts
  test/sandbox/backup.test.ts test/sandbox/rds-backups.test.ts test/sandbox/elasticache.test.ts
)
INSTANTS=("2026-11-20 14:59:30" "2026-11-20 20:25:00" "2027-02-28 15:00:30")
if ! command -v faketime >/dev/null 2>&1; then
  echo "times of day: faketime is not installed (Debian package faketime); the suites run at the pinned instants in-process only"
fi
for instant in "${INSTANTS[@]}"; do
  iso="${instant/ /T}Z"
  echo "times of day: ${#SUITES[@]} date-dependent suites at $iso"
  if command -v faketime >/dev/null 2>&1; then
    # An offset, not "@instant": every process the suites start sees the same clock, not its own restart at it.
    offset=$(($(date -u -d "$instant" +%s) - $(date -u +%s)))
    [ "$offset" -ge 0 ] && offset="+$offset"
    SNAPCLONE_TEST_NOW="$iso" faketime -f "${offset}s" npx vitest run --reporter=dot "${SUITES[@]}"
  else
    SNAPCLONE_TEST_NOW="$iso" npx vitest run --reporter=dot "${SUITES[@]}"
  fi
done
