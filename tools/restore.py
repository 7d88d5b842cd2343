"""Restore the table to a new one and point a stage at it (docs/operations.md, "Restoring the table").

    python -m tools.restore --stack diancan-prod --to 2026-12-04T10:15:00+08:00            # point in time
    python -m tools.restore --stack diancan-prod --latest                                 # newest restorable
    python -m tools.restore --stack diancan-prod --backup-arn arn:aws:dynamodb:...:backup/...
    python -m tools.restore --stack diancan-prod --latest --repoint                        # ... and switch

DynamoDB restores only into a new table: it keeps the keys, indexes, billing mode and encryption, and
drops TTL, point-in-time recovery, tags and alarms, which this command sets again (TTL on ``expires_at``,
PITR on). The stage reads its table name from the stack parameter ``RestoredTableName`` (serverless.yml
stage param ``restoredTableName``): ``--repoint`` updates the deployed stack with that parameter and the
same template, so every function's DIANCAN_TABLE and every IAM grant move to the restored table in one
CloudFormation update. Then set ``restoredTableName`` for the stage in serverless.yml (and commit), or the
next ``serverless deploy`` points the stage back at its old table.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from datetime import UTC, datetime

import boto3

PARAMETER = "RestoredTableName"


@dataclass(frozen=True)
class Restored:
    source: str
    target: str
    restored_to: str  # the instant (ISO) or the backup ARN


def _client(service: str):
    return boto3.client(service, endpoint_url=os.environ.get("AWS_ENDPOINT_URL") or None)


def current_table(cfn, stack: str) -> str:
    """The table the stage uses now: its restored table if it was pointed at one, else ``<stack>-main``."""
    parameters = cfn.describe_stacks(StackName=stack)["Stacks"][0].get("Parameters", [])
    restored = next((p.get("ParameterValue", "") for p in parameters if p["ParameterKey"] == PARAMETER), "")
    return restored or f"{stack}-main"


def restore(dynamodb, source: str, target: str, *, to: datetime | None = None, backup_arn: str | None = None,
            wait_seconds: int = 3600) -> Restored:
    """Restore ``source`` (at ``to``, or its latest restorable time) or ``backup_arn`` into the new table
    ``target``; wait until it is ACTIVE, then turn TTL and point-in-time recovery on again."""
    if backup_arn:
        dynamodb.restore_table_from_backup(TargetTableName=target, BackupArn=backup_arn)
        restored_to = backup_arn
    elif to is not None:
        dynamodb.restore_table_to_point_in_time(SourceTableName=source, TargetTableName=target, RestoreDateTime=to)
        restored_to = to.isoformat()
    else:
        dynamodb.restore_table_to_point_in_time(SourceTableName=source, TargetTableName=target,
                                                UseLatestRestorableTime=True)
        restored_to = "latest"
    delay = 20
    dynamodb.get_waiter("table_exists").wait(TableName=target,
                                             WaiterConfig={"Delay": delay, "MaxAttempts": max(1, wait_seconds // delay)})
    dynamodb.update_time_to_live(TableName=target,
                                 TimeToLiveSpecification={"AttributeName": "expires_at", "Enabled": True})
    dynamodb.update_continuous_backups(TableName=target,
                                       PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
    return Restored(source, target, restored_to)


def repoint(cfn, stack: str, table: str) -> None:
    """Update the deployed stack, same template, with ``RestoredTableName`` = ``table`` ("" = its own
    table again); every other parameter keeps its value."""
    parameters = cfn.describe_stacks(StackName=stack)["Stacks"][0].get("Parameters", [])
    values = [{"ParameterKey": p["ParameterKey"], "UsePreviousValue": True}
              for p in parameters if p["ParameterKey"] != PARAMETER]
    cfn.update_stack(StackName=stack, UsePreviousTemplate=True,
                     Parameters=[*values, {"ParameterKey": PARAMETER, "ParameterValue": table}],
                     Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"])


def default_target(stack: str, now: datetime | None = None) -> str:
    return f"{stack}-main-r{(now or datetime.now(UTC)).strftime('%Y%m%d%H%M')}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.restore", description=__doc__.split("\n")[0])
    parser.add_argument("--stack", required=True, help="stack name, e.g. diancan-prod")
    when = parser.add_mutually_exclusive_group(required=True)
    when.add_argument("--to", type=datetime.fromisoformat, help="restore the table as it was then (ISO, with offset)")
    when.add_argument("--latest", action="store_true", help="restore the newest restorable state (~5 min ago)")
    when.add_argument("--backup-arn", help="restore an on-demand backup instead")
    parser.add_argument("--target", help="new table name (default <stack>-main-r<UTC yyyymmddhhmm>)")
    parser.add_argument("--repoint", action="store_true", help="then point the stage at the new table")
    args = parser.parse_args(argv)
    if args.to is not None and args.to.tzinfo is None:
        parser.error("--to needs an offset, e.g. 2026-12-04T10:15:00+08:00")
    cfn, dynamodb = _client("cloudformation"), _client("dynamodb")
    source = current_table(cfn, args.stack)
    done = restore(dynamodb, source, args.target or default_target(args.stack), to=args.to,
                   backup_arn=args.backup_arn)
    print(f"restored {done.source} ({done.restored_to}) into {done.target}: ACTIVE, TTL and PITR on")
    if args.repoint:
        repoint(cfn, args.stack, done.target)
        print(f"updating {args.stack} to use {done.target}; wait for UPDATE_COMPLETE, then set "
              f"restoredTableName: {done.target} for the stage in serverless.yml and commit")
    else:
        print(f"to switch: python -m tools.restore ... --repoint, or npx serverless deploy --stage <stage> "
              f"--param=\"restoredTableName={done.target}\"")
    return 0


if __name__ == "__main__":
    sys.exit(main())
