"""Record the AWS calls code makes (every botocore client, pynamodb's too) and say which IAM action on
which resource each one needs."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import botocore.client
import botocore.signers

from tests.deploy.cfn import ACCOUNT, REGION

# API operations whose IAM action has another name.
_ACTION_OF = {("s3", "HeadObject"): "GetObject", ("s3", "ListObjectsV2"): "ListBucket",
              ("dynamodb", "TransactGetItems"): "GetItem"}
_TRANSACT_ITEM_ACTIONS = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem",
                          "ConditionCheck": "ConditionCheckItem"}


@dataclass(frozen=True)
class Need:
    """One IAM action on one resource ARN that a call requires."""

    action: str
    resource: str


def _table(name: str, index: str | None = None) -> str:
    arn = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}"
    return f"{arn}/index/{index}" if index else arn


def _dynamodb(operation: str, params: dict) -> list[Need]:
    if operation == "TransactWriteItems":  # not an IAM action: each item needs its own action
        return [Need(f"dynamodb:{_TRANSACT_ITEM_ACTIONS[kind]}", _table(body["TableName"]))
                for item in params["TransactItems"] for kind, body in item.items()]
    if operation in ("BatchGetItem", "BatchWriteItem"):
        return [Need(f"dynamodb:{operation}", _table(name)) for name in params["RequestItems"]]
    if operation == "TransactGetItems":
        return [Need("dynamodb:GetItem", _table(item["Get"]["TableName"])) for item in params["TransactItems"]]
    return [Need(f"dynamodb:{operation}", _table(params["TableName"], params.get("IndexName")))]


def _resource(service: str, operation: str, params: dict) -> list[str]:
    if service == "secretsmanager":
        return [f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{params['SecretId']}-AbCdEf"]
    if service == "events" and operation == "PutEvents":
        buses = {entry.get("EventBusName", "default") for entry in params["Entries"]}
        return [bus if bus.startswith("arn:") else f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/{bus}"
                for bus in sorted(buses)]
    if service == "sqs" and "QueueUrl" in params:
        return [f"arn:aws:sqs:{REGION}:{ACCOUNT}:{params['QueueUrl'].rstrip('/').rsplit('/', 1)[-1]}"]
    if service == "sns" and "TopicArn" in params:
        return [params["TopicArn"]]
    if service == "s3" and "Bucket" in params:
        return [f"arn:aws:s3:::{params['Bucket']}" + (f"/{params['Key']}" if "Key" in params else "")]
    return ["*"]


def _s3_object(url: str, key: str | None = None) -> str:
    """The object ARN of a presigned request's URL: virtual-hosted (``<bucket>.s3.<region>...``) or path-style
    (a custom endpoint: ``<endpoint>/<bucket>/<key>``); a presigned POST's URL is the bucket's, its key a field."""
    parts = urlsplit(url)
    path = unquote(parts.path).lstrip("/")
    if ".s3." in parts.hostname or parts.hostname.endswith(".s3.amazonaws.com"):
        bucket = parts.hostname.split(".s3.")[0]
    else:
        bucket, _, path = path.partition("/")
    return f"arn:aws:s3:::{bucket}/{key if key is not None else path}"


def needs_of(service: str, operation: str, params: dict) -> list[Need]:
    if service == "dynamodb":
        return _dynamodb(operation, params)
    action = f"{service}:{_ACTION_OF.get((service, operation), operation)}"
    return [Need(action, resource) for resource in _resource(service, operation, params)]


@contextlib.contextmanager
def recorded_needs() -> Iterator[list[Need]]:
    """Every IAM need of the AWS calls made inside the block, in call order."""
    needs: list[Need] = []
    original = botocore.client.BaseClient._make_api_call

    def recording(client, operation_name, api_params):
        needs.extend(needs_of(client.meta.service_model.signing_name, operation_name, api_params))
        return original(client, operation_name, api_params)

    botocore.client.BaseClient._make_api_call = recording
    presign_url, presign_post = botocore.signers.RequestSigner.generate_presigned_url, \
        botocore.signers.S3PostPresigner.generate_presigned_post

    def signing_url(signer, request_dict, operation_name, *args, **kwargs):
        """A presigned URL is used with the signer's rights: it needs what the call it stands for needs."""
        if signer.signing_name == "s3":
            needs.append(Need(f"s3:{operation_name}", _s3_object(request_dict["url"])))
        return presign_url(signer, request_dict, operation_name, *args, **kwargs)

    def signing_post(presigner, request_dict, fields=None, *args, **kwargs):
        needs.append(Need("s3:PutObject", _s3_object(request_dict["url"], (fields or {}).get("key", ""))))
        return presign_post(presigner, request_dict, fields, *args, **kwargs)

    botocore.signers.RequestSigner.generate_presigned_url = signing_url
    botocore.signers.S3PostPresigner.generate_presigned_post = signing_post
    try:
        yield needs
    finally:
        botocore.client.BaseClient._make_api_call = original
        botocore.signers.RequestSigner.generate_presigned_url = presign_url
        botocore.signers.S3PostPresigner.generate_presigned_post = presign_post
