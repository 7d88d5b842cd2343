"""stock_decrement and the stock/menu services against moto: deduct once, give back once, alerts once,
sold-out flags, the store's decision on a shortfall, combos, and a ledger that adds up."""

from __future__ import annotations

import json

import boto3
import pytest

from tests.conftest import FakeContext, handler_of
from tests.stock_fixtures import STORE, bus_event, place, sqs_batch

pytestmark = pytest.mark.handlers
XLB = [{"dish_id": "d-xiaolongbao", "qty": 1}]  # 40 g crab + 120 g pork; demo crab: 120 g, threshold 80 g


class FakeRefunds:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def request_full_refund(self, order_id: str, reason: str) -> None:
        self.calls.append((order_id, reason))


@pytest.fixture
def stocked(demo_chain, monkeypatch):
    """Demo chain and demo stock; alerts go to the stack's topic, which an SQS queue listens to."""
    from diancan import bootstrap
    from local import demo_stock

    monkeypatch.setenv("DIANCAN_ALERT_TOPIC_ARN", demo_chain.alert_topic_arn)
    bootstrap.reset()
    sqs = boto3.client("sqs")
    inbox = sqs.create_queue(QueueName="alert-inbox")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=inbox, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    boto3.client("sns").subscribe(TopicArn=demo_chain.alert_topic_arn, Protocol="sqs", Endpoint=arn,
                                  Attributes={"RawMessageDelivery": "true"})
    demo_stock.load()
    return inbox


def alerts_sent(inbox: str) -> list[dict]:
    sqs = boto3.client("sqs")
    messages = sqs.receive_message(QueueUrl=inbox, MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(m["Body"]) for m in messages]


def run(*events: dict) -> dict:
    return handler_of("stock_decrement")(sqs_batch(*events), FakeContext())


def crab() -> int:
    from diancan import bootstrap

    return bootstrap.stock_table().ingredient(STORE, "crab").quantity


def assert_ledgers_add_up() -> None:
    from diancan import bootstrap
    from diancan.domain.stock import ledger_explains

    store = bootstrap.stock_table()
    for ingredient in store.ingredients(STORE).values():
        assert ledger_explains(ingredient, store.ledger(STORE, ingredient.ingredient_id)), ingredient.ingredient_id


def test_a_paid_order_deducts_its_recipe_once_however_often_the_event_comes(stocked):
    from diancan import bootstrap

    order = place(bootstrap.repository(), [{"dish_id": "d-xiaolongbao", "qty": 2}])
    paid = bus_event("OrderPaid", order)
    assert run(paid, paid) == {"batchItemFailures": []}
    assert run(paid) == {"batchItemFailures": []}
    assert crab() == 120 - 2 * 40
    assert bootstrap.stock_table().ingredient(STORE, "pork").quantity == 30_000 - 2 * 120
    assert_ledgers_add_up()


def test_a_deduction_reads_the_order_with_its_issue_in_one_query_and_re_reads_the_store_in_two(stocked):
    """Regression guard of the bench count: order + STOCK_ISSUE (one Query), ingredients, one transaction, then
    menu with ingredients and open alerts (two Queries) — no GetItem."""
    from bench.calls import recorded_calls
    from diancan import bootstrap

    order = place(bootstrap.repository(), XLB)
    with recorded_calls() as log:
        assert run(bus_event("OrderPaid", order)) == {"batchItemFailures": []}
    calls = log.dynamodb()
    assert (calls["Query"], calls["TransactWriteItems"], calls["GetItem"]) == (4, 1, 0)
    assert crab() == 120 - 40


def test_options_add_their_ingredients(stocked):
    from diancan import bootstrap

    order = place(bootstrap.repository(), [{"dish_id": "d-beef-noodle", "qty": 1,
                                            "options": ["portion-large", "extra-egg", "spicy-none"]}])
    run(bus_event("OrderPaid", order))
    stock = bootstrap.stock_table().ingredients(STORE)
    assert (stock["noodle"].quantity, stock["egg"].quantity, stock["beef"].quantity) == (25_000 - 300, 299, 14_900)


def test_cancel_or_refund_before_cooking_gives_back_once_and_nothing_when_nothing_was_deducted(stocked):
    from diancan import bootstrap

    repository = bootstrap.repository()
    order = place(repository, XLB)
    run(bus_event("OrderPaid", order))
    refunded = bus_event("OrderRefunded", order, full=True, food_made=False)
    run(refunded, refunded)
    assert crab() == 120
    never_paid = place(repository, XLB, pay=False)
    run(bus_event("OrderCancelled", never_paid, paid=False))
    assert crab() == 120
    assert_ledgers_add_up()


def test_a_refund_after_the_food_was_made_gives_nothing_back(stocked):
    from diancan import bootstrap

    order = place(bootstrap.repository(), XLB)
    run(bus_event("OrderPaid", order), bus_event("OrderRefunded", order, full=True, food_made=True))
    assert crab() == 80


def test_the_threshold_alert_fires_once_and_the_dish_turns_sold_out_then_comes_back(stocked):
    from diancan import bootstrap

    repository, stock = bootstrap.repository(), bootstrap.stock()
    for _ in range(3):
        run(bus_event("OrderPaid", place(repository, XLB)))
    assert crab() == 0
    sent = alerts_sent(stocked)
    assert [(a["kind"], a.get("ingredient_id")) for a in sent] == [("StockLow", "crab")]
    assert sent[0]["quantity"] == 40 and "d-xiaolongbao" in sent[0]["dishes_affected"]
    assert [a["ingredient_id"] for a in stock.open_alerts(STORE)] == ["crab"]
    assert repository.get_dish(STORE, "d-xiaolongbao").sold_out

    stock.restock(STORE, "crab", 1000, by="staff:mgr", ref="delivery-1")
    stock.restock(STORE, "crab", 1000, by="staff:mgr", ref="delivery-1")  # a retried request counts once
    assert crab() == 1000
    assert stock.open_alerts(STORE) == []
    assert not repository.get_dish(STORE, "d-xiaolongbao").sold_out
    assert_ledgers_add_up()


def test_a_shortfall_deducts_nothing_and_waits_for_the_store_which_may_refund(stocked):
    from bench.calls import recorded_calls
    from diancan import bootstrap
    from diancan.domain.stock import IssueStatus
    from diancan.services.stock import StockService

    repository = bootstrap.repository()
    order = place(repository, [{"dish_id": "d-xiaolongbao", "qty": 4}])  # 160 g of crab, 120 g in stock
    assert run(bus_event("OrderPaid", order)) == {"batchItemFailures": []}
    assert crab() == 120
    assert bootstrap.stock_table().ingredient(STORE, "pork").quantity == 30_000
    issues = bootstrap.stock().open_issues(STORE)
    assert [(i["order_id"], i["shortages"]) for i in issues] == [(order.order_id, {"crab": 40})]
    assert any(a["kind"] == "StockIssue" for a in alerts_sent(stocked))
    assert bootstrap.stock_table().issue_of(order.order_id).guest_notice()["status"] == "open"
    with recorded_calls() as log:  # the guest's detail: the order and its issue in one Query (+ the store's
        # open tickets, one GetItem, for the waiting estimate of an order the kitchen has)
        assert bootstrap.guest_orders().detail(order.openid, order.order_id)["stock_issue"]["status"] == "open"
    assert log.dynamodb() == {"Query": 1, "GetItem": 1}
    with recorded_calls() as log:  # a replay finds the issue with the order and deducts nothing
        assert run(bus_event("OrderPaid", order)) == {"batchItemFailures": []}
    assert log.dynamodb() == {"Query": 1}

    refunds = FakeRefunds()
    service = StockService(repository, bootstrap.stock_table(), bootstrap.menu_table(), bootstrap.alerts(),
                           refunds=refunds)
    decided = service.decide(order.order_id, IssueStatus.REFUND_REQUESTED, by="staff:mgr")
    assert service.decide(order.order_id, IssueStatus.REFUND_REQUESTED, by="staff:mgr") == decided
    assert refunds.calls == [(order.order_id, "stock_shortage")]
    assert service.open_issues(STORE) == []
    run(bus_event("OrderRefunded", order, full=True, food_made=False))
    assert crab() == 120
    assert_ledgers_add_up()


def test_a_stock_take_replaces_the_book_quantity_and_records_the_loss(stocked):
    from diancan import bootstrap
    from diancan.domain.stock import Movement

    stock = bootstrap.stock()
    assert stock.stock_take(STORE, "crab", 100, by="staff:mgr").quantity == 100
    entries = stock.ledger(STORE, "crab")
    assert [(e.movement, e.delta) for e in entries][-1] == (Movement.STOCKTAKE, -20)
    assert [a["ingredient_id"] for a in stock.open_alerts(STORE)] == []
    assert_ledgers_add_up()


def test_a_combo_deducts_every_part_and_follows_recipe_edits(stocked):
    from diancan import bootstrap

    admin, repository = bootstrap.menu_admin(), bootstrap.repository()
    combo = admin.define_combo(STORE, "c-xlb-set", name="小笼套餐", category_id="dim", price_fen=4500,
                               parts={"d-xiaolongbao": 1, "d-rice": 2, "d-pai-huanggua": 1})
    assert combo.recipe == {"crab": 40, "pork": 120, "rice": 300, "cucumber": 250}
    assert any(d.dish_id == "c-xlb-set" for d in repository.load_menu(STORE).dishes)
    run(bus_event("OrderPaid", place(repository, [{"dish_id": "c-xlb-set", "qty": 1}])))
    stock = bootstrap.stock_table().ingredients(STORE)
    assert (stock["crab"].quantity, stock["rice"].quantity, stock["cucumber"].quantity) == (80, 49_700, 9_750)
    admin.edit_recipe(STORE, "d-rice", {"rice": 200})
    assert repository.get_dish(STORE, "c-xlb-set").recipe["rice"] == 400
    assert_ledgers_add_up()


def test_menu_changes_are_visible_to_the_next_menu_read(stocked):
    from diancan import bootstrap

    admin, repository = bootstrap.menu_admin(), bootstrap.repository()
    admin.set_on_shelf(STORE, "d-mapo", False)
    admin.set_price(STORE, "d-qingcai", 2000)
    admin.set_daily_portions(STORE, "d-qingcai", 5)
    dishes = {d.dish_id: d for d in repository.load_menu(STORE).dishes}
    assert not dishes["d-mapo"].on_shelf
    assert (dishes["d-qingcai"].price_fen, dishes["d-qingcai"].portions_left) == (2000, 5)
    place(repository, [{"dish_id": "d-qingcai", "qty": 2}])
    assert repository.get_dish(STORE, "d-qingcai").portions_left == 3
    assert "d-qingcai" in admin.reset_all_stores()[STORE]
    assert repository.get_dish(STORE, "d-qingcai").portions_left == 5


def test_a_record_that_fails_is_reported_alone(stocked):
    from diancan import bootstrap

    order = place(bootstrap.repository(), XLB)
    missing = bus_event("OrderPaid", order)
    missing["detail"]["order_id"] = "NO-SUCH-ORDER"
    answer = run(bus_event("OrderPaid", order), missing)
    assert answer == {"batchItemFailures": [{"itemIdentifier": "msg-1"}]}
    assert crab() == 80
