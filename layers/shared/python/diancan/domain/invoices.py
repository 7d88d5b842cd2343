"""Invoices (发票) a guest asks for on their own paid order, and staff mark issued with the tax platform's number.

Issuing through a tax platform is out of scope: the request and its record are kept, one per order, for the
amount the guest paid less what was refunded. A company title needs its unified social credit code
(统一社会信用代码, GB 32100-2015: 18 characters with a check character); a personal title has no tax number.
Pure: no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, Field, ValidationInfo, field_validator

from diancan.domain.errors import Conflict
from diancan.domain.money import Fen

_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, Z, S, V
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_EMAIL = re.compile(r"^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(\.[A-Za-z0-9-]{1,63})+$")


def uscc_valid(code: str) -> bool:
    """Whether ``code`` is a well-formed unified social credit code, check character included."""
    if len(code) != 18 or any(ch not in _USCC_CHARS for ch in code):
        return False
    total = sum(_USCC_CHARS.index(ch) * weight for ch, weight in zip(code[:17], _USCC_WEIGHTS, strict=True))
    return _USCC_CHARS[(31 - total % 31) % 31] == code[17]


class InvoiceStatus(StrEnum):
    REQUESTED = "requested"
    ISSUED = "issued"
    REVERSED = "reversed"  # 冲红: a red invoice of the whole amount cancels the issued one


class InvoiceRequest(BaseModel):
    """What the guest fills in on the order page."""

    model_config = {"extra": "forbid", "str_strip_whitespace": True}

    kind: Literal["company", "personal"] = Field(description="a company title needs its tax number")
    title: str = Field(min_length=1, max_length=100, description="the company's name, or the person's")
    tax_number: str = Field("", max_length=18, validate_default=True,
                            description="unified social credit code (companies only)")
    email: str = Field(max_length=254, description="where the issued e-invoice is sent")

    @field_validator("tax_number")
    @classmethod
    def _tax_number(cls, value: str, info: ValidationInfo) -> str:
        value = value.upper()
        kind = info.data.get("kind")
        if kind == "company" and not uscc_valid(value):
            raise ValueError("a company needs its 18-character unified social credit code")
        if kind == "personal" and value:
            raise ValueError("a personal invoice has no tax number")
        return value

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        if not _EMAIL.match(value):
            raise ValueError("not an e-mail address")
        return value

    @field_validator("title")
    @classmethod
    def _title(cls, value: str) -> str:
        if any(ord(ch) < 32 or ch in "<>" for ch in value):
            raise ValueError("no control characters or angle brackets")
        return value


class Invoice(BaseModel):
    """One order's invoice request and, once issued, its number."""

    order_id: str
    store_id: str
    openid: str
    amount_fen: Fen = Field(ge=1)
    request: InvoiceRequest
    status: InvoiceStatus = InvoiceStatus.REQUESTED
    requested_at: str
    issued_at: str | None = None
    issued_day: str | None = Field(None, description="the business day it was issued (the settlement's day)")
    invoice_no: str | None = None
    issued_by: str | None = None
    reversed_at: str | None = None
    reversed_day: str | None = Field(None, description="the business day of the red invoice (the settlement's day)")
    red_invoice_no: str | None = None
    reversed_by: str | None = None

    def guest_view(self) -> dict:
        return self.model_dump(mode="json", exclude={"openid", "issued_by"})

    def staff_view(self) -> dict:
        return self.model_dump(mode="json", exclude={"openid"})


@dataclass(frozen=True)
class InvoiceLine:
    """One invoice movement of a business day, as the settlement counts it: the issued (blue) invoice adds its
    amount on the day it was issued, its red reversal (冲红) takes the same amount off on the day of the red one."""

    order_id: str
    invoice_no: str
    colour: Literal["blue", "red"]
    amount_fen: Fen  # signed: negative for a red invoice
    at: str

    def as_json(self) -> dict:
        return {"order_id": self.order_id, "invoice_no": self.invoice_no, "colour": self.colour,
                "amount_fen": self.amount_fen, "at": self.at}


def blue_line(invoice: Invoice) -> InvoiceLine:
    """The issued invoice, counted on ``issued_day``."""
    assert invoice.invoice_no and invoice.issued_at
    return InvoiceLine(invoice.order_id, invoice.invoice_no, "blue", invoice.amount_fen, invoice.issued_at)


def red_line(invoice: Invoice) -> InvoiceLine:
    """Its red reversal, counted on ``reversed_day``."""
    assert invoice.red_invoice_no and invoice.reversed_at
    return InvoiceLine(invoice.order_id, invoice.red_invoice_no, "red", -invoice.amount_fen, invoice.reversed_at)


class InvoiceAlreadyRequested(Conflict):
    code, message_zh, message_en = ("INVOICE_ALREADY_REQUESTED", "该订单已申请过发票",
                                    "An invoice was already requested for this order")


class InvoiceAlreadyIssued(Conflict):
    code, message_zh, message_en = ("INVOICE_ALREADY_ISSUED", "该发票已开具（号码不同）",
                                    "The invoice was already issued with another number")


class InvoiceNotIssued(Conflict):
    code, message_zh, message_en = ("INVOICE_NOT_ISSUED", "发票尚未开具，无法冲红",
                                    "Only an issued invoice can be reversed")


class InvoiceAlreadyReversed(Conflict):
    code, message_zh, message_en = ("INVOICE_ALREADY_REVERSED", "该发票已冲红（红字发票号码不同）",
                                    "The invoice was already reversed with another red invoice number")


class NotInvoiceable(Conflict):
    code, message_zh, message_en = "ORDER_NOT_INVOICEABLE", "订单未支付或已全额退款，无法开票", "Only a paid order can be invoiced"


INVOICE_NO = re.compile(r"^[0-9A-Za-z-]{8,32}$")
