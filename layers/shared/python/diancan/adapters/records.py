"""pynamodb models of the one table. Polymorphic on ``kind`` so a partition query yields typed records.

Records hold the stored shape only; converting to and from domain models happens in the repository.
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    DiscriminatorAttribute,
    JSONAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
)
from pynamodb.connection import Connection, TableConnection
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from diancan.adapters import aws
from diancan.settings import get_settings


class _Gsi1(GlobalSecondaryIndex):
    class Meta:
        index_name = "GSI1"
        projection = AllProjection()

    GSI1PK = UnicodeAttribute(hash_key=True)
    GSI1SK = UnicodeAttribute(range_key=True)


class _Gsi2(GlobalSecondaryIndex):
    class Meta:
        index_name = "GSI2"
        projection = AllProjection()

    GSI2PK = UnicodeAttribute(hash_key=True)
    GSI2SK = UnicodeAttribute(range_key=True)


class Record(Model):
    class Meta:
        # Taken from the settings on the first connection (``configure``), not at import: importing the models
        # needs no deployment environment, and a changed environment reaches them after ``forget``.
        table_name: str | None = None
        region: str | None = None
        connect_timeout_seconds: float | None = None
        read_timeout_seconds: float | None = None
        max_retry_attempts: int | None = None

    PK = UnicodeAttribute(hash_key=True)
    SK = UnicodeAttribute(range_key=True)
    kind = DiscriminatorAttribute()
    GSI1PK = UnicodeAttribute(null=True)
    GSI1SK = UnicodeAttribute(null=True)
    GSI2PK = UnicodeAttribute(null=True)
    GSI2SK = UnicodeAttribute(null=True)
    expires_at = NumberAttribute(null=True)
    gsi1 = _Gsi1()
    gsi2 = _Gsi2()

    @classmethod
    def _get_connection(cls) -> TableConnection:
        """pynamodb's hook: every model call gets its connection here, so the settings are read first.

        One connection for every record class (they are one table with one schema), on the process's botocore
        session (adapters.aws). pynamodb would give each class a connection of its own, and each connection a
        botocore session per thread: ~80 ms for each record class a cold function's first request touches,
        against ~4 ms for a client of the shared session (docs/performance.md)."""
        meta = configured()
        table = super(Record, Record)._get_connection()
        if not isinstance(table.connection, _SharedSessionConnection):
            shared = _SharedSessionConnection(
                region=meta.region, host=meta.host, connect_timeout_seconds=meta.connect_timeout_seconds,
                read_timeout_seconds=meta.read_timeout_seconds, max_retry_attempts=meta.max_retry_attempts,
                max_pool_connections=meta.max_pool_connections, extra_headers=meta.extra_headers)
            shared.add_meta_table(table.get_meta_table())
            table.connection = shared
        return table


class _SharedSessionConnection(Connection):
    """pynamodb's low-level connection, its client made from the process's botocore session."""

    @property
    def session(self):
        return aws.session()

    @property
    def client(self):
        with aws.CLIENT_LOCK:  # pynamodb makes its client on first use, from the shared session
            return super().client


def table_connection() -> Connection:
    """The low-level pynamodb connection (transactions, batch reads) of the models' one table connection: the
    models' timeouts and retries, not pynamodb's defaults (15 s connect, 30 s read: those outlast a 10 s
    function), and the same botocore client."""
    return Record._get_connection().connection


class StoreRecord(Record, discriminator="store"):
    store_id = UnicodeAttribute()
    doc = JSONAttribute()
    updated_at = UnicodeAttribute(null=True)  # stamped on every write; the console's optimistic lock


class CategoryRecord(Record, discriminator="category"):
    doc = JSONAttribute()


class DishRecord(Record, discriminator="dish"):
    """Fields that change under concurrency are top level, so conditions and counters can use them."""

    price_fen = NumberAttribute()
    on_shelf = BooleanAttribute(default=True)
    sold_out = BooleanAttribute(default=False)
    portions_left = NumberAttribute(null=True)
    daily_portions = NumberAttribute(null=True)
    sold_count = NumberAttribute(default=0)
    rating_sum = NumberAttribute(default=0)
    rating_count = NumberAttribute(default=0)
    doc = JSONAttribute()


class TableRecord(Record, discriminator="table"):
    doc = JSONAttribute()


class OrderRecord(Record, discriminator="order"):
    """The order: an immutable priced snapshot (``doc``) plus its mutable state as top-level fields."""

    store_id = UnicodeAttribute()
    openid = UnicodeAttribute()
    status = UnicodeAttribute()
    doc = JSONAttribute()
    history = ListAttribute(default=list)
    version = NumberAttribute(default=1)
    paid_at = UnicodeAttribute(null=True)
    pickup_no = NumberAttribute(null=True)
    refunded_fen = NumberAttribute(default=0)
    prepay_id = UnicodeAttribute(null=True)
    transaction_id = UnicodeAttribute(null=True)
    paid_fen = NumberAttribute(null=True)
    refund_committed_fen = NumberAttribute(default=0)
    refund_count = NumberAttribute(default=0)
    flags = UnicodeSetAttribute(null=True)
    published = UnicodeSetAttribute(null=True)  # events already published for this order (replays skip them)


class OrderKeyRecord(Record, discriminator="order_key"):
    """Idempotency-Key of a placed order: the same key from the same guest returns the same order."""

    order_id = UnicodeAttribute()
    request_hash = UnicodeAttribute()


class UserRecord(Record, discriminator="user"):
    openid = UnicodeAttribute()
    created_at = UnicodeAttribute()
    last_login_at = UnicodeAttribute(null=True)
    doc = JSONAttribute(default=dict)


class VoucherRecord(Record, discriminator="voucher"):
    """A payment or refund voucher (``ORDER#<oid>/VOUCHER#<reference>``); GSI2 ``VOUCHERS#<sid>`` / seq
    lists a store's chain in order. Written once, never updated."""

    doc = JSONAttribute()


class RefundRecord(Record, discriminator="refund"):
    """A refund of an order (``ORDER#<oid>/REFUND#<out_refund_no>``)."""

    status = UnicodeAttribute()  # SUBMITTING | PROCESSING | SUCCESS | ABNORMAL | CLOSED | FAILED
    amount_fen = NumberAttribute()
    reason = UnicodeAttribute()
    requested_by = UnicodeAttribute()
    food_made = BooleanAttribute(default=False)
    created_at = UnicodeAttribute()
    refund_id = UnicodeAttribute(null=True)
    settled_at = UnicodeAttribute(null=True)
    line_indexes = ListAttribute(null=True)  # the order's lines refunded (numbers), absent: an amount only


class ChainHeadRecord(Record, discriminator="chain_head"):
    """Per store (``STORE#<sid>/CHAIN``): head of the voucher chain and today's pickup number. Every
    payment updates it with an optimistic condition on ``chain_seq``, which keeps both gapless."""

    chain_seq = NumberAttribute(default=0)
    chain_head = UnicodeAttribute()
    pickup_day = UnicodeAttribute(null=True)
    pickup_no = NumberAttribute(default=0)


class NonceRecord(Record, discriminator="notify_nonce"):
    """A WeChat Pay notification nonce (``NOTIFY#<nonce>/NONCE``): the same nonce on another body is a replay attack."""

    body_hash = UnicodeAttribute()


class SweepRecord(Record, discriminator="sweep"):
    """Work due at a minute (``SWEEP#<yyyy-mm-ddTHH:MM>/<task>#<id>``): unpaid-order expiry and payment
    checks, refund follow-ups; ``ERASE#<minute>/erase#<openid>`` the erasure worker's steps (``ref``: the
    openid). A worker reads due minutes with one query each, never a scan."""

    task = UnicodeAttribute()
    order_id = UnicodeAttribute()
    ref = UnicodeAttribute(null=True)


class SlotRecord(Record, discriminator="slot"):
    """Pre-orders taken in a store's 15-minute pickup slot (``SLOTS#<sid>#<local day>/SLOT#<HH:MM>``): one
    conditional ADD below the slot's capacity in the order's own transaction, given back on cancel or expiry."""

    taken = NumberAttribute(default=0)


class SweepCursorRecord(Record, discriminator="sweep_cursor"):
    """The last minute a due-work worker finished (``SWEEP/CURSOR``, ``ERASE/CURSOR``)."""

    minute = UnicodeAttribute()


class StationRecord(Record, discriminator="station"):
    """A kitchen station of a store (``STORE#<sid>/STATION#<id>``): the domain ``Station`` plus its sort;
    ``retired_at`` set: retired (kept for the tickets that name it, never printed to again)."""

    sort = NumberAttribute(default=0)
    doc = JSONAttribute()
    retired_at = UnicodeAttribute(null=True)


class PrinterRecord(Record, discriminator="printer"):
    """A printer a store registered at Feieyun (``STORE#<sid>/PRINTER#<sn>``): sn, name, when; never its key."""

    doc = JSONAttribute()


class PrintJobRecord(Record, discriminator="print_job"):
    """One ticket's print job (``ORDER#<oid>/PRINT#<ticket_id>``). Every write is a put conditioned on
    ``version`` (absent for the first), so a replay or a concurrent retry never sends a ticket twice.
    GSI1 (kitchen tickets until bumped) and GSI2 (sent → print_check, failed → console) are sparse."""

    store_id = UnicodeAttribute()
    status = UnicodeAttribute()
    version = NumberAttribute()
    doc = JSONAttribute()


def configured() -> type[Record.Meta]:
    """The models' table, region, timeouts and retries: taken from the current settings the first time they are
    needed after an import or a ``forget``."""
    meta = Record.Meta
    if meta.table_name is None:
        settings = get_settings()
        meta.region = settings.region
        meta.connect_timeout_seconds = settings.aws_connect_timeout_seconds
        meta.read_timeout_seconds = settings.aws_read_timeout_seconds
        meta.max_retry_attempts = settings.aws_max_attempts - 1  # pynamodb counts retries after the first attempt
        meta.table_name = settings.table_name  # last: set means configured
    return meta


def forget() -> None:
    """Drop the table, timeouts and cached connections of every record class; the next call takes them from
    the settings of that moment (tests and the local stack change the environment). Reads no settings."""
    Record.Meta.table_name = None
    pending = [Record]
    while pending:
        cls = pending.pop()
        cls._connection = None
        pending.extend(cls.__subclasses__())


# ---- stock (adapters/stock_table.py) ---------------------------------------------------------------------


class IngredientRecord(Record, discriminator="ingredient"):
    """``STORE#<sid>`` / ``INGREDIENT#<iid>``: quantity is top level so deductions can be conditions."""

    quantity = NumberAttribute()
    threshold = NumberAttribute(default=0)
    doc = JSONAttribute()


class LedgerRecord(Record, discriminator="stock_ledger"):
    """``LEDGER#<sid>#<iid>`` / ``<at>#<movement>#<ref>``: one stock movement, written once."""

    delta = NumberAttribute()
    doc = JSONAttribute()


class StockDeductionRecord(Record, discriminator="stock_deduction"):
    """``ORDER#<id>`` / ``STOCK#DEDUCTED#<nn>``: what one transaction deducted for the order."""

    plan = JSONAttribute()
    at = UnicodeAttribute()
    released_at = UnicodeAttribute(null=True)


class StockAlertRecord(Record, discriminator="stock_alert"):
    """``STORE#<sid>`` / ``STOCKALERT#<iid>``: an open StockLow alert (exists = raised, not cleared)."""

    doc = JSONAttribute()


class StockIssueRecord(Record, discriminator="stock_issue"):
    """``ORDER#<id>`` / ``STOCK_ISSUE``: a paid order stock could not cover, awaiting the store's decision.
    While open it is listed on GSI1 ``STOCKISSUES#<sid>`` (sparse: the decision removes GSI1 keys)."""

    store_id = UnicodeAttribute()
    status = UnicodeAttribute()
    doc = JSONAttribute()


# ---- marketing ---------------------------------------------------------------------------------------


class CouponTemplateRecord(Record, discriminator="coupon_template"):
    """A coupon template (``COUPONTPL/TPL#<tid>``). ``stock`` only goes down under ``stock >= 1``."""

    stock = NumberAttribute()
    claimed = NumberAttribute(default=0)
    doc = JSONAttribute()


class CouponClaimRecord(Record, discriminator="coupon_claim"):
    """How many of a template a guest has claimed (``USER#<openid>/CLAIM#<tid>``)."""

    count = NumberAttribute(default=0)


class GuestCouponRecord(Record, discriminator="guest_coupon"):
    """A coupon in a guest's wallet (``USER#<openid>/COUPON#<cid>``); GSI2 ``COUPONUSE#<sid>#<day>`` once used."""

    status = UnicodeAttribute()  # available | reserved | used
    order_id = UnicodeAttribute(null=True)
    valid_until = UnicodeAttribute()
    doc = JSONAttribute()


class MemberRecord(Record, discriminator="member"):
    """Points balance and spend (``USER#<openid>/MEMBER``); changed only with a ledger entry."""

    points = NumberAttribute(default=0)
    spend_fen = NumberAttribute(default=0)
    completed_orders = NumberAttribute(default=0)
    doc = JSONAttribute(default=dict)


class PointsEntryRecord(Record, discriminator="points_entry"):
    """One ledger line (``USER#<openid>/POINTS#<order id>#<what>``): written once, never changed."""

    delta = NumberAttribute()
    spend_delta = NumberAttribute(default=0)
    at = UnicodeAttribute()
    note = UnicodeAttribute(default="")


# ---- loyalty activity, reviews, recommendations ------------------------------------------------------------


class ErasureRecord(Record, discriminator="erasure"):
    """``USER#<openid>/ERASURE``: the guest's latest "delete my data" request and its progress (domain
    ``Erasure``); GSI2 ``ERASURES`` / ``<requested_at>#<erasure id>`` for the console's list."""

    status = UnicodeAttribute()
    steps = NumberAttribute(default=0)
    doc = JSONAttribute()


class TableNameRecord(Record, discriminator="table_name"):
    """``USER#<openid>/TNAME#<session id>``: the guest gave a nickname in that table session, so erasing their
    data knows where to blank it without a scan. No TTL: kept as long as the session's items (which have none)."""

    store_id = UnicodeAttribute()


class MemberInfoRecord(Record, discriminator="member_info"):
    """What the coupon rules and the profile need beyond points (``USER#<openid>/MEMBERINFO``); every field is
    set with its own UpdateItem so writers never clobber each other. GSI2 ``LASTORDER#<day>`` / openid (latest
    order day), GSI1 ``BIRTHDAY#<MM-DD>`` / openid (only when the guest gave a birthday)."""

    openid = UnicodeAttribute()
    last_order_day = UnicodeAttribute(null=True)
    favourite_dish = UnicodeAttribute(null=True)
    birthday = UnicodeAttribute(null=True)  # yyyy-mm-dd, given by the guest
    phone_enc = UnicodeAttribute(null=True)  # PiiCipher ciphertext, only with the guest's consent
    phone_consented_at = UnicodeAttribute(null=True)
    erasure_requested_at = UnicodeAttribute(null=True)  # the guest asked to delete their data (我的 → 隐私)


class PhoneTailRecord(Record, discriminator="phone_tail"):
    """The counter's way to a member by the last 4 digits of the phone they bound (``USER#<openid>/PHONETAIL``,
    GSI1 ``PHONETAIL#<tail>`` / openid). Written with the phone, deleted with it (erasure, retention); it holds
    no number: the masked one shown at the counter comes from ``MEMBERINFO``'s ciphertext."""

    openid = UnicodeAttribute()


class GuestRecoRecord(Record, discriminator="guest_reco"):
    """A guest's portions per dish in one store (``USER#<openid>/RECO#<sid>``), from their paid orders.
    ``recent`` holds the last order ids counted, so a replayed OrderPaid adds nothing; ``version`` guards the
    read-modify-write."""

    counts = JSONAttribute(default=dict)
    recent = ListAttribute(default=list)
    version = NumberAttribute(default=0)


class MemberProfileRecord(Record, discriminator="member_profile"):
    """A member's profile (``USER#<openid>/MEMBERPROFILE``, ``doc`` a domain ``MemberProfile``), folded from their
    orders by the member_profile consumer; ``version`` guards that read-modify-write. GSI1 ``PROFILES#<nn>`` /
    openid (the daily job pages through the shards); GSI2 ``SEGMENT#<name>`` / openid and ``segment`` are set by
    the daily job alone, with UpdateItems that leave ``doc`` and ``version`` alone."""

    openid = UnicodeAttribute()
    doc = JSONAttribute(default=dict)
    version = NumberAttribute(default=0)
    segment = UnicodeAttribute(null=True)
    segments = UnicodeSetAttribute(null=True)  # the saved custom segments the member matched last time
    review_count = NumberAttribute(null=True)  # reviews and their dish stars: ADDed by the review's transaction
    review_stars_sum = NumberAttribute(null=True)
    review_stars_count = NumberAttribute(null=True)
    segment_week = UnicodeAttribute(null=True)  # ISO week (yyyy-Www) of the job's latest run for this member
    week_start_segment = UnicodeAttribute(null=True)  # the segment when that week began ("" : none)
    segments_listed = NumberAttribute(null=True)  # 1: ``segments`` has its CUSTOMSEGMENT# member items


class CustomSegmentMemberRecord(Record, discriminator="custom_segment_member"):
    """A member of a saved custom segment (``CUSTOMSEGMENT#<id>/MEMBER#<openid>``), put and deleted by the daily
    job as the member's ``segments`` change: the segment's list is one Query of its partition."""

    openid = UnicodeAttribute()


class SegmentRunRecord(Record, discriminator="segment_run"):
    """The daily job's progress on one business day (``SEGMENTS/RUN#<day>``): the thresholds and custom segments
    it started with, the shard cursor and the figures so far; ``version`` lets one run at a time advance it."""

    doc = JSONAttribute()
    version = NumberAttribute(default=0)


class SegmentSizesRecord(Record, discriminator="segment_sizes"):
    """Members per segment on one business day (``SEGMENTS/DAY#<day>``), written once by the daily job."""

    doc = JSONAttribute()


class CampaignRecord(Record, discriminator="campaign"):
    """A campaign to a segment (``CAMPAIGN#<id>/CAMPAIGN``, ``doc`` a domain ``Campaign``); GSI1
    ``CAMPAIGNS#SCHEDULED`` / ``<send_at>#<id>`` until it is sent."""

    doc = JSONAttribute()


class CampaignMemberRecord(Record, discriminator="campaign_member"):
    """A member's side of a campaign (``CAMPAIGN#<id>/MEMBER#<openid>``): targeted (with the coupons issued) or
    control; written once, so a resend never moves anyone."""

    openid = UnicodeAttribute()
    group = UnicodeAttribute()
    coupons = NumberAttribute(default=0)


class SegmentSettingsRecord(Record, discriminator="segment_settings"):
    """The owner's segment thresholds and saved custom segments (``SEGMENTS/SETTINGS``)."""

    doc = JSONAttribute()
    updated_at = UnicodeAttribute(null=True)


class StoreRecoRecord(Record, discriminator="store_reco"):
    """A store's best sellers and "ordered together" lists (``STORE#<sid>/RECO``), rewritten by the daily job."""

    doc = JSONAttribute()


class OrderReviewRecord(Record, discriminator="order_review"):
    """The one review of an order (``ORDER#<oid>/REVIEW``): its existence is the once-per-order rule."""

    store_id = UnicodeAttribute()
    doc = JSONAttribute()


class DishReviewRecord(Record, discriminator="dish_review"):
    """One dish's part of a review (``DISH#<sid>#<did>/REVIEW#<at>#<oid>``), newest last in the partition;
    GSI2 ``REVIEWS#<sid>#<yyyy-mm>`` keeps the text findable for the keyword report."""

    stars = NumberAttribute()
    text = UnicodeAttribute(default="")
    pictures = ListAttribute(default=list)
    at = UnicodeAttribute()
    reply = UnicodeAttribute(null=True)
    replied_at = UnicodeAttribute(null=True)
    replied_by = UnicodeAttribute(null=True)


# ---- delivery (adapters/delivery_table.py) ---------------------------------------------------------------


class DeliveryRecord(Record, discriminator="delivery"):
    """``ORDER#<oid>`` / ``DELIVERY``: the order's dispatch (state, courier timeline as ``doc``). Every write is
    a put conditioned on ``version`` (absent for the claim), so a retry never books a second rider. While
    the dispatch is active it is listed on GSI1 ``DELIVERIES#<sid>`` / ``<created_at>#<oid>``."""

    store_id = UnicodeAttribute()
    state = UnicodeAttribute()
    version = NumberAttribute()
    doc = JSONAttribute()


class RiderRecord(Record, discriminator="rider"):
    """``ORDER#<oid>`` / ``RIDER``: where the rider of the order was last reported (no trail: each report
    replaces it, only if it is newer and somewhere else) and the estimated arrival; deleted with the order's
    address when its retention ends."""

    store_id = UnicodeAttribute()
    lat = NumberAttribute()
    lng = NumberAttribute()
    at = UnicodeAttribute()
    eta_at = UnicodeAttribute(null=True)


# ---- dine-in tables (adapters/seating_table.py) --------------------------------------------------------


class TableOpenRecord(Record, discriminator="table_open"):
    """``STORE#<sid>/TABLEOPEN#<no>``: exists while the table has an open session. Put only if absent, so of
    two first scans one opens the session and the other joins it; deleted when the session closes."""

    session_id = UnicodeAttribute()


class TableSessionRecord(Record, discriminator="table_session"):
    """``TSESSION#<id>/SESSION``: a table session. ``version`` goes up with every cart change and round;
    every cart write is a transaction conditioned on this item, so it serialises the table's changes."""

    store_id = UnicodeAttribute()
    table_no = UnicodeAttribute()
    status = UnicodeAttribute()
    mode = UnicodeAttribute()
    version = NumberAttribute(default=0)
    round_count = NumberAttribute(default=0)
    guests = MapAttribute(default=dict)  # openid (or staff:<id>) → display name; joins add keys concurrently
    opened_by = UnicodeAttribute()
    opened_at = UnicodeAttribute()
    tab_order_id = UnicodeAttribute(null=True)
    closed_at = UnicodeAttribute(null=True)


class CartLineRecord(Record, discriminator="cart_line"):
    """``TSESSION#<id>/LINE#<line id>``: one line of a table's shared cart (one item per line, so concurrent
    adds never overwrite each other). ``qty`` is top level so a change is one conditional update."""

    qty = NumberAttribute()
    doc = JSONAttribute()


class TableRoundRecord(Record, discriminator="table_round"):
    """``TSESSION#<id>/ROUND#<nnn>``: a submitted round (priced lines, its order, line indexes). Written once."""

    doc = JSONAttribute()


class ServiceCallRecord(Record, discriminator="service_call"):
    """``TSESSION#<id>/CALL#<call id>``: a guest calling a waiter or asking for the bill. Listed on GSI2
    ``CALLS#<sid>`` / ``<at>#<call id>`` until answered (sparse: answering removes the GSI2 keys)."""

    status = UnicodeAttribute()  # open | answered
    doc = JSONAttribute()


# ---- reports --------------------------------------------------------------------------------------------


class ReportIndexRecord(Record, discriminator="report_index"):
    """``REPORTS#<store id|chain>`` / ``<period>#<first day>``: a built report's S3 keys and headline figures;
    a store's daily entry also keeps the day's profile (forecasts) and its voucher-chain checkpoint."""

    built_at = UnicodeAttribute()
    doc = JSONAttribute()


# ---- sold-out events (adapters/sold_out_log.py) ----------------------------------------------------------


class SoldOutEventRecord(Record, discriminator="sold_out_event"):
    """``SOLDOUT#<sid>#<business day>`` / ``<at>#<dish id>#<out|back>``: stock turned a dish sold out or brought
    it back; written in the same transaction as the dish's flag, so there is one item per change."""

    dish_id = UnicodeAttribute()
    name = UnicodeAttribute()
    sold_out = BooleanAttribute()
    at = UnicodeAttribute()


# ---- guest notices (adapters/notice_table.py) --------------------------------------------------------------


class ServiceStateRecord(Record, discriminator="service_state"):
    """``STORE#<sid>`` / ``#SERVICE``: the staff's switches (busy, delivery paused) and the store's open kitchen
    tickets, ``tickets[<ticket_id>] = {"o": order id, "at": entered, "p": prep minutes}`` (set when a ticket
    is created, removed when it is bumped: both idempotent)."""

    busy = BooleanAttribute(null=True)
    delivery_paused = BooleanAttribute(null=True)
    switched_at = UnicodeAttribute(null=True)
    switched_by = UnicodeAttribute(null=True)
    lanes = NumberAttribute(null=True)  # the store's kitchen setting, copied as tickets enter
    tickets = MapAttribute(null=True)


class GuestNoticeRecord(Record, discriminator="guest_notice"):
    """``ORDER#<id>`` / ``NOTICE#<kind>``: a WeChat message to the order's guest, claimed (``SENDING``) before
    it is sent and then settled (``SENT``, ``NOT_SUBSCRIBED``, ``REFUSED``), so a redelivered event never
    pushes twice; ``RETRY`` when WeChat was unreachable (the next delivery claims it again)."""

    state = UnicodeAttribute()
    claimed_at = UnicodeAttribute()
    doc = JSONAttribute(default=dict)  # msgid / errcode of the answer


class WeChatTokenRecord(Record, discriminator="wechat_token"):
    """``WECHAT#<appid>`` / ``ACCESS_TOKEN``: the stable access token every container shares, and the claim on
    the latest forced refresh. Written by ``adapters/wechat_token_table.py`` (low-level, conditional updates);
    declared here so a read through ``Record`` knows the kind."""

    token = UnicodeAttribute(null=True)
    valid_until = NumberAttribute(null=True)  # epoch seconds; not ``expires_at``: TTL must not drop the claim
    force_claim = UnicodeAttribute(null=True)
    forced_at = NumberAttribute(null=True)
    forced_day = UnicodeAttribute(null=True)
    forced_count = NumberAttribute(null=True)


# ---- the management console (keys in keys.py) ----------------------------------------------------------------


class StaffRecord(Record, discriminator="staff"):
    staff_id = UnicodeAttribute()
    doc = JSONAttribute()  # diancan.domain.staff.Staff
    password = JSONAttribute()  # diancan.domain.passwords.PasswordHash
    updated_at = UnicodeAttribute()


class StaffLoginRecord(Record, discriminator="staff_login"):
    staff_id = UnicodeAttribute()


class FirstOwnerRecord(Record, discriminator="first_owner"):
    """The deployment's first owner was created (and by whom): the claim that makes the command run once."""

    staff_id = UnicodeAttribute()
    created_at = UnicodeAttribute()


class StaffSessionRecord(Record, discriminator="staff_session"):
    staff_id = UnicodeAttribute()
    csrf_token = UnicodeAttribute()
    created_at = UnicodeAttribute()


class AuditRecord(Record, discriminator="audit"):
    store_id = UnicodeAttribute()
    staff_id = UnicodeAttribute()
    action = UnicodeAttribute()
    target = UnicodeAttribute(default="")
    at = UnicodeAttribute()
    detail = JSONAttribute(default=dict)
    amount_fen = NumberAttribute(null=True)


class ShiftRecord(Record, discriminator="shift"):
    """``SHIFTS#<sid>/SHIFT#<shift id>``: a cashier's shift and, once closed, its handover (``doc``)."""

    status = UnicodeAttribute()  # open | closed; closing is conditional on "open"
    doc = JSONAttribute()


class OpenShiftRecord(Record, discriminator="open_shift"):
    """``SHIFTS#<sid>/OPENSHIFT#<staff id>``: exists while that cashier's shift is open (one open shift each)."""

    shift_id = UnicodeAttribute()


class InvoiceRecord(Record, discriminator="invoice"):
    """``ORDER#<oid>/INVOICE``: the guest's invoice request; GSI2 ``INVOICES#<sid>`` while pending, then
    ``INVOICED#<sid>#<day>`` once issued."""

    status = UnicodeAttribute()  # requested | issued | reversed (``red`` on ``INVOICE#RED``); each move conditional
    doc = JSONAttribute()


class StatsRecord(Record, discriminator="stats"):
    """Day counters; written and read by adapters.counters (dynamic names). Registered so that a
    polymorphic query of a store partition recognises the item."""


# ---- daily settlement (adapters/settlement_table.py) -----------------------------------------------------


class SettlementRecord(Record, discriminator="settlement"):
    """``SETTLEMENT#<store id|chain>`` / ``DAY#<yyyy-mm-dd>``: a day's settlement (status, figures' headline,
    closing checkpoint, the vouchers it counted) and, once the day is closed, its seal (never changed after)."""

    status = UnicodeAttribute()
    built_at = UnicodeAttribute()
    doc = JSONAttribute()
    seal = JSONAttribute(null=True)


class BillWaitRecord(Record, discriminator="bill_wait"):
    """``BILLWAIT`` / ``<yyyy-mm-dd>``: a day whose WeChat Pay trade bill is still awaited by the hourly
    reconciliation; deleted when the bill arrives and the day is settled again."""

    since = UnicodeAttribute()
    attempts = NumberAttribute(default=0)
    last_code = UnicodeAttribute(null=True)


# ---- push over WebSocket (adapters/push_table.py) --------------------------------------------------------


class PushConnectionRecord(Record, discriminator="push_connection"):
    """``WSCONN#<connection id>`` / ``CONN``: the listener ($connect checked who) and its topics; TTL."""

    listener = JSONAttribute()
    topics = UnicodeSetAttribute(null=True)
    connected_at = UnicodeAttribute()


class PushSubscriptionRecord(Record, discriminator="push_subscription"):
    """``PUSH#ORDER#<oid>`` or ``PUSH#STORE#<sid>`` / ``<topic>#<connection id>``: one listener of a topic; TTL."""

    connection_id = UnicodeAttribute()
    topic = UnicodeAttribute()
