"""The guest's "ready for pickup" WeChat message: the subscribe-message adapter against the WeChat simulator on
loopback, and the guest_notify consumer on the real SQS event shape (events/guest_notify), once per order."""

from __future__ import annotations

import json
import urllib.request

import pytest

from local.serve import serving
from local.simulators.wechat import WeChatSimulator, create_app
from local.world import LOCAL_READY_TEMPLATE
from tests.conftest import TEST_SECRETS, FakeContext, handler_of, load_event
from tests.handlers.test_print_dispatch import paid_order

pytestmark = pytest.mark.handlers
TEMPLATE_ID = LOCAL_READY_TEMPLATE["template_id"]
KEYS = frozenset(LOCAL_READY_TEMPLATE["fields"].values())


@pytest.fixture
def sim():
    return WeChatSimulator(appid=TEST_SECRETS["wechat"]["appid"], secret=TEST_SECRETS["wechat"]["app_secret"],
                           templates={TEMPLATE_ID: KEYS})


@pytest.fixture
def wechat(aws, sim, monkeypatch):
    """The simulator on loopback, the product pointed at it; its base URL."""
    from diancan import bootstrap

    with serving(create_app(sim)) as server:
        monkeypatch.setenv("WECHAT_API_BASE", server.base_url)
        bootstrap.reset()
        yield server.base_url


def control(base_url: str, route: str, body: dict) -> None:
    request = urllib.request.Request(f"{base_url}/_control/{route}", data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    urllib.request.urlopen(request, timeout=5).read()


def message(**data: str):
    from diancan.domain.guest_notices import SubscribeMessage

    values = {"character_string1": "17", "thing2": "静安店", "thing3": "宫保鸡丁×1", "time4": "2026-11-24 12:30",
              "thing5": "请到取餐台取餐", **data}
    return SubscribeMessage(touser="openid-alice", template_id=TEMPLATE_ID, page="pages/index/index?order_id=T1",
                            state="developer", data=values)


def messages_adapter():
    from diancan import bootstrap
    from diancan.adapters.wechat_messages import WeChatSubscribeMessages

    settings = bootstrap.settings()
    return WeChatSubscribeMessages(bootstrap.wechat_access_token(), settings.wechat_api_base, 2.0)


# ---- the adapter ---------------------------------------------------------------------------------------------


def test_a_message_is_sent_with_the_real_protocol_and_answered_with_a_msgid(wechat, sim):
    result = messages_adapter().send(message())
    assert result.outcome == "sent" and result.msgid
    [sent] = sim.messages("openid-alice")
    assert sent["template_id"] == TEMPLATE_ID and sent["lang"] == "zh_CN" and sent["miniprogram_state"] == "developer"
    assert sent["data"]["character_string1"] == "17" and sent["page"] == "pages/index/index?order_id=T1"


def test_a_guest_without_a_subscription_is_an_outcome_not_an_error(wechat, sim):
    control(wechat, "refuse", {"touser": "openid-alice"})
    result = messages_adapter().send(message())
    assert (result.outcome, result.errcode) == ("not_subscribed", 43101)
    assert sim.messages() == []


def test_an_expired_access_token_is_fetched_again_and_the_message_sent_once(wechat, sim):
    adapter = messages_adapter()
    assert adapter.send(message()).outcome == "sent"
    control(wechat, "expire_tokens", {})
    assert adapter.send(message()).outcome == "sent"
    assert len(sim.messages()) == 2 and sim.state()["tokens_issued"] == 2


def test_data_that_breaks_wechats_rules_is_refused_for_good(wechat, sim):
    result = messages_adapter().send(message(thing2="一" * 21))  # thing: at most 20 characters
    assert (result.outcome, result.errcode) == ("refused", 47003)
    assert sim.messages() == []


@pytest.mark.parametrize("failure", [{"http_status": 502}, {"errcode": -1}])
def test_wechat_down_or_busy_raises_so_sqs_retries(wechat, sim, failure):
    from diancan.domain.errors import UpstreamUnavailable

    adapter = messages_adapter()
    adapter.send(message())  # the token is fetched: the failure hits the send itself
    control(wechat, "fail", failure)
    with pytest.raises(UpstreamUnavailable):
        adapter.send(message())
    assert adapter.send(message()).outcome == "sent"


# ---- the consumer ----------------------------------------------------------------------------------------------


def ready_batch(order_id: str, receive_counts=(1,)) -> dict:
    """The sample SQS batch for ``order_id``, one record per receive count."""
    event = load_event("guest_notify/sqs_order_ready")
    template = event["Records"][0]
    body = json.loads(template["body"])
    body["detail"]["order_id"] = order_id
    records = []
    for n, count in enumerate(receive_counts):
        records.append({**template, "messageId": f"msg-{order_id}-{n}", "body": json.dumps(body),
                        "attributes": {**template["attributes"], "ApproximateReceiveCount": str(count)}})
    return {"Records": records}


def notify(event: dict) -> dict:
    return handler_of("guest_notify")(event, FakeContext())


def notice_state(order_id: str) -> str | None:
    from diancan.adapters.notice_table import NoticeTable

    return NoticeTable().read(order_id, "sh-jingan", "READY").state


def test_the_sample_batch_delivers_one_event_twice_and_the_guest_gets_one_message(demo_chain, wechat, sim):
    order_id = paid_order(pickup_no=17)
    event = load_event("guest_notify/sqs_order_ready")
    text = json.dumps(event).replace("261124123000A1B2C3D4", order_id)
    assert notify(json.loads(text)) == {"batchItemFailures": []}
    assert notify(json.loads(text)) == {"batchItemFailures": []}  # and SQS redelivers the whole batch
    [sent] = sim.messages("openid-alice")
    assert sent["data"]["character_string1"] == "17" and sent["data"]["thing2"] == "小馆子·静安店"
    assert sent["data"]["thing3"].startswith("宫保鸡丁") and sent["data"]["thing3"].endswith("件")
    assert sent["data"]["thing5"] == "请到取餐台取餐" and sent["data"]["time4"] == "2026-11-24 12:42"
    assert sent["page"] == f"pages/index/index?order_id={order_id}"
    assert notice_state(order_id) == "SENT"


def test_wechat_down_fails_the_record_alone_and_the_retry_sends_once(demo_chain, wechat, sim):
    order_id = paid_order(pickup_no=18)
    messages_adapter().send(message())  # a token in the simulator's books; then the next send fails
    sim.reset()
    control(wechat, "fail", {"http_status": 503})
    answer = notify(ready_batch(order_id))
    assert answer == {"batchItemFailures": [{"itemIdentifier": f"msg-{order_id}-0"}]}
    assert notice_state(order_id) == "RETRY"
    assert notify(ready_batch(order_id, receive_counts=(2,))) == {"batchItemFailures": []}
    assert len(sim.messages("openid-alice")) == 1 and notice_state(order_id) == "SENT"


def test_a_token_rejected_even_after_its_refresh_is_retried_later_not_settled_as_refused(demo_chain, wechat, sim):
    order_id = paid_order(pickup_no=21)
    control(wechat, "revoke_token", {"every": True})
    answer = notify(ready_batch(order_id))
    assert answer == {"batchItemFailures": [{"itemIdentifier": f"msg-{order_id}-0"}]}
    assert notice_state(order_id) == "RETRY" and sim.messages() == []
    control(wechat, "revoke_token", {"every": False})
    assert notify(ready_batch(order_id, receive_counts=(2,))) == {"batchItemFailures": []}
    assert len(sim.messages("openid-alice")) == 1 and notice_state(order_id) == "SENT"


def test_a_guest_who_did_not_subscribe_is_settled_and_not_asked_again(demo_chain, wechat, sim):
    order_id = paid_order(pickup_no=19)
    control(wechat, "refuse", {"touser": "openid-alice"})
    assert notify(ready_batch(order_id, receive_counts=(1, 2))) == {"batchItemFailures": []}
    assert notice_state(order_id) == "NOT_SUBSCRIBED"
    assert sim.state()["messages"] == 0


@pytest.mark.parametrize("mode, table_no", [("dine_in", "A1"), ("delivery", None)])
def test_orders_not_collected_at_the_counter_send_nothing(demo_chain, wechat, sim, mode, table_no):
    order_id = paid_order(mode=mode, table_no=table_no, pickup_no=20)
    assert notify(ready_batch(order_id)) == {"batchItemFailures": []}
    assert sim.messages() == [] and notice_state(order_id) is None


def test_calling_a_number_on_the_kitchen_board_publishes_what_the_consumer_needs(demo_chain, wechat, sim):
    """The OrderReady call_number publishes, as the bus delivers it, makes the push."""
    from unittest import mock

    from diancan import bootstrap

    order_id = paid_order(pickup_no=21)
    with mock.patch.object(bootstrap.event_bus(), "publish") as publish:
        bootstrap.kitchen().call_number(order_id, "staff:boss")
    [event] = publish.call_args.args[0]
    batch = ready_batch(order_id)
    body = json.loads(batch["Records"][0]["body"])
    body["detail"] = event.detail
    batch["Records"][0]["body"] = json.dumps(body)
    assert notify(batch) == {"batchItemFailures": []}
    [sent] = sim.messages("openid-alice")
    assert sent["data"]["character_string1"] == "21"


# ---- the other status messages: accepted, delivered, refunded ----------------------------------------------------


def status_batch(detail_type: str, detail: dict, receive_counts=(1,)) -> dict:
    """The sample SQS batch with another order event of the bus in it."""
    event = load_event("guest_notify/sqs_order_ready")
    template = event["Records"][0]
    body = json.loads(template["body"])
    body["detail-type"], body["detail"] = detail_type, {"store_id": "sh-jingan", **detail}
    return {"Records": [{**template, "messageId": f"msg-{detail_type}-{n}", "body": json.dumps(body),
                         "attributes": {**template["attributes"], "ApproximateReceiveCount": str(count)}}
                        for n, count in enumerate(receive_counts)]}


def kind_state(order_id: str, kind: str) -> str | None:
    from diancan.adapters.notice_table import NoticeTable

    return NoticeTable().read(order_id, "sh-jingan", kind).state


def template_of(kind: str) -> str:
    from local.world import LOCAL_NOTICE_TEMPLATES

    return LOCAL_NOTICE_TEMPLATES[kind]["template_id"]


@pytest.fixture
def every_template(sim):
    from local.world import LOCAL_NOTICE_TEMPLATES

    sim.templates.update({t["template_id"]: frozenset(t["fields"].values()) for t in LOCAL_NOTICE_TEMPLATES.values()})
    return sim


def test_an_accepted_order_tells_the_guest_once_with_the_estimated_time(demo_chain, wechat, every_template):
    sim = every_template
    order_id = paid_order(mode="delivery", pickup_no=31)
    batch = status_batch("OrderAccepted", {"order_id": order_id, "at": "2026-11-24T04:30:00Z", "by": "staff:boss"},
                         receive_counts=(1, 2))
    assert notify(batch) == {"batchItemFailures": []}
    assert notify(batch) == {"batchItemFailures": []}
    [sent] = sim.messages("openid-alice")
    assert sent["template_id"] == template_of("ACCEPTED")
    assert sent["data"]["phrase2"] == "商家已接单" and sent["data"]["thing1"] == "小馆子·静安店"
    assert sent["data"]["time3"] == "2026-11-24 12:45"  # 12:30 Shanghai + 15 minutes of preparation
    assert kind_state(order_id, "ACCEPTED") == "SENT" and kind_state(order_id, "READY") is None


def test_a_delivered_order_is_told_once_and_a_collected_one_not_at_all(demo_chain, wechat, every_template):
    sim = every_template
    delivered = paid_order(mode="delivery", pickup_no=32)
    collected = paid_order(mode="takeout", pickup_no=33)
    assert notify(status_batch("OrderCompleted", {"order_id": delivered, "at": "2026-11-24T05:10:00Z",
                                                  "mode": "delivery", "total_fen": 100, "by": "courier:dada"})) \
        == {"batchItemFailures": []}
    assert notify(status_batch("OrderCompleted", {"order_id": collected, "at": "2026-11-24T05:10:00Z",
                                                  "mode": "takeout", "total_fen": 100, "by": "staff:boss"})) \
        == {"batchItemFailures": []}
    [sent] = sim.messages("openid-alice")
    assert sent["template_id"] == template_of("DELIVERED") and sent["data"]["phrase2"] == "已送达"
    assert sent["data"]["time3"] == "2026-11-24 13:10" and sent["page"].endswith(f"order_id={delivered}")
    assert kind_state(delivered, "DELIVERED") == "SENT" and kind_state(collected, "DELIVERED") is None


def test_out_for_delivery_tells_a_delivery_guest_once_and_no_one_else(demo_chain, wechat, every_template):
    sim = every_template
    delivering = paid_order(mode="delivery", pickup_no=36)
    takeout = paid_order(mode="takeout", pickup_no=37)
    detail = {"at": "2026-11-24T05:02:40Z", "courier": "dada", "by": "courier:dada"}
    batch = status_batch("OrderOutForDelivery", {"order_id": delivering, **detail}, receive_counts=(1, 2))
    assert notify(batch) == {"batchItemFailures": []}
    assert notify(batch) == {"batchItemFailures": []}
    assert notify(status_batch("OrderOutForDelivery", {"order_id": takeout, **detail})) == {"batchItemFailures": []}
    [sent] = sim.messages("openid-alice")
    assert sent["template_id"] == template_of("DELIVERING") and sent["page"].endswith(f"order_id={delivering}")
    assert sent["data"]["phrase2"] == "配送中" and sent["data"]["time3"] == "2026-11-24 13:02"
    assert sent["data"]["thing5"] == "骑手已取餐，正在送往你处"
    assert kind_state(delivering, "DELIVERING") == "SENT" and kind_state(takeout, "DELIVERING") is None


def test_a_refund_tells_the_amount_once_however_often_the_event_comes(demo_chain, wechat, every_template):
    sim = every_template
    order_id = paid_order(pickup_no=34)
    detail = {"order_id": order_id, "at": "2026-11-24T06:00:00Z", "refund_no": "R1", "amount_fen": 1250,
              "full": False, "food_made": True, "reason": "少了一份"}
    assert notify(status_batch("OrderRefunded", detail, receive_counts=(1, 2))) == {"batchItemFailures": []}
    [sent] = sim.messages("openid-alice")
    assert sent["template_id"] == template_of("REFUNDED")
    assert sent["data"] == {"character_string1": order_id, "amount2": "12.50元", "time3": "2026-11-24 14:00",
                            "thing4": "退款已原路退回"}
    assert kind_state(order_id, "REFUNDED") == "SENT"


def test_a_kind_without_a_template_is_skipped_and_counted(demo_chain, wechat, sim):
    """A deployment that configured only the ready template: the other kinds send nothing."""
    from diancan.adapters.notice_table import NoticeTable
    from diancan.domain.events import OrderAccepted, OrderPaid, OrderReady
    from diancan.domain.guest_notices import NoticeTemplate
    from diancan.services.guest_notices import GuestNotices
    from local.world import LOCAL_READY_TEMPLATE

    counted = []
    notices = GuestNotices(NoticeTable(), messages_adapter(), {"READY": NoticeTemplate.model_validate(LOCAL_READY_TEMPLATE)},
                           count=counted.append)
    order_id = paid_order(pickup_no=35)
    at = "2026-11-24T04:42:10Z"
    accepted = OrderAccepted(order_id=order_id, store_id="sh-jingan", at=at, by="staff:mgr-jingan")
    assert notices.handle(accepted) == "skipped:not_configured"
    assert notices.handle(OrderPaid(order_id=order_id, store_id="sh-jingan", at=at, mode="takeout", total_fen=1,
                                    transaction_id=None, pickup_no=35)) == "ignored"
    assert counted == ["AcceptedNoticeNotConfigured"] and sim.messages() == []
    ready = OrderReady(order_id=order_id, store_id="sh-jingan", at=at, pickup_no=35, table_no=None, by="staff:x")
    assert notices.handle(ready) == "sent"
    assert counted[-1] == "ReadyNoticeSent"

