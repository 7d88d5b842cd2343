"""Orders written straight through the repository for the proof tests (no prepay, no HTTP)."""

from __future__ import annotations

import secrets

from diancan.domain.cart import CartItem, build_lines
from diancan.domain.clock import business_day, iso, utcnow
from diancan.domain.order import Order, StatusChange
from diancan.domain.pricing import price_order


def unpaid_order(repository, mode: str = "takeout", store_id: str = "sh-jingan", qty: int = 1) -> Order:
    """A PENDING_PAYMENT order of ``qty`` 宫保鸡丁 and a cola, created as place_order creates it."""
    store, dishes, _ = repository.load_for_order(store_id, ["d-gongbao", "d-cola"], None)
    lines = build_lines(dishes, [CartItem(dish_id="d-gongbao", qty=qty, options=["spicy-mild"]), CartItem(dish_id="d-cola", qty=1)])
    quote = price_order(lines, mode="takeout", store=store)
    now = utcnow()
    order = Order(order_id="P" + secrets.token_hex(6).upper(), store_id=store_id, openid="openid-alice", mode=mode,
                  table_no="A1" if mode == "dine_in" else None, lines=quote.lines, items_fen=quote.items_fen,
                  packing_fee_fen=quote.packing_fee_fen, total_fen=quote.total_fen, created_at=iso(now),
                  business_day=business_day(now).isoformat(), pay_expires_at=iso(now),
                  history=[StatusChange(status="PENDING_PAYMENT", at=iso(now))])
    repository.create_order(order, encrypted_address=None, idempotency_key=secrets.token_hex(8), request_hash="proof",
                            prices={line.dish_id: line.base_price_fen for line in quote.lines},
                            expires_at_epoch=int(now.timestamp()))
    return order
