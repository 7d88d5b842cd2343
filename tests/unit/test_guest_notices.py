"""The "ready for pickup" message: values cut to WeChat's per-type limits in characters (CJK counts one), the
deployment's key mapping, and which orders' guests are told."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from diancan.domain.cart import OrderLine
from diancan.domain.guest_notices import (
    PICKUP_NOTE,
    ReadyTemplate,
    dish_summary,
    fit,
    key_kind,
    ready_message,
    skip_reason,
)
from diancan.domain.order import Order

TEMPLATE = ReadyTemplate(template_id="tpl-ready", page="pages/order/index", state="trial",
                         fields={"pickup_no": "character_string1", "store": "thing2", "dishes": "thing3",
                                 "time": "time4", "note": "phrase5"})
AT = datetime(2026, 11, 24, 4, 30, 59, tzinfo=UTC)  # 12:30 in Shanghai


def line(name: str, qty: int = 1) -> OrderLine:
    return OrderLine(dish_id=f"d-{name}", name=name, category_id="c", qty=qty, base_price_fen=100,
                     unit_price_fen=100, line_total_fen=100 * qty)


def order(lines: list[OrderLine] | None = None, **fields) -> Order:
    values = {"order_id": "261124123000A1B2C3D4", "store_id": "sh-jingan", "openid": "o-guest", "mode": "takeout",
              "lines": lines or [line("宫保鸡丁")], "items_fen": 100, "total_fen": 100,
              "created_at": "2026-11-24T04:00:00Z", "business_day": "2026-11-24", "pay_expires_at": "2026-11-24T04:15:00Z",
              "pickup_no": 17, **fields}
    return Order(**values)


def test_the_message_carries_each_value_under_the_deployments_key():
    message = ready_message(order(), "小馆子·静安店", TEMPLATE, AT, "Asia/Shanghai")
    assert message.touser == "o-guest" and message.template_id == "tpl-ready" and message.state == "trial"
    assert message.page == "pages/order/index?order_id=261124123000A1B2C3D4"
    assert message.data == {"character_string1": "17", "thing2": "小馆子·静安店", "thing3": "宫保鸡丁×1",
                            "time4": "2026-11-24 12:30", "phrase5": "请到取餐台"}  # phrase: 5 Chinese characters


def test_a_long_store_name_is_cut_to_twenty_characters_counting_cjk_as_one():
    name = "小馆子·上海市静安区南京西路一千号旗舰店二楼"  # 23 characters, 65 UTF-8 bytes
    value = ready_message(order(), name, TEMPLATE, AT, "Asia/Shanghai").data["thing2"]
    assert len(value) == 20 and value == name[:19] + "…"


def test_the_dish_summary_keeps_the_count_when_the_first_name_is_long():
    long_name = "秘制蜜汁叉烧配溏心蛋与时令青菜双拼饭加大份"
    summary = dish_summary([line(long_name, 2), line("可乐", 3)])
    assert len(summary) == 20 and summary.endswith("…等5件") and summary.startswith("秘制蜜汁")
    assert dish_summary([line("可乐", 2)]) == "可乐×2"


@pytest.mark.parametrize("key, value, expected", [
    ("thing1", "第一行\n第二行", "第一行第二行"),              # no control characters anywhere
    ("character_string2", "A" * 40, "A" * 32),                   # codes are cut without an ellipsis
    ("phrase3", "已完成ok了", "已完成了"),                        # phrase: Chinese characters only
    ("number4", "0017", "0017"),
    ("name5", "欧阳娜娜娜娜娜娜娜娜娜", "欧阳娜娜娜娜娜娜娜…"),
])
def test_values_fit_their_keys_type(key, value, expected):
    assert fit(key, value) == expected


def test_keys_wechat_does_not_know_are_refused_when_the_template_is_configured():
    assert key_kind("character_string12") == "character_string"
    with pytest.raises(ValidationError):
        ReadyTemplate(template_id="t", fields={"pickup_no": "money1"})  # amount is a type, money is not
    with pytest.raises(ValidationError):
        ReadyTemplate(template_id="t", fields={"table": "thing1"})
    with pytest.raises(ValidationError):
        ReadyTemplate(template_id="t", fields={"store": "thing2"}, state="release")


@pytest.mark.parametrize("fields, reason", [
    ({}, None),
    ({"openid": "staff:boss"}, "no_guest"),
    ({"mode": "delivery"}, "delivery"),
    ({"mode": "dine_in", "table_no": "A1"}, "served_at_table"),
    ({"pickup_no": None}, "no_pickup_number"),
])
def test_only_takeout_guests_with_a_number_are_told(fields, reason):
    assert skip_reason(order(**fields)) == reason


def test_the_note_says_where_to_go():
    template = TEMPLATE.model_copy(update={"fields": {"note": "thing5"}})
    assert ready_message(order(), "店", template, AT, "Asia/Shanghai").data == {"thing5": PICKUP_NOTE}


def test_who_gets_which_status_message():
    from diancan.domain.guest_notices import ACCEPTED, DELIVERED, READY, REFUNDED, skip_reason

    takeout, delivery = order(mode="takeout"), order(mode="delivery")
    assert skip_reason(takeout, ACCEPTED) is None and skip_reason(delivery, ACCEPTED) is None
    assert skip_reason(takeout, REFUNDED) is None
    assert skip_reason(delivery, DELIVERED) is None and skip_reason(takeout, DELIVERED) == "not_delivery"
    assert skip_reason(delivery, READY) == "delivery" and skip_reason(takeout, READY) is None
    staff = order(mode="takeout", openid="staff:boss")
    assert {skip_reason(staff, kind) for kind in (READY, ACCEPTED, DELIVERED, REFUNDED)} == {"no_guest"}
    member_at_counter = order(mode="takeout", channel="counter")
    assert {skip_reason(member_at_counter, kind) for kind in (READY, ACCEPTED, DELIVERED, REFUNDED)} == {"at_counter"}


def test_an_accepted_order_is_estimated_from_its_queue_and_a_refund_reads_in_yuan():
    from diancan.domain.guest_notices import estimated_ready, fit, yuan

    at = datetime(2026, 11, 24, 4, 30, tzinfo=UTC)
    assert estimated_ready(at) == datetime(2026, 11, 24, 4, 45, tzinfo=UTC)
    assert estimated_ready(at, orders_ahead=5) == datetime(2026, 11, 24, 5, 0, tzinfo=UTC)
    assert yuan(1250) == "12.50元" and yuan(5) == "0.05元" and fit("amount2", yuan(123456)) == "1234.56元"
