"""Kitchen tickets and receipts: station split, combined lines, totals, add-on rounds, layout, size limit."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from diancan.domain.ticket_render import (
    display_width,
    render_feieyun,
    split_for_limit,
    wrap,
)
from diancan.domain.tickets import Station, TicketLine, TicketOrder, build_tickets, combine_lines

pytestmark = pytest.mark.unit

SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE_SNAPSHOTS = os.environ.get("DIANCAN_UPDATE_SNAPSHOTS") == "1"
HOT = Station(station_id="hot", name="热菜档口", printer_sn="910000001", fallback_printer_sn="910000009")
BAR = Station(station_id="bar", name="Bar 吧台", printer_sn="910000003")
DESK = Station(station_id="desk", name="前台", printer_sn="910000009", paper_columns=48, receipt=True)
STATIONS = [HOT, BAR, DESK]


def make_line(**overrides) -> TicketLine:
    fields = {"dish_id": "kungpao", "name": "宫保鸡丁", "qty": 1, "options": ["大份", "微辣"],
              "unit_price_fen": 2800, "line_total_fen": 2800, "station_id": "hot"} | overrides
    return TicketLine(**fields)


def make_order(**overrides) -> TicketOrder:
    fields = {
        "order_id": "O20261124A7", "store_name": "点餐小馆 Diancan", "mode": "dine_in", "table_no": "A12",
        "pickup_no": 86, "remark": "少放盐 less salt", "paid_at": datetime(2026, 11, 24, 4, 30, tzinfo=UTC),
        "lines": [
            make_line(),
            make_line(options=["微辣", "大份"]),
            make_line(dish_id="cola", name="Coca-Cola 可口可乐 330ml 冰镇", qty=2, options=[], unit_price_fen=500,
                      line_total_fen=1000, station_id="bar"),
            make_line(dish_id="rice", name="米饭", qty=3, options=[], unit_price_fen=200, line_total_fen=600,
                      station_id=None),
        ],
        "discounts": [("满50减5", 500)], "packing_fee_fen": 200, "total_fen": 6900,
        "order_url": "https://diancan.example/o/O20261124A7",
    } | overrides
    return TicketOrder(**fields)


def tickets_by_id(order: TicketOrder, stations=STATIONS, **kwargs) -> dict:
    return {ticket.ticket_id: ticket for ticket in build_tickets(order, stations, **kwargs)}


def paper_lines(content: str) -> list[tuple[str, int]]:
    """(text without tags, columns it takes) for each printed line; double-size text counts twice."""
    lines = []
    for raw in content.split("<BR>"):
        scale = 2 if re.search(r"<C?B>", raw) else 1
        text = re.sub(r"<QR>.*?</QR>|</?(CB|B|C|CUT)>", "", raw)  # a QR code prints as an image
        lines.append((text, display_width(text) * scale))
    return lines


def assert_matches_snapshot(name: str, content: str) -> None:
    path = SNAPSHOTS / f"{name}.txt"
    readable = content.replace("<BR>", "<BR>\n")
    if UPDATE_SNAPSHOTS:
        path.write_text(readable, encoding="utf-8")
    assert path.read_text(encoding="utf-8") == readable, f"{path.name} differs; review, then DIANCAN_UPDATE_SNAPSHOTS=1"


def test_each_station_gets_a_kitchen_ticket_with_only_its_own_lines():
    tickets = tickets_by_id(make_order())
    hot, bar = tickets["O20261124A7:hot:r1:kitchen"], tickets["O20261124A7:bar:r1:kitchen"]
    assert [line.dish_id for line in hot.order.lines] == ["kungpao", "rice"]
    assert [line.dish_id for line in bar.order.lines] == ["cola"]
    assert "O20261124A7:desk:r1:kitchen" not in tickets  # no lines, no empty ticket


def test_lines_without_a_known_station_go_to_the_default_station():
    order = make_order(lines=[make_line(station_id=None), make_line(dish_id="soup", station_id="gone")])
    tickets = tickets_by_id(order, default_station_id="bar")
    assert [line.dish_id for line in tickets["O20261124A7:bar:r1:kitchen"].order.lines] == ["kungpao", "soup"]


def test_identical_lines_are_combined_whatever_the_option_order():
    hot = tickets_by_id(make_order())["O20261124A7:hot:r1:kitchen"]
    kungpao = hot.order.lines[0]
    assert (kungpao.qty, kungpao.line_total_fen) == (2, 5600)


def test_lines_with_different_options_stay_separate():
    lines = combine_lines([make_line(), make_line(options=["小份"]), make_line()])
    assert [(line.options, line.qty) for line in lines] == [(["大份", "微辣"], 2), (["小份"], 1)]


def test_the_receipt_does_not_merge_lines_sold_at_different_prices():
    lines = combine_lines([make_line(), make_line(unit_price_fen=0, line_total_fen=0)], same_price=True)
    assert len(lines) == 2


def test_the_receipt_holds_every_line_and_goes_to_the_first_receipt_station():
    receipt = tickets_by_id(make_order())["O20261124A7:desk:r1:receipt"]
    assert receipt.kind == "receipt" and receipt.station == DESK
    assert [line.dish_id for line in receipt.order.lines] == ["kungpao", "cola", "rice"]


def test_a_receipt_printer_argument_overrides_the_flagged_station():
    tickets = build_tickets(make_order(), STATIONS, receipt_printer=BAR)
    assert tickets[-1].ticket_id == "O20261124A7:bar:r1:receipt"


def test_without_a_receipt_station_the_receipt_goes_to_the_default_station():
    assert build_tickets(make_order(), [HOT, BAR])[-1].station == HOT


def test_kitchen_tickets_come_before_the_receipt():
    assert [t.kind for t in build_tickets(make_order(), STATIONS)] == ["kitchen", "kitchen", "receipt"]


def test_the_receipt_prints_subtotal_discounts_fees_and_total():
    content = render_feieyun(build_tickets(make_order(delivery_fee_fen=500), STATIONS)[-1], 32)
    texts = [text for text, _ in paper_lines(content)]
    assert "商品小计                   72.00" in texts
    assert "满50减5                    -5.00" in texts
    assert "打包费                      2.00" in texts
    assert "配送费                      5.00" in texts
    assert "实付       69.00" in texts
    assert "<QR>https://diancan.example/o/O20261124A7</QR>" in content


def test_the_pickup_number_and_table_print_large():
    content = render_feieyun(build_tickets(make_order(), STATIONS)[0], 32)
    assert "<CB>取餐号 86</CB>" in content and "<CB>桌号 A12</CB>" in content


def test_an_order_taken_at_the_counter_says_so_on_every_ticket_and_others_do_not():
    counter = [render_feieyun(t, 32) for t in build_tickets(make_order(channel="counter"), STATIONS)]
    assert counter and all("收银台</C>" in content for content in counter)
    assert not any("收银台" in render_feieyun(t, 32) for t in build_tickets(make_order(), STATIONS))


def test_an_add_on_round_is_marked_on_every_ticket_and_gets_its_own_ids():
    order = make_order(is_addon_round=True, round_no=2)
    tickets = build_tickets(order, STATIONS)
    assert all("<CB>加菜 第2轮</CB>" in render_feieyun(t, t.station.paper_columns) for t in tickets)
    assert tickets[0].ticket_id == "O20261124A7:hot:r2:kitchen"


def test_an_add_on_round_without_a_round_number_is_refused():
    with pytest.raises(ValueError, match="round_no"):
        make_order(is_addon_round=True)


def test_ticket_ids_are_stable_across_builds():
    assert list(tickets_by_id(make_order())) == list(tickets_by_id(make_order()))


def test_a_reprint_keeps_its_id_and_says_so_on_paper():
    ticket = build_tickets(make_order(), STATIONS)[0]
    reprint = ticket.reprint()
    assert reprint.ticket_id == ticket.ticket_id
    assert "<CB>** 重打 **</CB>" in render_feieyun(reprint, 32)
    assert "重打" not in render_feieyun(ticket, 32)


def test_user_text_cannot_inject_printer_markup():
    order = make_order(remark="快点<CUT><BR>\n<QR>x</QR>")
    content = render_feieyun(build_tickets(order, STATIONS)[0], 32)
    assert content.count("<CUT>") == 1 and "<QR>" not in content
    assert "快点＜CUT＞＜BR＞ ＜QR＞x＜/QR＞" in content.replace("</B><BR><B>", "")


@pytest.mark.parametrize("columns", [32, 48])
@pytest.mark.parametrize("kind", [0, 1, 2], ids=["hot-kitchen", "bar-kitchen", "receipt"])
def test_no_printed_line_is_wider_than_the_paper(columns, kind):
    ticket = build_tickets(make_order(remark="请把辣椒单独装 " * 6), STATIONS)[kind]
    assert max(width for _, width in paper_lines(render_feieyun(ticket, columns))) <= columns


@pytest.mark.parametrize("columns", [32, 48])
def test_receipt_amounts_end_on_the_right_edge(columns):
    content = render_feieyun(build_tickets(make_order(), STATIONS)[-1], columns)
    rows = [(text, width) for text, width in paper_lines(content) if re.search(r"x\d+ +\d+\.\d\d$", text)]
    assert len(rows) == 3 and {width for _, width in rows} == {columns}


def test_long_dish_names_wrap_inside_the_name_column():
    content = render_feieyun(build_tickets(make_order(), STATIONS)[-1], 32)
    texts = [text for text, _ in paper_lines(content)]
    first = texts.index(next(t for t in texts if t.startswith("Coca-Cola")))
    assert texts[first].endswith("x2     10.00")
    assert texts[first + 1] == "乐 330ml 冰镇"


def test_display_width_counts_cjk_and_fullwidth_as_two_columns():
    assert display_width("宫保A１") == 2 + 2 + 1 + 2


def test_wrap_never_splits_a_wide_character():
    assert wrap("ab宫保鸡", 5) == ["ab宫", "保鸡"]


def test_content_under_the_limit_is_sent_whole():
    assert split_for_limit("a<BR>b<BR>", 100) == ["a<BR>b<BR>"]


def test_content_over_the_limit_is_split_on_line_boundaries():
    content = "".join(f"<B>第{n}行 宫保鸡丁</B><BR>" for n in range(40)) + "<CUT>"
    pieces = split_for_limit(content, 200)
    assert len(pieces) > 1 and "".join(pieces) == content
    assert all(len(p.encode()) <= 200 and (p.endswith("<BR>") or p == pieces[-1]) for p in pieces)


def test_a_real_ticket_over_the_feieyun_limit_splits_into_valid_pieces():
    lines = [make_line(dish_id=f"d{n}", name=f"招牌菜第{n}号", options=[f"选项{n}"]) for n in range(120)]
    content = render_feieyun(build_tickets(make_order(lines=lines), STATIONS)[-1], 48)
    pieces = split_for_limit(content)
    assert len(content.encode()) > 5000 and len(pieces) >= 2
    assert all(len(p.encode()) <= 5000 for p in pieces) and pieces[-1].endswith("<CUT>")


def test_a_single_line_over_the_limit_is_refused():
    with pytest.raises(ValueError, match="print limit"):
        split_for_limit("x" * 300 + "<BR>", 200)


@pytest.mark.parametrize(("name", "kind", "columns", "overrides"), [
    ("kitchen_32", 0, 32, {}),
    ("kitchen_48", 1, 48, {}),
    ("kitchen_addon_32", 0, 32, {"is_addon_round": True, "round_no": 3, "pickup_no": None}),
    ("receipt_32", 2, 32, {}),
    ("receipt_48_takeout", 2, 48, {"mode": "takeout", "table_no": None, "remark": ""}),
])
def test_rendered_tickets_match_their_snapshots(name, kind, columns, overrides):
    ticket = build_tickets(make_order(**overrides), STATIONS)[kind]
    assert_matches_snapshot(name, render_feieyun(ticket, columns))
