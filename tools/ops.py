"""Operator commands for a deployed stack (or the local one: set AWS_ENDPOINT_URL). See docs/operations.md.

    python -m tools.ops dlq --stack diancan-prod                 # depth of every dead-letter queue
    python -m tools.ops peek print --stack diancan-prod          # what the print DLQ holds (not removed)
    python -m tools.ops redrive print --stack diancan-prod       # move print's dead letters back to print
    python -m tools.ops verify-chain sh-jingan --stack diancan-prod  # a store's voucher hash chain
    python -m tools.ops first-owner --login boss --name 王老板 --stack diancan-prod  # once per deployment

A queue is named by its short name (``print`` for ``<stack>-print``); its dead-letter queue is read from
its redrive policy. Re-driving is receive, send to the source queue, then delete: a message is never lost,
and at worst sent twice (the consumers are idempotent per order and event).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass

import boto3


@dataclass(frozen=True)
class QueuePair:
    name: str
    url: str
    dlq_url: str


def _client():
    return boto3.client("sqs", endpoint_url=os.environ.get("AWS_ENDPOINT_URL") or None)


def queue_pair(sqs, stack: str, name: str) -> QueuePair:
    """The queue ``<stack>-<name>`` and its dead-letter queue (from the redrive policy)."""
    url = sqs.get_queue_url(QueueName=f"{stack}-{name}")["QueueUrl"]
    policy = _redrive_policy(sqs, url)
    if not policy:
        raise SystemExit(f"{stack}-{name} has no dead-letter queue")
    dlq_name = json.loads(policy)["deadLetterTargetArn"].rsplit(":", 1)[-1]
    return QueuePair(name, url, sqs.get_queue_url(QueueName=dlq_name)["QueueUrl"])


def _redrive_policy(sqs, url: str) -> str | None:
    answer = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["RedrivePolicy"])
    return answer.get("Attributes", {}).get("RedrivePolicy")


def consumer_queues(sqs, stack: str) -> list[QueuePair]:
    """Every queue of the stack that has a dead-letter queue."""
    urls = sorted(sqs.list_queues(QueueNamePrefix=f"{stack}-").get("QueueUrls", []))
    return [queue_pair(sqs, stack, url.rsplit("/", 1)[-1].removeprefix(f"{stack}-"))
            for url in urls if _redrive_policy(sqs, url)]


def depth(sqs, url: str) -> int:
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
    return int(attributes["Attributes"]["ApproximateNumberOfMessages"])


def peek(sqs, pair: QueuePair, limit: int = 10) -> list[dict]:
    """Summaries of up to ``limit`` dead letters; they become visible again after 30 s."""
    answer = sqs.receive_message(QueueUrl=pair.dlq_url, MaxNumberOfMessages=min(limit, 10), VisibilityTimeout=30,
                                 AttributeNames=["ApproximateReceiveCount", "SentTimestamp"])
    summaries = []
    for message in answer.get("Messages", []):
        try:
            event = json.loads(message["Body"])
            what = {"detail-type": event.get("detail-type"), "order_id": (event.get("detail") or {}).get("order_id")}
        except (ValueError, AttributeError):
            what = {"body": message["Body"][:200]}
        summaries.append({"message_id": message["MessageId"], **what, **message.get("Attributes", {})})
    return summaries


def redrive(sqs, pair: QueuePair, limit: int | None = None) -> int:
    """Move dead letters back to the source queue, at most ``limit``; the number moved."""
    moved = 0
    while limit is None or moved < limit:
        wanted = 10 if limit is None else min(10, limit - moved)
        messages = sqs.receive_message(QueueUrl=pair.dlq_url, MaxNumberOfMessages=wanted, VisibilityTimeout=60,
                                       MessageAttributeNames=["All"]).get("Messages", [])
        if not messages:
            return moved
        sent = sqs.send_message_batch(QueueUrl=pair.url, Entries=[
            {"Id": str(i), "MessageBody": m["Body"], **({"MessageAttributes": m["MessageAttributes"]}
                                                        if m.get("MessageAttributes") else {})}
            for i, m in enumerate(messages)
        ]).get("Successful", [])
        done = [messages[int(entry["Id"])] for entry in sent]
        if done:
            sqs.delete_message_batch(QueueUrl=pair.dlq_url, Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)])
        if len(done) < len(messages):
            raise SystemExit(f"{len(messages) - len(done)} messages could not be sent back; they stay in the DLQ")
        moved += len(done)
    return moved


def _product_on_path(stack: str) -> None:
    """The product's layer importable (as Lambda puts it on the path) and its settings pointed at the stack.

    The product's settings have no defaults for what a deployment sets. The commands here use the table, the
    bus and the secrets, named as serverless.yml names them from the stack; the region is the AWS profile's.
    The rest (bucket, alert topic, outside endpoints) they never touch, so those get a marker that names this
    tool. Variables already in the environment win."""
    from local.functions import layer_python_paths

    for path in map(str, layer_python_paths()):
        if path not in sys.path:
            sys.path.insert(0, path)
    from diancan.settings import REQUIRED_VARIABLES

    region = os.environ.get("AWS_REGION") or boto3.session.Session().region_name or ""
    known = {"AWS_REGION": region, "DIANCAN_TABLE": f"{stack}-main", "DIANCAN_BUS": f"{stack}-bus",
             "DIANCAN_SECRET_PREFIX": f"diancan/{stack}"}
    for name in REQUIRED_VARIABLES:
        os.environ.setdefault(name, known.get(name, "unused-by-tools.ops"))


def verify_store_chain(stack: str, store_id: str) -> dict:
    """The product's own chain check, pointed at ``<stack>-main``, then the chain against the checkpoints anchored
    in ``<stack>``'s Object Lock bucket (a re-sealed chain passes the first and fails the second)."""
    if "DIANCAN_ANCHOR_BUCKET" not in os.environ:  # before the markers: this command does use the bucket
        cfn = boto3.client("cloudformation", endpoint_url=os.environ.get("AWS_ENDPOINT_URL") or None)
        outputs = cfn.describe_stacks(StackName=stack)["Stacks"][0].get("Outputs", [])
        os.environ["DIANCAN_ANCHOR_BUCKET"] = next(o["OutputValue"] for o in outputs
                                                   if o["OutputKey"] == "AnchorBucketName")
    _product_on_path(stack)
    from diancan import bootstrap
    from diancan.adapters.chain_anchors import ChainAnchors
    from diancan.services.payments import verify_chain
    from diancan.services.settlement import verify_anchors

    bootstrap.reset()
    anchors = ChainAnchors(bootstrap.settings().anchor_bucket, bootstrap.settings().region)
    report = {**verify_chain(bootstrap.payment_table(), store_id),
              **verify_anchors(bootstrap.payment_table(), anchors, store_id)}
    return {**report, "intact": report["intact"] and report["anchored_intact"]}


def first_owner(stack: str, login: str, name: str) -> tuple[str, str]:
    """The deployment's first owner in ``<stack>-main``: (staff id, one-time password). A second run is
    refused (FIRST_OWNER_EXISTS) and writes nothing."""
    _product_on_path(stack)
    from diancan import bootstrap
    from diancan.adapters.staff_table import StaffTable
    from diancan.services.staff import create_first_owner

    bootstrap.reset()
    owner, password = create_first_owner(StaffTable(), login, name)
    return owner.staff_id, password


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.ops", description=__doc__.split("\n")[0])
    parser.add_argument("--stack", default=os.environ.get("DIANCAN_STACK", "diancan-dev"),
                        help="stack name, e.g. diancan-prod (default: $DIANCAN_STACK or diancan-dev)")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("dlq", help="depth of every dead-letter queue")
    for name, text in (("peek", "show dead letters of a queue"), ("redrive", "move dead letters back")):
        command = commands.add_parser(name, help=text)
        command.add_argument("queue", help="short queue name: stock, print, courier, ...")
        command.add_argument("--max", type=int, default=None, help="at most this many messages")
    chain = commands.add_parser("verify-chain", help="verify a store's payment voucher hash chain")
    chain.add_argument("store_id")
    owner = commands.add_parser("first-owner", help="create the deployment's first owner (once), print a one-time password")
    owner.add_argument("--login", required=True, help="login name: 2-32 of a-z 0-9 . _ -")
    owner.add_argument("--name", required=True, help="the owner's name as the console shows it")
    args = parser.parse_args(argv)
    if args.command == "first-owner":
        _product_on_path(args.stack)
        from diancan.domain.errors import DomainError

        try:
            staff_id, password = first_owner(args.stack, args.login, args.name)
        except DomainError as refused:
            print(f"refused: {refused.code}: {refused.message_en}", file=sys.stderr)
            return 1
        print(f"first owner {staff_id} created. One-time password (shown once; the console asks for a new one "
              f"at the first login):\n{password}")
        return 0
    if args.command == "verify-chain":
        report = verify_store_chain(args.stack, args.store_id)
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return 0 if report["intact"] else 1
    sqs = _client()
    if args.command == "dlq":
        for pair in consumer_queues(sqs, args.stack):
            print(f"{pair.name}: {depth(sqs, pair.dlq_url)} dead letters")
        return 0
    pair = queue_pair(sqs, args.stack, args.queue)
    if args.command == "peek":
        print(json.dumps(peek(sqs, pair, args.max or 10), ensure_ascii=False, indent=2))
    else:
        print(f"moved {redrive(sqs, pair, args.max)} messages from {args.queue}'s DLQ back to {args.queue}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
