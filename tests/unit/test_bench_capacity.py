"""The bench's DynamoDB request units (bench/capacity.py) follow on-demand billing's rules."""

from __future__ import annotations

import pytest

from bench import capacity

pytestmark = pytest.mark.unit


def _item(pk: str, sk: str, payload: int = 0, **more) -> dict:
    return {"PK": {"S": pk}, "SK": {"S": sk}, **({"blob": {"S": "x" * payload}} if payload else {}), **more}


def test_item_size_is_names_plus_values():
    assert capacity.item_size(_item("A", "B")) == len("PK") + 1 + len("SK") + 1
    assert capacity.value_size({"N": "12345"}) == 4  # ≈ 1 byte per 2 significant digits + 1
    assert capacity.value_size({"M": {"a": {"S": "xy"}}}) == 3 + 1 + 2 + 1
    assert capacity.value_size({"S": "点餐"}) == 6  # UTF-8 bytes


def test_reads_round_up_per_4_kb_and_halve_when_eventually_consistent():
    small, big = _item("A", "B", 100), _item("A", "C", 5000)
    assert capacity.read_units("GetItem", {"ConsistentRead": True}, {"Item": small}) == 1
    assert capacity.read_units("GetItem", {}, {"Item": big}) == 1  # 2 × 0.5
    assert capacity.read_units("GetItem", {}, {}) == 0.5  # a miss still costs
    # a Query is billed once on the summed size, and on what the filter dropped too
    query = capacity.read_units("Query", {"ConsistentRead": True}, {"Items": [small] * 3, "ScannedCount": 60})
    assert query == 2  # 60 × ~117 B ≈ 7 KB


def test_writes_bill_the_larger_image_per_kb_twice_in_a_transaction_and_once_more_per_index():
    before, after = _item("A", "B", 1500), _item("A", "B", 100)
    named = {"TableName": "t", "Key": {"PK": {"S": "A"}, "SK": {"S": "B"}}}
    fetched = iter([before, after])
    answer, units = capacity.write_units("UpdateItem", named, lambda: {"ok": 1}, lambda t, k: next(fetched))
    assert answer == {"ok": 1} and units == 2  # max(1.5 KB, 0.1 KB) → 2 WRU

    indexed = _item("A", "B", 100, GSI1PK={"S": "g"}, GSI1SK={"S": "1"})
    moved = _item("A", "B", 100, GSI1PK={"S": "g"}, GSI1SK={"S": "2"})
    fetched = iter([indexed, moved])
    _, units = capacity.write_units("TransactWriteItems", {"TransactItems": [{"Update": named}]}, dict,
                                    lambda t, k: next(fetched))
    assert units == 2 + 1 + 1  # transactional table write, the new index entry, the old one removed
