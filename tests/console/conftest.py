"""Console fixtures: the demo chain, demo staff (cheap hashes), a paid order, and a logged-in client."""

from __future__ import annotations

import re

import pytest

from diancan.domain.passwords import ScryptCost
from tests.conftest import loaded_once

FAST = ScryptCost(n=2**10, r=8, p=1)  # tests only: the real cost is diancan.domain.passwords.CURRENT
PASSWORDS = {"boss": "boss-demo-2026", "jingan": "jingan-demo-2026", "xuhui": "xuhui-demo-2026",
             "cashier": "cashier-demo-2026", "cook": "cook-demo-2026",
             "cashier-xuhui": "cashier-xuhui-2026", "cook-xuhui": "cook-xuhui-2026"}
BASE = "https://console.test"


class FakeRefund:
    def __init__(self, amount_fen: int) -> None:
        self.amount_fen = amount_fen

    def model_dump(self, mode: str = "json") -> dict:
        return {"amount_fen": self.amount_fen, "status": "PROCESSING"}


class FakePayments:
    """Stands in for bootstrap.payments() in route tests (WeChat Pay is not reachable here)."""

    def __init__(self) -> None:
        self.refunds: list[tuple] = []

    def refund(self, order_id: str, amount_fen: int | None, *, reason: str, by: str,
               day_limit_fen: int | None = None) -> FakeRefund:
        self.refunds.append((order_id, amount_fen, reason, by))
        return FakeRefund(amount_fen or 0)


class FakeDelivery:
    """Stands in for bootstrap.delivery() (the courier platform is not reachable here); records each move."""

    def __init__(self) -> None:
        self.moves: list[tuple] = []

    def _moved(self, *move) -> dict:
        self.moves.append(move)
        return {"order_id": move[1], "state": "BOOKED"}

    def redispatch(self, order_id: str, by: str) -> dict:
        return self._moved("redispatch", order_id, by)

    def add_tip(self, order_id: str, tip_fen: int, by: str) -> dict:
        return self._moved("tip", order_id, tip_fen, by)

    def cancel(self, order_id: str, reason_id: int, reason: str, by: str) -> dict:
        return self._moved("cancel", order_id, reason_id, reason, by)

    def dispatch_own_staff(self, order_id: str, rider_name: str, rider_phone: str, by: str) -> dict:
        return self._moved("own", order_id, rider_name, by)

    def complete_own_staff(self, order_id: str, by: str) -> dict:
        return self._moved("delivered", order_id, by)

    def close_with_refund(self, order_id: str, by: str, amount_fen: int | None = None, *,
                          day_limit_fen: int | None = None) -> dict:
        return self._moved("refund_close", order_id, by)

    def tracking(self, order_id: str) -> dict | None:
        return None

    def active(self, store_id: str) -> list[dict]:
        return [{"order_id": order_id, "state": "BOOKED", "problem": None, "rider": None, "fee_fen": 500,
                 "tip_fen": 0, "updated_at": None} for _, order_id, *_ in self.moves]


@pytest.fixture
def fakes():
    return {"payments": FakePayments(), "delivery": FakeDelivery()}


@pytest.fixture
def console(demo_chain, fakes):
    """The console over moto with the real menu, stock, kitchen and printing services, fake payments (each of
    ``fakes`` replaces the service of that name)."""
    from dataclasses import replace

    from diancan.console.config import ConsoleSettings
    from diancan.console.wiring import build

    built = replace(build(ConsoleSettings(), cost=FAST), **{name: (lambda fake=fake: fake) for name, fake in fakes.items()})
    loaded_once("console staff", lambda: load_staff(built.accounts), after="demo chain")
    return built


def load_staff(accounts) -> None:
    """The demo staff, and the other store's cashier and cook (the demo has those roles in store 1 only), so
    the rights matrices hold every role of both stores."""
    from diancan.domain.staff import Role, Staff
    from local import demo_staff

    demo_staff.load(accounts, cost=FAST)
    for role, login in ((Role.CASHIER, "cashier-xuhui"), (Role.KITCHEN, "cook-xuhui")):
        accounts.create(Staff(staff_id=login, login=login, name=login, role=role, store_ids=("sh-xuhui",),
                              refund_limit_fen=5000 if role is Role.CASHIER else 0), PASSWORDS[login], cost=FAST)


_APPS: dict[tuple, object] = {}


@pytest.fixture
def make_app(console):
    """The console app of these settings over this test's ``console``. One app per settings serves every test
    of the worker (building one compiles its 150 URL rules and templates: 60 ms, 3 % of the main run); each
    test puts its own services in the app's slot for them (``extensions["diancan"]``, which every view reads)."""
    from diancan.console.app import create_app
    from diancan.console.config import ConsoleSettings

    def make(base_path: str = "", **settings):
        key = (base_path, *sorted(settings.items()))
        if key not in _APPS:
            _APPS[key] = create_app(console, ConsoleSettings(base_path=base_path, **settings))
            _APPS[key].testing = True
        app = _APPS[key]
        app.extensions["diancan"] = lambda: console
        return app

    return make


def login(client, name: str, prefix: str = "") -> str:
    """Log ``name`` in through the form; returns the session's CSRF token."""
    page = client.get(f"{prefix}/login", base_url=BASE)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    answer = client.post(f"{prefix}/login", data={"login": name, "password": PASSWORDS[name], "csrf_token": token},
                         base_url=BASE)
    assert answer.status_code == 302, answer.get_data(as_text=True)
    home = client.get(f"{prefix}/", base_url=BASE, follow_redirects=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', home.get_data(as_text=True)).group(1)


def make_paid_order(console, store_id: str = "sh-jingan", qty: int = 2, pickup_at: str | None = None, *,
                    paid: bool = True):
    """A paid takeout order written straight through the repository (no WeChat Pay here), counted as the
    payment flow counts it (``pickup_at``: a pre-order, as released to the kitchen; ``paid=False``: left
    pending, for a counter payment)."""
    import secrets

    from diancan import bootstrap
    from diancan.adapters.records import OrderRecord
    from diancan.domain.cart import CartItem, build_lines
    from diancan.domain.clock import business_day, iso, utcnow
    from diancan.domain.order import Order, StatusChange
    from diancan.domain.order_status import OrderAction
    from diancan.domain.pricing import price_order

    repository = bootstrap.repository()
    store, dishes, _ = repository.load_for_order(store_id, ["d-gongbao", "d-cola"], None)
    lines = build_lines(dishes, [CartItem(dish_id="d-gongbao", qty=qty, options=["spicy-mild"]),
                                 CartItem(dish_id="d-cola", qty=1)])
    quote = price_order(lines, mode="takeout", store=store)
    now = utcnow()
    order = Order(order_id="T" + secrets.token_hex(6).upper(), store_id=store_id, openid="openid-alice",
                  mode="takeout", pickup_at=pickup_at, lines=quote.lines, items_fen=quote.items_fen,
                  packing_fee_fen=quote.packing_fee_fen,
                  total_fen=quote.total_fen, created_at=iso(now), business_day=business_day(now).isoformat(),
                  pay_expires_at=iso(now),
                  history=[StatusChange(status="PENDING_PAYMENT", at=iso(now), by="guest:openid-alice")])
    repository.create_order(order, encrypted_address=None, idempotency_key=secrets.token_hex(8), request_hash="t",
                            prices={line.dish_id: line.base_price_fen for line in quote.lines},
                            expires_at_epoch=int(now.timestamp()))
    if not paid:
        return order
    repository.transition(order.order_id, "takeout", OrderAction.PAY, at=iso(now), by="wxpay",
                          extra=[OrderRecord.paid_at.set(iso(now)), OrderRecord.pickup_no.set(101)])
    paid = repository.get_order(order.order_id, consistent=True)
    console.stats.record_paid(paid)
    return paid


@pytest.fixture
def paid_order(console):
    return make_paid_order(console)
