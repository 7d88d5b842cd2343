"""A sale at the counter (POS): what the cashier sends and how the guest pays. The price is never part of it:
the order is priced on the server like the mini-program's; the cash given is checked against that total."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field, model_validator

from diancan.domain.cart import CartItem
from diancan.domain.errors import InvalidRequest, Unprocessable
from diancan.domain.money import Fen

MAX_TENDERED_FEN = 10_000_00  # ¥10,000: more cash than that is a typing slip


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
