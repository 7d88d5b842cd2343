"""The order aggregate and the rules for accepting a new one (mode, table, address, pickup time)."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, Field, model_validator

from diancan.domain.cart import CartItem, OrderLine
from diancan.domain.clock import iso, parse_iso
from diancan.domain.errors import InvalidRequest, Unprocessable
from diancan.domain.menu import Store
from diancan.domain.money import Fen
from diancan.domain.order_status import OrderStatus, StatusChange
from diancan.domain.pricing import Discount

DiningMode = str  # "dine_in" | "takeout" | "delivery"


STAFF_PREFIX = "staff:"  # the openid of an order staff took (a walk-in at the counter, a table's tab they opened)


def is_guest(openid: str) -> bool:
    """A guest's WeChat openid, not a staff member standing in for a walk-in: only guests earn points, count
    as guests in reports and get the guest's coupons."""
    return not openid.startswith(STAFF_PREFIX)


class Channel(StrEnum):
    """Where an order was taken: the guest's mini-program, a table session's rounds, or the staff's counter."""

    MINIPROGRAM = "miniprogram"
    TABLE = "table"
    COUNTER = "counter"


class DeliveryAddress(BaseModel):
    contact: str = Field(min_length=1, max_length=40)
    phone: str = Field(pattern=r"^1\d{10}$")
    text: str = Field(min_length=2, max_length=200)
    lat: float = Field(ge=-90, le=90)
    lng: float = Field(ge=-180, le=180)


class OrderRequest(BaseModel):
    """What the mini-program sends to quote or place an order. Prices are not part of it."""

    model_config = {"extra": "ignore"}

    store_id: str = Field(min_length=1, max_length=64)
    mode: str = Field(pattern="^(dine_in|takeout|delivery)$")
    table_no: str | None = Field(None, max_length=16)
    address: DeliveryAddress | None = None
    pickup_at: datetime | None = None
    items: list[CartItem] = Field(min_length=1, max_length=50)
    remark: str = Field("", max_length=140)
    coupon_id: str | None = Field(None, max_length=64)
    use_points: int = Field(0, ge=0)


class Order(BaseModel):
    order_id: str
    store_id: str
    openid: str
    mode: DiningMode
    status: OrderStatus = OrderStatus.PENDING_PAYMENT
    table_no: str | None = None
    address: DeliveryAddress | None = None
    pickup_at: str | None = None
    release_at: str | None = Field(None, description="a pre-order: when it goes to the kitchen (pickup_at minus "
                                                       "the store's lead time); paid before it, it waits SCHEDULED")
    slot: str | None = Field(None, description="a pre-order: the store-local 15-minute slot it takes, YYYY-MM-DDTHH:MM")
    remark: str = ""
    lines: list[OrderLine]
    items_fen: Fen
    packing_fee_fen: Fen = 0
    delivery_fee_fen: Fen = 0
    discounts: list[Discount] = Field(default_factory=list)
    discount_fen: Fen = 0
    total_fen: Fen
    reserved: dict[str, int] = Field(default_factory=dict, description="dish id → portions reserved")
    created_at: str
    business_day: str = Field(description="local (store time zone) day of creation, yyyy-mm-dd")
    pay_expires_at: str
    paid_at: str | None = None
    pickup_no: int | None = None
    refunded_fen: Fen = 0
    transaction_id: str | None = None
    prepay_id: str | None = None
    paid_fen: Fen | None = None
    refund_committed_fen: Fen = 0
    prep_minutes: int | None = Field(None, description="the kitchen's time for it: its slowest dish (waiting times)")
    flags: list[str] = Field(default_factory=list, description="NOT_PRINTED, LATE_PAYMENT, REFUND_ABNORMAL, ...")
    published: list[str] = Field(default_factory=list, description="events already published for it")
    history: list[StatusChange] = Field(default_factory=list)
    channel: Channel | None = Field(None, description="miniprogram, table or counter; orders stored without one "
                                                      "read as table (with a table number) or miniprogram")

    @model_validator(mode="after")
    def _channel_as_taken(self) -> Order:
        """Orders from before channels were stored were all the guest's: at a table or in the mini-program."""
        if self.channel is None:
            self.channel = Channel.TABLE if self.table_no else Channel.MINIPROGRAM
        return self

    @property
    def kitchen_at(self) -> str | None:
        """When the kitchen got the order: its payment, or a pre-order paid ahead at its release (None: unpaid).
        The open kitchen tickets and the waiting estimate count from here, not from a payment of yesterday."""
        if self.paid_at and self.release_at and parse_iso(self.release_at) > parse_iso(self.paid_at):
            return self.release_at
        return self.paid_at

    def guest_view(self) -> dict:
        """What the guest sees of their own order (no openid, no internal reservation data)."""
        data = self.model_dump(mode="json", exclude={"openid", "reserved", "refund_committed_fen",
                                                            "prepay_id", "published", "prep_minutes"})
        for line in data["lines"]:
            line.pop("recipe", None)
        return data


def validate_request(request: OrderRequest, store: Store, *, now: datetime, table_exists: bool) -> None:
    """Refuse an order the store cannot take: mode, table, address, store hours, pre-order window."""
    if request.mode not in store.modes:
        raise Unprocessable(f"{store.name} does not offer {request.mode}", "该门店不支持此就餐方式",
                            code="MODE_NOT_OFFERED", details={"mode": request.mode})
    if request.mode == "dine_in" and (not request.table_no or not table_exists):
        raise InvalidRequest("dine-in needs a table of this store", "请扫描本店桌码点餐", code="TABLE_NOT_FOUND",
                             details={"table_no": request.table_no})
    if request.mode == "delivery" and request.address is None:
        raise InvalidRequest("delivery needs an address", "外卖需要填写收货地址", code="ADDRESS_REQUIRED")
    if request.pickup_at is None:
        if not store.is_open_at(now):
            raise Unprocessable(f"{store.name} is closed now", "门店当前不营业", code="STORE_CLOSED")
        return
    if request.pickup_at.tzinfo is None:
        raise InvalidRequest("pickup_at needs a UTC offset", "预约时间需要带时区", code="INVALID_PICKUP_TIME")
    if request.mode == "dine_in":
        raise InvalidRequest("dine-in orders are for now", "堂食不支持预约", code="INVALID_PICKUP_TIME")
    if request.pickup_at < now - timedelta(minutes=1):
        raise InvalidRequest("pickup time is in the past", "预约时间已过", code="INVALID_PICKUP_TIME")
    if request.pickup_at > now + timedelta(days=store.preorder_days):
        raise Unprocessable(f"pre-orders are at most {store.preorder_days} days ahead",
                            f"最多提前{store.preorder_days}天预约", code="PREORDER_TOO_FAR")
    if not store.is_open_at(request.pickup_at):
        raise Unprocessable("the store is closed at that time", "所选时间门店不营业", code="STORE_CLOSED_AT_PICKUP",
                            details={"pickup_at": iso(request.pickup_at)})
