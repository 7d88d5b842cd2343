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


def test_readers_never_see_a_transaction_half_applied_or_one_that_was_cancelled(dynamodb):
    """Transactions set two items to the same value, half of them cancelled by a failing check; readers take
    both items in one BatchGetItem the whole time. DynamoDB never shows one without the other: neither may
    the server, whose reads run together but never beside a write (and whose journal puts back a cancel)."""
    client = boto3.client("dynamodb", region_name="us-east-1", endpoint_url=dynamodb)
    for key in ("left-twin", "right-twin"):
        client.put_item(TableName="stock", Item={"PK": {"S": key}, "v": {"N": "0"}})
    done, seen = threading.Event(), []

    def write(n: int) -> None:
        writer = boto3.client("dynamodb", region_name="us-east-1", endpoint_url=dynamodb)
        check = "attribute_exists(PK)" if n % 2 else "attribute_not_exists(PK)"  # odd ones cancel
        twins = [{"Update": {"TableName": "stock", "Key": {"PK": {"S": key}}, "UpdateExpression": "SET v = :v",
                             "ExpressionAttributeValues": {":v": {"N": str(n)}}}} for key in ("left-twin", "right-twin")]
        try:
            writer.transact_write_items(TransactItems=[*twins, {"ConditionCheck": {
                "TableName": "stock", "Key": {"PK": {"S": "combo-absent"}}, "ConditionExpression": check}}])
        except writer.exceptions.TransactionCanceledException:
            assert n % 2

    def read() -> None:
        reader = boto3.client("dynamodb", region_name="us-east-1", endpoint_url=dynamodb)
        while not done.is_set():
            items = reader.batch_get_item(RequestItems={"stock": {"Keys": [{"PK": {"S": "left-twin"}},
                                                                           {"PK": {"S": "right-twin"}}]}})
            seen.append(tuple(sorted(int(i["v"]["N"]) for i in items["Responses"]["stock"])))

    readers = [threading.Thread(target=read) for _ in range(4)]
    for thread in readers:
        thread.start()
    try:
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(write, range(1, 81)))
    finally:
        done.set()
        for thread in readers:
            thread.join()
    assert seen and all(left == right and left % 2 == 0 for left, right in seen), sorted(set(seen))


class _SlowApp:
    """A WSGI app that notes how many requests it serves at once, and how many writes beside anything."""

    def __init__(self) -> None:
        self.running = 0
        self.most_at_once = 0
        self.write_beside_another = False
        self._writes = 0
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        write = not environ.get("HTTP_X_AMZ_TARGET", "").endswith(("GetItem", "Query"))
        with self._lock:
            self.running += 1
            self._writes += write
            self.most_at_once = max(self.most_at_once, self.running)
            self.write_beside_another |= self._writes > 0 and self.running > 1
        threading.Event().wait(0.02)
        with self._lock:
            self.running -= 1
            self._writes -= write
        start_response("200 OK", [])
        return [b"ok"]


def _serve_together(app, environs: list[dict]) -> None:
    start = threading.Barrier(len(environs))

    def call(environ):
        start.wait()
        list(app(environ, lambda *args: None))

    with ThreadPoolExecutor(len(environs)) as pool:
        list(pool.map(call, environs))


def _dynamodb(operation: str) -> dict:
    return {"HTTP_X_AMZ_TARGET": f"DynamoDB_20120810.{operation}"}


def test_the_middleware_runs_dynamodb_writes_one_at_a_time():
    inner = _SlowApp()
    _serve_together(SerialisedApp(inner), [_dynamodb("UpdateItem"), _dynamodb("TransactWriteItems")] * 5)
    assert inner.most_at_once == 1


def test_dynamodb_reads_run_together_but_never_beside_a_write():
    reads = _SlowApp()
    _serve_together(SerialisedApp(reads), [_dynamodb("GetItem"), _dynamodb("Query")] * 5)
    assert reads.most_at_once > 1
    mixed = _SlowApp()
    _serve_together(SerialisedApp(mixed), [_dynamodb("GetItem")] * 8 + [_dynamodb("PutItem")] * 4)
    assert not mixed.write_beside_another


def test_other_services_take_turns_among_themselves_but_do_not_wait_for_dynamodb():
    inner = _SlowApp()
    _serve_together(SerialisedApp(inner), [{"HTTP_X_AMZ_TARGET": "AWSEvents.PutEvents"},
                                           {"HTTP_X_AMZ_TARGET": "AmazonSQS.SendMessage"}] * 3)
    assert inner.most_at_once == 1
    beside = _SlowApp()
    _serve_together(SerialisedApp(beside), [_dynamodb("TransactWriteItems"), {"HTTP_X_AMZ_TARGET": "AmazonSQS.SendMessage"}])
    assert beside.most_at_once == 2


def test_sqs_long_polls_do_not_hold_the_lock():
    inner = _SlowApp()
    _serve_together(SerialisedApp(inner), [{"HTTP_X_AMZ_TARGET": "AmazonSQS.ReceiveMessage"}] * 10)
    assert inner.most_at_once > 1


def test_items_sorted_on_converted_keys_come_in_moto_s_own_order():
    """keys_sorted_once (applied by tests/conftest.py and the server) keeps moto's order of a table's items."""
    import random

    from moto.dynamodb.models.dynamo_type import DynamoType, Item

    rng = random.Random(7)
    keys = {(rng.choice(["STORE#a", "STORE#b", "ORDER#1", "ORDER#10", "ORDER#9", "é", "Z"]),
             rng.choice(["", "A", "a", "DISH#2", "DISH#10", "STATS#2026-12-05", "ä"]) + str(rng.randrange(30)))
            for _ in range(300)}
    items = [Item(DynamoType({"S": pk}), DynamoType({"S": sk}), {"PK": {"S": pk}, "SK": {"S": sk}})
             for pk, sk in keys]
    rng.shuffle(items)
    table = type("TableOfItems", (), {"range_key_attr": "SK", "items": {}})()
    for item in items:
        table.items.setdefault(item.hash_key, {})[item.range_key] = item
    from moto.dynamodb.models.table import Table

    from local.moto_server import keys_sorted_once

    keys_sorted_once()
    assert Table.all_items.__module__ == "local.moto_server"
    moto_order = sorted(items, key=lambda x: (x.hash_key, x.range_key) if x.range_key else x.hash_key)
    assert Table.all_items(table) == moto_order
    assert [(i.hash_key.value, i.range_key.value) for i in Table.all_items(table)] == sorted(keys)


def test_item_answers_as_json_are_what_moto_s_serializer_answers(monkeypatch):
    """item_results_as_json (tests/conftest.py, the server) answers every attribute type as moto's serializer
    does: both made and compared (its check mode) for each item operation."""
    import moto
    from moto.dynamodb.responses import DynamoResult

    from local import moto_server

    monkeypatch.setattr(DynamoResult, "execute_result", DynamoResult.execute_result)  # put back after the test
    monkeypatch.setenv("DIANCAN_MOTO_CHECK_JSON", "1")
    moto_server.item_results_as_json()  # again, in check mode: answers both ways and fails on a difference
    item = {"PK": {"S": "K#1"}, "SK": {"S": "A"}, "s": {"S": "点餐"}, "n": {"N": "-12.50"}, "b": {"B": b"\x00\xff"},
            "ss": {"SS": ["a", "b"]}, "ns": {"NS": ["1", "2"]}, "bs": {"BS": [b"\x01"]}, "t": {"BOOL": True},
            "z": {"NULL": True}, "l": {"L": [{"S": "x"}, {"N": "1"}]}, "m": {"M": {"k": {"L": []}}}}
    with moto.mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(TableName="t", BillingMode="PAY_PER_REQUEST",
                            AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"},
                                                  {"AttributeName": "SK", "AttributeType": "S"}],
                            KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"},
                                       {"AttributeName": "SK", "KeyType": "RANGE"}])
        client.put_item(TableName="t", Item=item, ReturnConsumedCapacity="TOTAL")
        key = {"PK": item["PK"], "SK": item["SK"]}
        assert client.get_item(TableName="t", Key=key, ReturnConsumedCapacity="TOTAL")["Item"] == item
        assert client.query(TableName="t", KeyConditionExpression="PK = :p",
                            ExpressionAttributeValues={":p": item["PK"]})["Items"] == [item]
        assert client.batch_get_item(RequestItems={"t": {"Keys": [key]}})["Responses"]["t"] == [item]
        client.transact_write_items(TransactItems=[{"Update": {"TableName": "t", "Key": key,
                                                               "UpdateExpression": "SET n = n + :one",
                                                               "ExpressionAttributeValues": {":one": {"N": "1"}}}}])
        updated = client.update_item(TableName="t", Key=key, UpdateExpression="REMOVE z", ReturnValues="ALL_OLD")
        assert float(updated["Attributes"]["n"]["N"]) == -11.5
        assert client.delete_item(TableName="t", Key=key, ReturnValues="ALL_OLD")["Attributes"]["s"] == {"S": "点餐"}
