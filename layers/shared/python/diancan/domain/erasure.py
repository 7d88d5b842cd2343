"""A guest's "delete my data" request, done as due work: the request is recorded at once and answered with a
reference; the erasure worker erases in bounded batches (the guest's member items first, then their orders a
page at a time), keeping its place (``cursor``) and counts on the request, until it is done.

Pure: no I/O.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field

ERASED = ("phone", "birthday", "favourite_dish", "addresses", "reviews_text_and_pictures", "table_nicknames",
          "profile", "points", "member_profile")
KEPT = {"orders": "订单与支付记录依法保留（已去除地址、电话和评价内容），到期后由留存任务删除"}
KEPT_EN = {"orders": "orders and payments are kept as the law requires (without addresses, phone numbers and "
                     "review text), and deleted by the retention job"}
ORDERS_PER_BATCH = 25  # orders erased per step: a step stays well inside the worker's time
COUNTED = ("addresses", "reviews", "review_pictures", "nicknames", "points")


class ErasureStatus(StrEnum):
    REQUESTED = "requested"  # recorded, waiting for the worker
    WORKING = "working"  # member items erased; orders being erased page by page
    DONE = "done"


class Erasure(BaseModel):
    """One request and its progress (``steps`` guards each step's write: two workers never both advance it)."""

    erasure_id: str = Field(description="the reference the guest is given")
    openid: str
    member_code: str
    status: ErasureStatus = ErasureStatus.REQUESTED
    requested_at: str
    updated_at: str
    done_at: str | None = None
    steps: int = 0
    cursor: dict | None = Field(None, description="where the next page of the guest's orders starts")
    counts: dict[str, int] = Field(default_factory=lambda: dict.fromkeys(COUNTED, 0))

    @property
    def pending(self) -> bool:
        return self.status is not ErasureStatus.DONE

    def guest_view(self) -> dict:
        return {"reference": self.erasure_id, "status": self.status.value, "requested_at": self.requested_at,
                "updated_at": self.updated_at, "done_at": self.done_at, "counts": self.counts,
                "erased": list(ERASED), "kept": [{"what": k, "why": KEPT[k], "why_en": KEPT_EN[k]} for k in KEPT]}

    def staff_view(self) -> dict:
        """For the console: the member code, never the openid."""
        return {"reference": self.erasure_id, "member_code": self.member_code, "status": self.status.value,
                "requested_at": self.requested_at, "done_at": self.done_at, "steps": self.steps,
                "counts": self.counts}
