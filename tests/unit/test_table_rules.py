"""Pure table rules: signed table scenes, cart merging, the tab after a round, the bill priced once."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from diancan.domain.cart import OrderLine
from diancan.domain.errors import InvalidRequest
from diancan.domain.menu import Store
from diancan.domain.table_codes import SCENE_MAX, ForgedTableCode, TableRef, read_scene, sign_scene
from diancan.domain.tables import (
    CartLine,
    SettleMode,
    TableSession,
    display_name,
    is_unpaid,
    price_bill,
    round_items,
    settle_mode,
    tab_after_round,
)

pytestmark = pytest.mark.unit
KEY = b"k" * 32


def order_line(dish_id: str, price: int, qty: int = 1) -> OrderLine:
    return OrderLine(dish_id=dish_id, name=dish_id, category_id="c", qty=qty, base_price_fen=price,
                     unit_price_fen=price, line_total_fen=price * qty)


def cart_line(dish_id: str, qty: int, options: list[str], who: str = "openid-a") -> CartLine:
    return CartLine(line_id=f"{dish_id}{qty}", dish_id=dish_id, qty=qty, options=options, added_by=who,
                    added_by_name="a", added_at="2026-11-24T04:30:00.000Z")


def test_a_signed_scene_fits_wechat_and_reads_back_as_its_table():
    scene = sign_scene(KEY, "sh-jingan", "A3")
    assert len(scene) <= SCENE_MAX and read_scene(KEY, scene) == TableRef("sh-jingan", "A3")


@pytest.mark.parametrize("scene", ["", "sh-jingan.A3", "sh-jingan.A4.AAAAAAAAAAA", "x" * 40])
def test_an_edited_or_guessed_scene_is_refused(scene):
    with pytest.raises(ForgedTableCode):
        read_scene(KEY, scene)


def test_a_scene_signed_with_another_key_is_refused():
    with pytest.raises(ForgedTableCode):
        read_scene(KEY, sign_scene(b"other" * 8, "sh-jingan", "A3"))


def test_ids_that_cannot_fit_a_scene_are_refused_when_signing():
    with pytest.raises(InvalidRequest) as too_long:
        sign_scene(KEY, "s" * 18, "A3")
    with pytest.raises(InvalidRequest) as separator:
        sign_scene(KEY, "sh.jingan", "A3")
    assert (too_long.value.code, separator.value.code) == ("TABLE_CODE_TOO_LONG", "TABLE_CODE_UNENCODABLE")


def test_the_same_dish_and_options_added_by_two_guests_go_to_the_kitchen_as_one_line():
    items = round_items([cart_line("d1", 1, ["b", "a"]), cart_line("d1", 2, ["a", "b"], "openid-b"),
                         cart_line("d2", 1, [])])
    assert [(i.dish_id, i.qty, i.options) for i in items] == [("d1", 3, ["a", "b"]), ("d2", 1, [])]


def test_a_round_appends_to_the_tab_and_names_only_its_new_lines():
    changes, indexes = tab_after_round([order_line("d1", 3800)], [order_line("d2", 1800, 2)], {"d1": 1}, {"d2": 2})
    assert indexes == [1] and changes["items_fen"] == changes["total_fen"] == 3800 + 3600
    assert changes["reserved"] == {"d1": 1, "d2": 2} and changes["discounts"] == []


def test_the_bill_applies_a_full_reduction_once_over_every_round():
    store = Store(store_id="s", name="s", settings={"offers": {"full_reductions": [
        {"offer_id": "fr", "tiers": [{"threshold_fen": 5000, "off_fen": 800}]}]}})
    rounds = [order_line("d1", 3800), order_line("d2", 1800)]
    now = datetime(2026, 11, 24, 4, 30, tzinfo=UTC)
    assert price_bill(rounds[:1], store, now).discount_fen == 0
    bill = price_bill(rounds, store, now)
    assert (bill.items_fen, bill.discount_fen, bill.total_fen) == (5600, 800, 4800)


def test_unknown_payment_settings_mean_paying_first():
    assert settle_mode(Store(store_id="s", name="s", settings={"table_payment": "later?"})) == SettleMode.PAY_FIRST
    assert settle_mode(Store(store_id="s", name="s", settings={"table_payment": "pay_after"})) == SettleMode.PAY_AFTER


def test_staff_rounds_always_go_to_the_tab_and_guests_follow_the_store_setting():
    session = TableSession(session_id="x", store_id="s", table_no="A1", mode=SettleMode.PAY_FIRST,
                           opened_by="openid-a", opened_at="2026-11-24T04:30:00.000Z")
    assert session.round_goes_to_tab("staff:7") and not session.round_goes_to_tab("openid-a")


def test_a_guest_without_a_nickname_gets_a_name_that_hides_the_openid():
    name = display_name(None, "openid-alice")
    assert name.startswith("客人") and "alice" not in name and display_name(" 小王 ", "x") == "小王"


def test_a_table_owes_money_while_its_tab_or_a_round_order_awaits_payment():
    assert is_unpaid("PENDING_PAYMENT", []) and is_unpaid(None, ["PAID", "PENDING_PAYMENT"])
    assert not is_unpaid("PAID", ["PAID", "CANCELLED"])
