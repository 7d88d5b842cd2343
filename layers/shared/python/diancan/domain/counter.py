"""A sale at the counter (POS): what the cashier sends and how the guest pays. The price is never part of it:
the order is priced on the server like the mini-program's; the cash given is checked against that total.
A member found at the counter (by phone tail or member code, never by openid) is named by their member code;
the sale is then theirs: their level's offer, one of their coupons, their points when it completes."""

from __future__ import annotations

import re
from enum import StrEnum

from pydantic import BaseModel, Field, field_validator, model_validator

from diancan.domain.cart import CartItem
from diancan.domain.errors import InvalidRequest, Unprocessable
from diancan.domain.member_codes import MEMBER_CODE
from diancan.domain.money import Fen

MAX_TENDERED_FEN = 10_000_00  # ¥10,000: more cash than that is a typing slip
PHONE_TAIL = re.compile(r"^[0-9]{4}$")  # ASCII digits only ('１２３４' is not a tail)
MEMBERS_LISTED = 10  # a phone tail shared by more members shows the first 10 and asks for the member code


class MemberQuery(BaseModel):
    """What the cashier typed to find a member: the last 4 digits of the phone, or the member code."""

    phone_tail: str | None = None
    code: str | None = None

    @classmethod
    def parse(cls, text: str) -> MemberQuery:
        typed = (text or "").strip().upper()
        if PHONE_TAIL.match(typed):
            return cls(phone_tail=typed)
        if MEMBER_CODE.match(typed):
            return cls(code=typed)
        raise InvalidRequest("q must be the phone's last 4 digits or a member code (M + 8 characters)",
                             "请输入手机尾号4位或会员码", code="INVALID_MEMBER_QUERY")


def normal_member_code(code: str) -> str:
    """A member code as typed (any case) → as stored; a malformed one is a 400."""
    typed = code.strip().upper()
    if not MEMBER_CODE.match(typed):
        raise InvalidRequest("member_code must be M + 8 characters", "会员码格式有误", code="INVALID_MEMBER_CODE")
    return typed


class CounterPayment(StrEnum):
    """Cash (amount given, change), a card terminal, a payment code scanned (付款码, recorded as ``other`` with its
    transaction id), or the open table's bill (paid when the table settles)."""

    CASH = "cash"
    CARD = "card"
    OTHER = "other"
    TABLE = "table"


class CounterCart(BaseModel):
    """The dishes (with their options) and a remark: what a quote prices."""

    model_config = {"extra": "forbid"}  # a price or total sent along is refused; a line's price is never read

    items: list[CartItem] = Field(min_length=1, max_length=50)
    remark: str = Field("", max_length=140)
    member_code: str | None = Field(None, min_length=9, max_length=9,
                                    description="the member the order is for (their points, level, coupons)")
    coupon_id: str | None = Field(None, min_length=1, max_length=64,
                                  description="one of that member's coupons, checked and priced on the server")

    @field_validator("member_code")
    @classmethod
    def _code(cls, code: str | None) -> str | None:
        return normal_member_code(code) if code else None

    @model_validator(mode="after")
    def _coupon_needs_member(self) -> CounterCart:
        if self.coupon_id and not self.member_code:
            raise InvalidRequest("a coupon needs the member whose it is", "使用优惠券请先选择会员",
                                 code="COUPON_NEEDS_MEMBER")
        return self


class CounterSale(CounterCart):
    """One counter order: the cart and how it is paid (takeout, unless it joins a table's bill)."""

    payment: CounterPayment
    tendered_fen: Fen | None = Field(None, ge=1, le=MAX_TENDERED_FEN, description="cash given (cash only)")
    transaction_id: str | None = Field(None, pattern=r"^[0-9A-Za-z_\-]{6,64}$",
                                       description="the scanned payment code's transaction id (other only)")
    session_id: str | None = Field(None, min_length=1, max_length=64,
                                   description="the open table session whose bill it joins (table only)")

    @model_validator(mode="after")
    def _what_the_payment_needs(self) -> CounterSale:
        if self.payment == CounterPayment.CASH and self.tendered_fen is None:
            raise InvalidRequest("cash needs tendered_fen", "请填写实收现金", code="TENDERED_REQUIRED")
        if self.payment == CounterPayment.OTHER and not self.transaction_id:
            raise InvalidRequest("a payment code needs its transaction_id", "请扫描或输入付款码交易单号",
                                 code="TRANSACTION_ID_REQUIRED")
        if self.payment == CounterPayment.TABLE and not self.session_id:
            raise InvalidRequest("a table's bill needs session_id", "请选择桌台", code="TABLE_REQUIRED")
        if self.payment == CounterPayment.TABLE and self.member_code:
            raise InvalidRequest("a table's bill is the table's, not a member's order", "记入桌台账单时不能选择会员",
                                 code="MEMBER_NOT_FOR_TABLE")
        return self

    def receipt(self, total_fen: Fen) -> dict:
        """What the voucher keeps beside the amount: the cash given and the change, or the payment code's
        transaction id. Cash short of the total is refused before anything is written."""
        if self.payment == CounterPayment.CASH:
            tendered = self.tendered_fen or 0
            if tendered < total_fen:
                raise Unprocessable("the cash given is less than the total", "实收现金不足",
                                    code="CASH_SHORT", details={"total_fen": total_fen, "tendered_fen": tendered})
            return {"tendered_fen": tendered, "change_fen": tendered - total_fen}
        if self.payment == CounterPayment.OTHER:
            return {"transaction_id": self.transaction_id}
        return {}
