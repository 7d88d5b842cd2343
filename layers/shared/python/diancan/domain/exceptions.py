"""The refusals adapters report to services, in the domain's words.

Services catch these, never an adapter's own exception, so a service runs unchanged on an in-memory fake
of a port (tests/services) and an adapter can change how it learns of a refusal (a DynamoDB condition, an
HTTP answer) without touching the service. Adapters raise these (or translate their own to these); the
adapter modules re-export them under the old names.
"""

from __future__ import annotations

from diancan.domain.errors import (
    Conflict,
    InvalidRequest,
    NotFound,
    Unauthorized,
    Unprocessable,
    UpstreamUnavailable,
)


class ConditionFailed(Exception):
    """One labelled step of a conditional write (transaction) did not hold; ``label`` names the step."""

    def __init__(self, label: str) -> None:
        super().__init__(label)
        self.label = label


# ---- orders ------------------------------------------------------------------------------------------------

class OrderKeyTaken(Conflict):
    """The guest already placed an order with this Idempotency-Key (carries the existing order id)."""

    code = "IDEMPOTENCY_KEY_USED"

    def __init__(self, order_id: str, request_hash: str) -> None:
        super().__init__("this Idempotency-Key was already used", "该请求已提交")
        self.order_id = order_id
        self.request_hash = request_hash


class PriceChanged(Conflict):
    """A dish's price changed between the quote and the order's write: the guest reviews and orders again."""

    code, message_zh, message_en = "MENU_CHANGED", "菜单刚刚更新，请确认后重新下单", "The menu just changed; please review and order again"


class OrderNotInState(Conflict):
    """The order's status was not the one the write expected (the caller re-reads and decides)."""

    code = "ORDER_STATE_CHANGED"


class NotEnoughPoints(Unprocessable):
    """The guest's points balance no longer covers the points the order redeems."""

    code, message_zh, message_en = "NOT_ENOUGH_POINTS", "积分不足", "Not enough points"


# ---- tables ------------------------------------------------------------------------------------------------

class CartChanged(Conflict):
    """The table's shared cart moved on since the sender saw it (another guest added or sent a round)."""

    code, message_zh, message_en = "CART_CHANGED", "购物车刚被同桌修改，请确认后再提交", "The table's cart just changed; review it and submit again"


class SessionNotFound(NotFound):
    code, message_zh, message_en = "TABLE_SESSION_NOT_FOUND", "本桌点餐已结束，请重新扫码", "No such table session; scan the table again"


# ---- payments ----------------------------------------------------------------------------------------------

class NonceReused(Conflict):
    """A notification nonce seen before on another body: a replay, not a second payment."""

    code = "NONCE_REUSED"


class WeChatPayError(Exception):
    """WeChat Pay refused the call (body ``{"code", "message"}``); repeating it unchanged will not help."""

    def __init__(self, code: str, message: str, status: int | None = None) -> None:
        super().__init__(f"{code}: {message}" + (f" (HTTP {status})" if status else ""))
        self.code, self.message, self.status = code, message, status


class OrderAlreadyPaid(WeChatPayError):
    """The order was paid (ORDER_PAID), e.g. on close: refund it instead, and mark it paid."""


class UntrustedResponse(WeChatPayError):
    """A 2xx answer whose signature (or bill hash) did not verify: its content must not be used."""


class WeChatPayUnavailable(UpstreamUnavailable):
    """Timeout, connection error, 5xx or rate limit: retry later (with the same out_trade_no / out_refund_no)."""


# ---- delivery ----------------------------------------------------------------------------------------------

class DispatchChanged(Conflict):
    """Another invocation wrote the dispatch first (or claimed it); re-read and decide again."""

    code = "DISPATCH_CHANGED"


class CourierError(Exception):
    """The platform refused the call (its own business code and message). Retrying will not help."""

    def __init__(self, code: int | str, msg: str) -> None:
        self.code, self.msg = code, msg
        super().__init__(f"courier error {code}: {msg}")


class CallbackRejected(InvalidRequest):
    """A status callback that is not provably from the platform; answer 4xx and change nothing."""

    code = "COURIER_CALLBACK_REJECTED"


class CourierUnavailable(UpstreamUnavailable):
    """Timeout, connection failure, 5xx or an unreadable answer: the call may be retried."""

    code = "COURIER_UNAVAILABLE"


# ---- printing ----------------------------------------------------------------------------------------------

class JobChanged(Conflict):
    """Another invocation changed the print job meanwhile; the caller's retry reads it again."""

    code = "PRINT_JOB_CHANGED"


class PrinterError(Exception):
    """The vendor answered and refused (Feieyun ``ret`` != 0): wrong credentials, a printer not bound to
    the account, bad content. Sending the same call again will not help."""

    def __init__(self, ret: int, msg: str) -> None:
        self.ret = ret
        self.msg = msg
        super().__init__(f"printer vendor refused: ret={ret} msg={msg}")


class PrinterUnavailable(UpstreamUnavailable):
    """Timeout, connection failure, HTTP error or unreadable answer: retryable. After a print call it is
    unknown whether the vendor accepted the job, so a retry may print twice."""


class PushFailed(Exception):
    """A push to one WebSocket connection failed for another reason than the connection being gone (410).
    ``retryable``: throttled or the endpoint unreachable or failing (429, 5xx, timeouts)."""

    def __init__(self, reason: str, *, retryable: bool) -> None:
        super().__init__(reason)
        self.retryable = retryable


class ConnectionGone(Unauthorized):
    """The WebSocket connection is not (or no longer) stored: it must connect again."""

    code, message_zh, message_en = "CONNECTION_GONE", "连接已断开，请重新连接", "The connection is gone; reconnect"
