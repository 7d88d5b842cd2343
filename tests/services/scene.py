"""A scene for the service tier: one World, its fakes, a fixed clock and orders made to measure."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from diancan.domain.cart import OrderLine
from diancan.domain.events import OrderPaid
from diancan.domain.menu import Dish, Store
from diancan.domain.order import Order
from diancan.services.ordering import OrderingService
from diancan.services.payments import PaymentService
from tests.services.fakes import (
    FakeEventPublisher,
    FakeOrderRepository,
    FakePaymentLedger,
    FakePrinter,
    FakePrintJobQueue,
    FakeWeChatPay,
    World,
)

NOW = datetime(2026, 11, 24, 4, 30, tzinfo=UTC)  # 12:30 in Shanghai, business day 2026-11-24
TZ = "Asia/Shanghai"


def line(name: str = "宫保鸡丁", qty: int = 1, price_fen: int = 3800) -> OrderLine:
    return OrderLine(dish_id=f"d-{name}", name=name, category_id="c-hot", station_id="hot", qty=qty,
                     base_price_fen=price_fen, unit_price_fen=price_fen, line_total_fen=price_fen * qty)


def order(order_id: str = "261124123000A1B2C3D4", **fields) -> Order:
    lines = fields.pop("lines", None) or [line()]
    total = sum(x.line_total_fen for x in lines)
    values = {"order_id": order_id, "store_id": "sh-jingan", "openid": "o-guest", "mode": "takeout", "lines": lines,
              "items_fen": total, "total_fen": total, "created_at": "2026-11-24T04:20:00Z",
              "business_day": "2026-11-24", "pay_expires_at": "2026-11-24T04:35:00Z", **fields}
    return Order(**values)


@dataclass
class Scene:
    world: World = field(default_factory=World)
    now: datetime = NOW

    def __post_init__(self) -> None:
        self.orders = FakeOrderRepository(self.world)
        self.ledger = FakePaymentLedger(self.world)
        self.pay = FakeWeChatPay()
        self.bus = FakeEventPublisher(self.world)
        self.jobs = FakePrintJobQueue(self.world)
        self.printer = FakePrinter()

    @classmethod
    def selling(cls, store: Store, *dishes: Dish, tables: tuple[str, ...] = ()) -> Scene:
        """A scene whose store sells ``dishes`` (and has ``tables``): the set-up the ordering, table and counter
        tests share."""
        scene = cls()
        scene.orders.given_store(store, *tables)
        for dish in dishes:
            scene.orders.given_dish(dish)
        return scene

    def payments(self, **ports) -> PaymentService:
        """The payment service on this scene's fakes (``ports``: its optional ones, e.g. stats, alerts)."""
        return PaymentService(self.orders, self.ledger, self.pay, self.bus, business_tz=TZ, clock=self.clock, **ports)

    def ordering(self, payments: PaymentService | None = None, **ports) -> OrderingService:
        """The ordering service on this scene's fakes, paying through ``payments`` (a new one if not given)."""
        return OrderingService(self.orders, None, payments or self.payments(), expiry_minutes=15, clock=self.clock,
                               **ports)

    def clock(self) -> datetime:
        return self.now

    def status(self, order_id: str) -> str:
        return self.world.order(order_id).status.value


def paid_event(o: Order, *, at: str = "2026-11-24T12:30:00+08:00") -> OrderPaid:
    """The OrderPaid event a payment of ``o`` publishes."""
    return OrderPaid(order_id=o.order_id, store_id=o.store_id, at=at, mode=o.mode, total_fen=o.total_fen,
                     transaction_id="4200000001", pickup_no=1)
