# Shared by clone-rds.sh and delete-rds.sh: settings, the assume-role step, a polling helper.
# Sourced, not run. Every setting can be overridden from the environment; the defaults are the team's
# (here: the sandbox scenario's account, see sandbox/scenario/constants.ts).

: "${AWS_REGION:=ap-northeast-1}"
: "${ROLE_ARN:=arn:aws:iam::123456789012:role/snapclone-operator}"
: "${EXTERNAL_ID:?set EXTERNAL_ID to the external id of ROLE_ARN}"
: "${BACKUP_VAULT:=Default}"
: "${RESTORE_ROLE_ARN:=arn:aws:iam::123456789012:role/snapclone-backup-restore}"
: "${SUBNET_GROUP:=snapclone-dev}"
: "${SECURITY_GROUP_ID:=sg-0d0e0f1011121314a}"
: "${INSTANCE_CLASS:=db.t4g.micro}"
: "${CLONE_PREFIX:=snapclone-}"
# Time zone the --date of a backup is read in (the team's day, not UTC).
: "${BACKUP_TZ:=Asia/Tokyo}"
# Seconds between two polls, like the aws CLI's own RDS waiters (30 s), and how long a wait may last.
: "${POLL_SECONDS:=30}"
: "${WAIT_TIMEOUT_SECONDS:=7200}"
# An alternative endpoint (a local emulator); empty for AWS itself.
: "${ENDPOINT_URL:=}"

export AWS_REGION AWS_DEFAULT_REGION="$AWS_REGION" AWS_DEFAULT_OUTPUT=json AWS_PAGER=""
ENDPOINT_ARGS=()
[ -n "$ENDPOINT_URL" ] && ENDPOINT_ARGS=(--endpoint-url "$ENDPOINT_URL")

log() { printf '%(%H:%M:%S)T %s\n' -1 "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Every aws call goes through here, for the endpoint (if any).
awsc() { aws "${ENDPOINT_ARGS[@]}" "$@"; }

# Assumes the operator role with the external id and exports the temporary credentials, so every later call
# in this script runs with the role's permissions only.
assume_operator_role() {
  local session="baseline-${USER:-ci}-$$"
  local creds
  creds=$(awsc sts assume-role --role-arn "$ROLE_ARN" --role-session-name "$session" \
    --external-id "$EXTERNAL_ID" --duration-seconds 3600 \
    --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' --output text) || die "cannot assume $ROLE_ARN"
  read -r AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN <<<"$creds"
  export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN
}

# poll WHAT COMMAND...: runs COMMAND every POLL_SECONDS until it exits 0 (done); exit 2 means "failed for good",
# anything else "not yet". Gives up after WAIT_TIMEOUT_SECONDS.
poll() {
  local what=$1; shift
  local deadline=$((SECONDS + WAIT_TIMEOUT_SECONDS)) rc
  while :; do
    rc=0; "$@" || rc=$?
    [ "$rc" -eq 0 ] && return 0
    [ "$rc" -eq 2 ] && die "$what failed"
    [ "$SECONDS" -ge "$deadline" ] && die "timed out waiting for $what"
    sleep "$POLL_SECONDS"
  done
}

# The status of a DB instance, or "gone" when RDS no longer knows it (any other error stops the script).
instance_status() {
  local out
  if out=$(awsc rds describe-db-instances --db-instance-identifier "$1" \
    --query 'DBInstances[0].DBInstanceStatus' --output text 2>&1); then
    echo "$out"
  elif [[ $out == *DBInstanceNotFound* ]]; then
    echo gone
  else
    log "$out"; return 1
  fi
}
