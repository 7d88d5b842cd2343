"""Lay tickets out in Feieyun (飞鹅云) receipt markup, by display width, for 32- and 48-column paper.

Tags used are only those Feieyun's official demo documents: <BR> newline, <CUT> cut (cutter models),
<CB></CB> centred double size, <B></B> double size, <C></C> centred, <QR></QR> QR code. A double-size
line holds half as many columns. Widths follow unicodedata: East Asian Wide/Fullwidth = 2 columns, all
else 1. Caveat: the printer counts GBK bytes, so "ambiguous" characters such as "·" or "×" in a dish name
print 2 columns wide and shift that row by one; our own layout text avoids them.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from typing import TYPE_CHECKING

from diancan.domain.clock import BUSINESS_TZ_DEFAULT, local, parse_iso
from diancan.domain.money import yuan
from diancan.domain.tickets import Ticket, TicketLine

if TYPE_CHECKING:
    from diancan.domain.shifts import Shift

FEIEYUN_MAX_CONTENT_BYTES = 5000
"""Open_printMsg ``content`` limit: "打印内容,不能超过5000字节" (official demo). We count UTF-8 bytes, which is
never fewer than the GBK bytes the printer uses, so a piece under the limit is under it either way."""

PAPER_COLUMNS = (32, 48)
MODE_LABELS = {"dine_in": "堂食", "takeout": "外带", "delivery": "外卖"}
COUNTER_LABEL = " 收银台"  # an order taken at the counter: the kitchen knows the guest is waiting there
# (qty column, amount column) widths of the receipt; the dish name takes the rest of the line.
_RECEIPT_CELLS = {32: (5, 10), 48: (8, 12)}
_KITCHEN_QTY = 5  # on double-size kitchen lines
CANCEL_TITLE = "退单 CANCEL"


def char_width(char: str) -> int:
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def display_width(text: str) -> int:
    return sum(char_width(char) for char in text)


def wrap(text: str, width: int) -> list[str]:
    """Break text into pieces no wider than ``width``, never splitting a wide character."""
    pieces, current, used = [], "", 0
    for char in text:
        if used + char_width(char) > width and current:
            pieces.append(current)
            current, used = "", 0
        current += char
        used += char_width(char)
    return [*pieces, current]


def plain(text: str) -> str:
    """User text (remark, dish names) made inert: '<' and '>' become fullwidth so they cannot open a
    tag (a remark of "<CUT>" must not cut the paper), control characters and newlines become spaces."""
    text = text.replace("<", "＜").replace(">", "＞")
    return "".join(" " if unicodedata.category(char).startswith("C") else char for char in text).strip()


def render_feieyun(ticket: Ticket, columns: int, tz: str = BUSINESS_TZ_DEFAULT) -> str:
    """The Feieyun ``content`` for one ticket on paper ``columns`` wide (32 = 58 mm, 48 = 80 mm)."""
    if columns not in PAPER_COLUMNS:
        raise ValueError(f"paper_columns must be one of {PAPER_COLUMNS}")
    body = {"kitchen": _kitchen_body, "cancel": _cancel_body}.get(ticket.kind, _receipt_body)(ticket, columns)
    return "".join([*_header(ticket, columns, tz), *body, "<BR><CUT>"])


def split_for_limit(content: str, max_bytes: int = FEIEYUN_MAX_CONTENT_BYTES) -> list[str]:
    """Split content over the API limit into several prints, only after a <BR>, each at most
    ``max_bytes`` UTF-8 bytes; joined again they give the original. Our renderer closes every paired
    tag before its <BR>, so no piece opens a tag it does not close."""
    lines = [piece + "<BR>" for piece in content.split("<BR>")]
    lines[-1] = lines[-1].removesuffix("<BR>")
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for line in filter(None, lines):
        line_size = len(line.encode("utf-8"))
        if line_size > max_bytes:
            raise ValueError(f"one line is {line_size} bytes, over the {max_bytes}-byte print limit")
        if current and size + line_size > max_bytes:
            chunks.append("".join(current))
            current, size = [], 0
        current.append(line)
        size += line_size
    return [*chunks, "".join(current)] if current else chunks


def _header(ticket: Ticket, columns: int, tz: str) -> Iterator[str]:
    order = ticket.order
    if ticket.copy_label:
        yield from _big_centred(f"** {plain(ticket.copy_label)} **", columns)
    if ticket.kind == "cancel":
        yield from _big_centred(CANCEL_TITLE, columns)
    yield from _big_centred(plain(order.store_name if ticket.kind == "receipt" else ticket.station.name), columns)
    if order.is_addon_round:
        yield from _big_centred(f"加菜 第{order.round_no}轮", columns)
    if order.table_no:
        yield from _big_centred(f"桌号 {plain(order.table_no)}", columns)
    if order.pickup_no is not None:
        yield from _big_centred(f"取餐号 {order.pickup_no}", columns)
    if order.pickup_at is not None:  # a pre-order: the kitchen works to this time, not to the print time
        yield from _big_centred("** 预约单 **", columns)
        when = local(order.pickup_at, tz)
        label = "送达" if order.mode == "delivery" else "取餐"
        yield from _big_centred(f"{label} {when:%H:%M}", columns)
        yield f"<C>{when:%Y-%m-%d}</C><BR>"
    yield f"<C>{MODE_LABELS[order.mode]}{COUNTER_LABEL if order.channel == 'counter' else ''}</C><BR>"
    yield _rule(columns)
    yield from _text(f"单号 {plain(order.order_id)}", columns)
    yield from _text(f"时间 {local(order.paid_at, tz):%Y-%m-%d %H:%M}", columns)
    yield _rule(columns)


def _kitchen_body(ticket: Ticket, columns: int) -> Iterator[str]:
    half = columns // 2
    for line in ticket.order.lines:
        yield from _lines(_row(plain(line.name), [f"x{line.qty}"], [_KITCHEN_QTY], half), "B")
        yield from _options(line, columns)
    yield _rule(columns)
    if ticket.order.remark:
        yield from _lines(wrap(f"备注：{plain(ticket.order.remark)}", half), "B")


def _cancel_body(ticket: Ticket, columns: int) -> Iterator[str]:
    """What the station must stop: each line big with its quantity, or the amount of a partial refund that
    named no dish (the kitchen checks with the counter)."""
    half = columns // 2
    order = ticket.order
    if order.lines:
        yield from _text("以下菜品停止制作：", columns)
        for line in order.lines:
            yield from _lines(_row(plain(line.name), [f"x{line.qty}"], [_KITCHEN_QTY], half), "B")
            yield from _options(line, columns)
    else:
        yield from _lines(wrap(f"部分退款 {yuan(order.refund_fen or 0)}元", half), "B")
        yield from _text("未指定菜品，请与前台核对", columns)
    yield _rule(columns)


def _receipt_body(ticket: Ticket, columns: int) -> Iterator[str]:
    order = ticket.order
    cells = _RECEIPT_CELLS[columns]
    yield from _lines(_row("品名", ["数量", "金额"], cells, columns))
    for line in order.lines:
        yield from _lines(_row(plain(line.name), [f"x{line.qty}", yuan(line.line_total_fen)], cells, columns))
        yield from _options(line, columns)
    yield _rule(columns)
    yield from _amount("商品小计", yuan(order.subtotal_fen), columns)
    for label, amount in order.discounts:
        yield from _amount(plain(label), yuan(-amount), columns)
    if order.packing_fee_fen:
        yield from _amount("打包费", yuan(order.packing_fee_fen), columns)
    if order.delivery_fee_fen:
        yield from _amount("配送费", yuan(order.delivery_fee_fen), columns)
    yield _rule(columns)
    yield from _lines(_row("实付", [yuan(order.total_fen)], [cells[1]], columns // 2), "B")
    if order.remark:
        yield from _text(f"备注：{plain(order.remark)}", columns)
    if order.order_url:
        yield f"<BR><QR>{plain(order.order_url)}</QR><BR>"
        yield "<C>扫码查看订单</C><BR>"


def _row(name: str, cells: list[str], widths: list[int] | tuple[int, ...], width: int) -> list[str]:
    """A name column that wraps, then right-aligned cells on its first line only."""
    name_width = width - sum(widths)
    rows = wrap(name, name_width)
    rows[0] = _pad(rows[0], name_width) + "".join(_pad(c, w, right=True) for c, w in zip(cells, widths, strict=True))
    return rows


def _lines(rows: list[str], tag: str | None = None) -> Iterator[str]:
    for row in rows:
        yield f"<{tag}>{row}</{tag}><BR>" if tag else f"{row}<BR>"


def _options(line: TicketLine, columns: int) -> Iterator[str]:
    if line.options:
        yield from _text("/".join(plain(option) for option in line.options), columns, indent=2)


def _amount(label: str, amount: str, columns: int) -> Iterator[str]:
    return _lines(_row(label, [amount], [_RECEIPT_CELLS[columns][1]], columns))


def _text(text: str, columns: int, indent: int = 0) -> Iterator[str]:
    return _lines([" " * indent + row for row in wrap(text, columns - indent)])


def _big_centred(text: str, columns: int) -> Iterator[str]:
    return _lines(wrap(text, columns // 2), "CB")


def _rule(columns: int) -> str:
    return "-" * columns + "<BR>"


def _pad(text: str, width: int, right: bool = False) -> str:
    fill = " " * max(0, width - display_width(text))
    return fill + text if right else text + fill


METHOD_LABELS = {"cash": "现金", "card": "刷卡", "other": "其他"}


def render_handover(shift: Shift, store_name: str, columns: int, tz: str = BUSINESS_TZ_DEFAULT) -> str:
    """The Feieyun ``content`` of a closed shift's handover sheet (交班单) for the counter's receipt printer."""
    if columns not in PAPER_COLUMNS or shift.handover is None:
        raise ValueError("a closed shift on 32- or 48-column paper")
    sheet = shift.handover
    parts = [*_big_centred(plain(store_name), columns), *_big_centred("交班单", columns), _rule(columns),
             *_text(f"收银员 {plain(shift.staff_name or shift.staff_id)}", columns),
             *_text(f"开班 {local(parse_iso(shift.opened_at), tz):%Y-%m-%d %H:%M}", columns),
             *_text(f"交班 {local(parse_iso(shift.closed_at or shift.opened_at), tz):%Y-%m-%d %H:%M}", columns),
             *_text(f"订单数 {len(sheet.orders)}", columns), _rule(columns)]
    for method, amount in sheet.takings_fen.items():
        parts += _amount(f"收款 {METHOD_LABELS.get(method, plain(method))}", yuan(amount), columns)
    parts += _amount("收款合计", yuan(sheet.takings_total_fen), columns)
    parts += _amount(f"退款 {len(sheet.refunds)}笔", yuan(-sheet.refunds_fen), columns)
    parts += _amount(f"作废 {len(sheet.voids)}笔", "", columns)
    parts += [_rule(columns), *_amount("备用金", yuan(sheet.float_fen), columns),
              *_amount("现金退款", yuan(-sheet.cash_refunds_fen), columns),
              *_amount("应有现金", yuan(sheet.expected_cash_fen), columns),
              *_amount("实点现金", yuan(sheet.counted_cash_fen), columns)]
    label = "短款" if sheet.difference_fen < 0 else "长款" if sheet.difference_fen > 0 else "差额"
    parts += _lines(_row(label, [yuan(sheet.difference_fen)], [_RECEIPT_CELLS[columns][1]], columns // 2), "B")
    parts += [_rule(columns), *_text("交班人签字：", columns), "<BR>", *_text("接班人签字：", columns), "<BR><CUT>"]
    return "".join(parts)
