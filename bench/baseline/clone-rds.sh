#!/usr/bin/env bash
# Clones an RDS DB instance from the AWS Backup recovery point of a given day into the dev network, waits
# until it is available, tags it, and prints its endpoint.
#
#   EXTERNAL_ID=... clone-rds.sh SOURCE_DB_ID YYYY-MM-DD CLONE_ID [TTL_HOURS]
#
# RESTORE_VIA=backup (default): AWS Backup StartRestoreJob with the recovery point's restore metadata,
#   overridden for the dev placement. StartRestoreJob takes no tags: the copy is tagged as soon as the job
#   has made it.
# RESTORE_VIA=rds: AWS Backup's RDS recovery points are RDS snapshots, so RDS restores the recovery point's
#   ARN directly, tagged at creation (needs an aws CLI that knows restore-db-instance-from-db-snapshot
#   --backup-retention-period: aws-cli 1.45 does, Debian's 2.9.19 does not).
# Either way the copy starts with production's master password; once it is available the password is switched
# to an RDS-managed one in Secrets Manager (RestoreDBInstanceFromDBSnapshot's ManageMasterUserPassword applies
# to RDS for Oracle only, so it is a modification afterwards).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

[ $# -ge 3 ] || die "usage: $0 SOURCE_DB_ID YYYY-MM-DD CLONE_ID [TTL_HOURS]"
source_id=$1 day=$2 clone_id=$3 ttl_hours=${4:-8}
: "${RESTORE_VIA:=backup}"
[[ $clone_id == "$CLONE_PREFIX"* ]] || die "clone ids start with $CLONE_PREFIX (the role may only touch those)"
[[ $day =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}$ ]] || die "date must be YYYY-MM-DD"

account=$(cut -d: -f5 <<<"$ROLE_ARN")
source_arn="arn:aws:rds:$AWS_REGION:$account:db:$source_id"
day_start=$(TZ=$BACKUP_TZ date -d "$day" --iso-8601=seconds)
day_end=$(TZ=$BACKUP_TZ date -d "$day + 1 day" --iso-8601=seconds)
expires=$(date -u -d "+$ttl_hours hours" +%Y-%m-%dT%H:%M:%SZ)
owner=${USER:-ci}

assume_operator_role

# The newest completed recovery point of that day, filtered by AWS Backup (one page whatever the history).
point=$(awsc backup list-recovery-points-by-backup-vault --backup-vault-name "$BACKUP_VAULT" \
  --by-resource-arn "$source_arn" --by-created-after "$day_start" --by-created-before "$day_end" \
  --query 'reverse(sort_by(RecoveryPoints[?Status==`COMPLETED`], &CreationDate))[0].RecoveryPointArn' --output text)
[ -n "$point" ] && [ "$point" != None ] || die "no completed recovery point of $source_id on $day ($BACKUP_TZ) in $BACKUP_VAULT"
log "recovery point: $point"

tags=(
  "Key=snapclone:managed,Value=true" "Key=snapclone:clone,Value=$clone_id" "Key=snapclone:owner,Value=$owner"
  "Key=snapclone:source-arn,Value=$source_arn" "Key=snapclone:restore-point,Value=$point"
  "Key=snapclone:expires-at,Value=$expires"
)

instance_available() {
  local status
  status=$(instance_status "$clone_id") || return 1
  log "$clone_id: $status"
  case $status in
    available) return 0 ;;
    failed | incompatible-* | inaccessible-* | storage-full | deleting | stopped | gone) return 2 ;;
    *) return 1 ;;
  esac
}

if [ "$RESTORE_VIA" = rds ]; then
  awsc rds restore-db-instance-from-db-snapshot --db-instance-identifier "$clone_id" \
    --db-snapshot-identifier "$point" --db-instance-class "$INSTANCE_CLASS" \
    --db-subnet-group-name "$SUBNET_GROUP" --vpc-security-group-ids "$SECURITY_GROUP_ID" \
    --no-multi-az --no-publicly-accessible --no-deletion-protection --backup-retention-period 0 \
    --tags "${tags[@]}" >/dev/null
  log "$clone_id: restore started"
else
  # The source's settings as AWS Backup recorded them, moved to the dev network and made small and private.
  metadata=$(awsc backup get-recovery-point-restore-metadata --backup-vault-name "$BACKUP_VAULT" \
    --recovery-point-arn "$point" --query RestoreMetadata |
    jq -c --arg id "$clone_id" --arg class "$INSTANCE_CLASS" --arg subnets "$SUBNET_GROUP" --arg sg "$SECURITY_GROUP_ID" '
      del(.AvailabilityZone) + {
        DBInstanceIdentifier: $id, DBInstanceClass: $class, DBSubnetGroupName: $subnets,
        VpcSecurityGroupIds: ([$sg] | tostring), MultiAZ: "false", PubliclyAccessible: "false",
        DeletionProtection: "false", BackupRetentionPeriod: "0", CopyTagsToSnapshot: "false"
      }')
  job=$(awsc backup start-restore-job --recovery-point-arn "$point" --iam-role-arn "$RESTORE_ROLE_ARN" \
    --resource-type RDS --idempotency-token "$clone_id-$day" --metadata "$metadata" \
    --query RestoreJobId --output text)
  log "restore job: $job"

  job_done() {
    local state
    state=$(awsc backup describe-restore-job --restore-job-id "$job" \
      --query '[Status,PercentDone,CreatedResourceArn]' --output text) || return 1
    log "job $job: $state"
    read -r job_status _ created_arn <<<"$state"
    case $job_status in
      COMPLETED) return 0 ;;
      ABORTED | FAILED) return 2 ;;
      *) return 1 ;;
    esac
  }
  poll "restore job $job" job_done
  awsc rds add-tags-to-resource --resource-name "$created_arn" --tags "${tags[@]}" "Key=snapclone:restore-job,Value=$job"
fi
poll "$clone_id to become available" instance_available

# The copy still has production's master password: replace it with an RDS-managed secret.
awsc rds modify-db-instance --db-instance-identifier "$clone_id" --manage-master-user-password \
  --apply-immediately >/dev/null
password_replaced() {
  local state
  state=$(awsc rds describe-db-instances --db-instance-identifier "$clone_id" \
    --query 'DBInstances[0].[DBInstanceStatus,MasterUserSecret.SecretStatus,Endpoint.Address,Endpoint.Port,MasterUserSecret.SecretArn]' \
    --output text) || return 1
  log "$clone_id: $state"
  read -r status secret_status address port secret_arn <<<"$state"
  [ "$status" = available ] && [ "$secret_status" = active ]
}
poll "$clone_id's managed password" password_replaced

printf '%s\t%s:%s\tpassword in %s\n' "$clone_id" "$address" "$port" "$secret_arn"
log "$clone_id: ready until $expires; delete it with delete-rds.sh $clone_id"
