"""The local moto server makes conditional writes atomic across threads, as real DynamoDB does."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import boto3
import pytest
import requests

from local.moto_server import MotoServer, SerialisedApp

pytestmark = [pytest.mark.handlers, pytest.mark.slow]

THREADS = 50
STOCK = 20


@pytest.fixture(scope="module")
def dynamodb():
    with MotoServer(port=0) as moto:
        client = boto3.client("dynamodb", region_name="us-east-1", endpoint_url=moto.url)
        client.create_table(
            TableName="stock",
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}],
        )
        yield moto.url


def _race(endpoint: str, write) -> list[bool]:
    """Run ``write(client)`` from THREADS threads released together; True where it succeeded."""
    start = threading.Barrier(THREADS)
    clients = [
        boto3.client("dynamodb", region_name="us-east-1", endpoint_url=endpoint) for _ in range(THREADS)
    ]

    def attempt(client) -> bool:
        start.wait()
        try:
            write(client)
        except client.exceptions.ClientError as error:
            code = error.response["Error"]["Code"]
            assert code in ("ConditionalCheckFailedException", "TransactionCanceledException"), code
            return False
        return True

    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(attempt, clients))


def _stock(endpoint: str, key: str) -> int:
    client = boto3.client("dynamodb", region_name="us-east-1", endpoint_url=endpoint)
    return int(client.get_item(TableName="stock", Key={"PK": {"S": key}})["Item"]["left"]["N"])


def _put_stock(endpoint: str, key: str) -> None:
    client = boto3.client("dynamodb", region_name="us-east-1", endpoint_url=endpoint)
    client.put_item(TableName="stock", Item={"PK": {"S": key}, "left": {"N": str(STOCK)}})


def test_fifty_threads_doing_a_conditional_decrement_never_go_below_zero(dynamodb):
    _put_stock(dynamodb, "dish")
    results = _race(
        dynamodb,
        lambda client: client.update_item(
            TableName="stock",
            Key={"PK": {"S": "dish"}},
            UpdateExpression="SET #left = #left - :one",
            ConditionExpression="#left >= :one",
            ExpressionAttributeNames={"#left": "left"},
            ExpressionAttributeValues={":one": {"N": "1"}},
        ),
    )
    assert results.count(True) == STOCK and _stock(dynamodb, "dish") == 0


def test_fifty_threads_doing_a_conditional_transaction_never_oversell(dynamodb):
    _put_stock(dynamodb, "combo")
    results = _race(
        dynamodb,
        lambda client: client.transact_write_items(
            TransactItems=[
                {
                    "Update": {
                        "TableName": "stock",
                        "Key": {"PK": {"S": "combo"}},
                        "UpdateExpression": "SET #left = #left - :two",
                        "ConditionExpression": "#left >= :two",
                        "ExpressionAttributeNames": {"#left": "left"},
                        "ExpressionAttributeValues": {":two": {"N": "2"}},
                    }
                }
            ]
        ),
    )
    assert results.count(True) == STOCK // 2 and _stock(dynamodb, "combo") == 0


def test_a_cancelled_transaction_leaves_every_item_as_it_was(dynamodb):
    """The server journals the items a transaction names (not a copy of the table): a cancel puts back an
    updated item, removes a created one and restores a deleted one, as DynamoDB's all-or-nothing would."""
    client = boto3.client("dynamodb", region_name="us-east-1", endpoint_url=dynamodb)
    _put_stock(dynamodb, "kept")
    _put_stock(dynamodb, "doomed")
    before = client.scan(TableName="stock")["Items"]
    with pytest.raises(client.exceptions.TransactionCanceledException):
        client.transact_write_items(TransactItems=[
            {"Update": {"TableName": "stock", "Key": {"PK": {"S": "kept"}}, "UpdateExpression": "SET #left = :zero",
                        "ExpressionAttributeNames": {"#left": "left"}, "ExpressionAttributeValues": {":zero": {"N": "0"}}}},
            {"Put": {"TableName": "stock", "Item": {"PK": {"S": "fresh"}, "left": {"N": "1"}}}},
            {"Delete": {"TableName": "stock", "Key": {"PK": {"S": "doomed"}}}},
            {"ConditionCheck": {"TableName": "stock", "Key": {"PK": {"S": "absent"}},
                                "ConditionExpression": "attribute_exists(PK)"}},
        ])
    after = client.scan(TableName="stock")["Items"]
    assert sorted(after, key=str) == sorted(before, key=str)
    assert _stock(dynamodb, "kept") == STOCK and _stock(dynamodb, "doomed") == STOCK


def test_the_server_listens_on_loopback_only(dynamodb):
    assert dynamodb.startswith("http://127.0.0.1:")
    assert requests.get(f"{dynamodb}/moto-api/data.json", timeout=5).status_code == 200


class _SlowApp:
    """A WSGI app that notes how many requests it serves at once."""

    def __init__(self) -> None:
        self.running = 0
        self.most_at_once = 0
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        with self._lock:
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
        threading.Event().wait(0.02)
        with self._lock:
            self.running -= 1
        start_response("200 OK", [])
        return [b"ok"]


def _serve_together(app, environs: list[dict]) -> None:
    start = threading.Barrier(len(environs))

    def call(environ):
        start.wait()
        list(app(environ, lambda *args: None))

    with ThreadPoolExecutor(len(environs)) as pool:
        list(pool.map(call, environs))


def test_the_middleware_serves_one_request_at_a_time():
    inner = _SlowApp()
    _serve_together(SerialisedApp(inner), [{"HTTP_X_AMZ_TARGET": "DynamoDB_20120810.UpdateItem"}] * 10)
    assert inner.most_at_once == 1


def test_sqs_long_polls_do_not_hold_the_lock():
    inner = _SlowApp()
    _serve_together(SerialisedApp(inner), [{"HTTP_X_AMZ_TARGET": "AmazonSQS.ReceiveMessage"}] * 10)
    assert inner.most_at_once > 1
