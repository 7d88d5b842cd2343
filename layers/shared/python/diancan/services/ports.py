"""The ports: what the services need from the adapters, as ``typing.Protocol`` classes.

A service types its constructor arguments with these, never with an adapter class, and catches only the
domain's exceptions (``diancan.domain.exceptions``), so the same service runs on DynamoDB, WeChat Pay and
Feieyun (bootstrap wires the adapters) or on the in-memory fakes of ``tests/services/fakes.py``. Each
Protocol lists only the methods services call, with the adapter's signature; ``tests/services/test_ports.py``
checks that every adapter and every fake still matches, and that services call nothing else on a port.

The values passed through a port (``Refund``, ``TransitionResult``, ``CourierOrder``, ...) are frozen
dataclasses that still live beside their adapter; they carry no behaviour, so importing them is not a
dependency on the adapter (they are imported for type checking only: importing this module loads no
adapter, so a guest function's cold start stays light).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:

    from diancan.adapters.login_guard_table import Claim, GuardRead
    from diancan.adapters.marketing_table import PointsEntry
    from diancan.adapters.member_profile_table import StoredProfile
    from diancan.adapters.notice_table import NoticeRead
    from diancan.adapters.personal_data import GuestOrder
    from diancan.adapters.print_jobs import BoardOrder
    from diancan.adapters.printer import PrinterStatus
    from diancan.adapters.records import CategoryRecord, SweepRecord
    from diancan.adapters.repository import BatchRead, Menu, OrderRead, TransactionStep
    from diancan.adapters.review_pictures import StoredPicture
    from diancan.adapters.review_table import DishReview
    from diancan.adapters.seating_table import Write
    from diancan.adapters.staff_table import AuditEntry, StoredSession, StoredStaff
    from diancan.adapters.stock_table import Deduction
    from diancan.adapters.wechat import WeChatSession
    from diancan.adapters.wechat_messages import SendResult
    from diancan.adapters.wechatpay import WeChatPayConfig
    from diancan.domain.campaigns import Campaign
    from diancan.domain.cart import OrderLine
    from diancan.domain.coupons import CouponTemplate, GuestFacts
    from diancan.domain.delivery import (
        CourierBooking,
        CourierOrder,
        CourierQuote,
        CourierTracking,
        CourierUpdate,
        RiderPosition,
    )
    from diancan.domain.dispatch import Dispatch
    from diancan.domain.erasure import Erasure
    from diancan.domain.events import OrderEvent
    from diancan.domain.guest_notices import SubscribeMessage
    from diancan.domain.invoices import Invoice, InvoiceLine
    from diancan.domain.member_profile import MemberProfile
    from diancan.domain.membership import MemberCard, Standing
    from diancan.domain.menu import Category, Dish, Store
    from diancan.domain.money import Fen
    from diancan.domain.order import Order
    from diancan.domain.order_status import OrderAction, StatusMove, TransitionResult
    from diancan.domain.passwords import PasswordHash
    from diancan.domain.payments import Refund, RefundStatus, Voucher
    from diancan.domain.printing import PrintJob, PrintSetup
    from diancan.domain.promotions import Coupon, WalletCoupon
    from diancan.domain.push import Listener, Subscriber, Topic
    from diancan.domain.recommend import StoreReco
    from diancan.domain.service_state import OpenTicket, ServiceState
    from diancan.domain.shifts import Shift
    from diancan.domain.staff import Staff
    from diancan.domain.stats import CounterUpdate
    from diancan.domain.stock import Ingredient, LedgerEntry, StockAlert, StockIssue
    from diancan.domain.tables import CartLine, Round, TableSession
    from diancan.domain.tickets import Station

Clock = Callable[[], datetime]
"""The time now, timezone-aware (``domain.clock.utcnow`` in production, a fixed or stepping clock in tests)."""


class OrderRepository(Protocol):
    """Orders, stores and dishes in DynamoDB: the order's reads, its creation and its status transitions
    (``adapters/repository.py``: ``Repository``)."""

    def record_login(self, openid: str, at: str, day: str) -> bool: ...

    def order_key_of(self, openid: str, idempotency_key: str) -> tuple[str, str] | None: ...

    def create_order(
        self,
        order: Order,
        *,
        encrypted_address: str | None,
        idempotency_key: str,
        request_hash: str,
        prices: dict[str, int],
        expires_at_epoch: int,
        prepay_id: str | None = None,
        sweep_minute: str | None = None,
        steps: Sequence[TransactionStep] = (),
    ) -> None: ...

    def get_dish(self, store_id: str, dish_id: str) -> Dish: ...

    def get_order(self, order_id: str, *, consistent: bool = False) -> Order: ...

    def get_order_and_address(
        self, order_id: str, *, consistent: bool = False
    ) -> tuple[Order, str | None]: ...

    def list_stores(self) -> list[Store]: ...

    def list_user_orders(
        self, openid: str, *, start_key: dict | None, limit: int
    ) -> tuple[list[Order], dict | None]: ...

    def load_dishes(self, store_id: str, dish_ids: Iterable[str]) -> dict[str, Dish]: ...

    def load_for_order(
        self, store_id: str, dish_ids: Iterable[str], table_no: str | None, extra: Sequence[BatchRead] = ()
    ) -> tuple[Store, dict[str, Dish], bool]: ...

    def load_menu(self, store_id: str) -> Menu: ...

    def mark_published(self, order_id: str, event_name: str) -> None: ...

    def order_with_issue(self, order_id: str, extra: Sequence[BatchRead] = ()) -> OrderRead: ...

    def put_dish(self, dish: Dish) -> None: ...

    def release_order(self, order: Order, move: StatusMove) -> TransitionResult: ...

    def restore_portions(self, order: Order) -> None: ...

    def slot_counts(self, store_id: str, day: str) -> dict[str, int]: ...

    def store_for_update(self, store_id: str) -> tuple[Store, str | None]: ...

    def take_slot(self, store_id: str, slot: str, capacity: int, *, expires_at_epoch: int) -> TransactionStep: ...

    def apply(self, order_id: str, move: StatusMove, *, extra: list | None = None) -> TransitionResult: ...

    def transition(
        self,
        order_id: str,
        mode: str,
        action: OrderAction,
        *,
        at: str,
        by: str = "system",
        note: str = "",
        extra: list | None = None,
    ) -> TransitionResult: ...

    def update_store(self, store: Store, expected_updated_at: str | None) -> str: ...


class PaymentLedger(Protocol):
    """The money side of an order: vouchers, the PAID write, refunds and the payment sweeper's
    buckets (``adapters/payment_table.py``: ``PaymentTable``)."""

    def add_sweep(self, minute: str, task: str, order_id: str, ref: str | None, expires_at: int) -> None: ...

    def done(self, record: SweepRecord) -> None: ...

    def due(self, minute: str) -> list[SweepRecord]: ...

    def fail_refund(self, refund: Refund) -> None: ...

    def get_refund(self, order_id: str, out_refund_no: str) -> Refund | None: ...

    def mark_paid(
        self,
        *,
        order_id: str,
        store_id: str,
        day: str,
        voucher_fields: dict,
        at: str,
        by: str,
        nonce: str | None,
        body_hash: str | None,
        now_epoch: int,
        release_minute: str | None = None,
    ) -> tuple[Voucher, int]: ...

    def mark_paid_at_counter(
        self, *, order_id: str, store_id: str, day: str, amount_fen: int, method: str, at: str, by: str,
        details: dict | None = None,
    ) -> tuple[Voucher, int]: ...

    def record_late_payment(
        self,
        *,
        order_id: str,
        store_id: str,
        voucher_fields: dict,
        nonce: str | None,
        body_hash: str | None,
        now_epoch: int,
    ) -> Voucher: ...

    def refunds(self, order_id: str) -> list[Refund]: ...

    def set_refund_status(
        self,
        order_id: str,
        out_refund_no: str,
        *,
        status: RefundStatus,
        expected: tuple[RefundStatus, ...],
        refund_id: str | None = None,
    ) -> bool: ...

    def set_sweep_cursor(self, minute: str) -> None: ...

    def settle_refund(
        self,
        *,
        refund: Refund,
        store_id: str,
        voucher_fields: dict,
        status: RefundStatus,
        at: str,
        nonce: str | None,
        body_hash: str | None,
        now_epoch: int,
        full: bool,
    ) -> Voucher | None: ...

    def start_refund(
        self,
        *,
        order_id: str,
        out_refund_no: str,
        amount_fen: int,
        reason: str,
        requested_by: str,
        food_made: bool,
        at: str,
        expected_committed: int,
        expected_count: int,
        follow_up_minute: str,
        follow_up_expiry: int,
        line_indexes: list[int] | None = None,
        expected_status: str | None = None,
    ) -> None: ...

    def sweep_cursor(self) -> str | None: ...

    def vouchers(self, store_id: str) -> Iterator[Voucher]: ...

    def order_vouchers(self, order_id: str) -> list[Voucher]: ...


class Tables(Protocol):
    """Dine-in tables: sessions, the shared cart, rounds and the tab (``adapters/seating_table.py``)."""

    def add_call(self, session: TableSession, call: dict) -> None: ...

    def add_line(self, session_id: str, line: CartLine) -> None: ...

    def answer_call(self, session_id: str, call_id: str, by: str, at: str) -> bool: ...

    def append_to_tab(
        self,
        write: Write,
        *,
        store_id: str,
        tab_order_id: str,
        changes: dict,
        prices: dict[str, int],
        reserved: dict[str, int],
    ) -> None: ...

    def close(self, session: TableSession, at: str) -> None: ...

    def commit_round(self, write: Write) -> None: ...

    def fix_bill(
        self,
        session: TableSession,
        seen_version: int,
        *,
        tab_order_id: str,
        changes: dict,
        payer: str | None,
        steps: Sequence[TransactionStep] = (),
    ) -> None: ...

    def flag_tab(self, order_id: str, flag: str) -> None: ...

    def open_calls(self, store_id: str) -> list[dict]: ...

    def open_or_join(self, fresh: TableSession, who: str, name: str) -> TableSession: ...

    def open_sessions(self, store_id: str) -> list[TableSession]: ...

    def round_step(self, write: Write) -> TransactionStep: ...

    def round_writes(
        self,
        session: TableSession,
        seen_version: int,
        entry: Round,
        line_ids: list[str],
        *,
        tab_order_id: str | None = None,
    ) -> Write: ...

    def save_prepay(self, order_id: str, prepay_id: str) -> None: ...

    def session(self, session_id: str) -> TableSession: ...

    def session_items(self, session_id: str) -> tuple[TableSession, list[CartLine], list[Round]]: ...

    def set_qty(self, session_id: str, line_id: str, qty: int) -> None: ...

    def table(self, store_id: str, table_no: str) -> dict | None: ...

    def tables(self, store_id: str) -> list[dict]: ...


class Dispatches(Protocol):
    """An order's courier dispatch record (``adapters/delivery_table.py``: ``DeliveryTable``)."""

    def active(self, store_id: str, limit: int = 200) -> list[Dispatch]: ...

    def flag(self, order_id: str, flag: str, on: bool) -> None: ...

    def get(self, order_id: str) -> Dispatch | None: ...

    def save(self, dispatch: Dispatch) -> Dispatch: ...

    def locate(self, order_id: str, store_id: str, position: RiderPosition) -> bool: ...

    def rider(self, order_id: str) -> RiderPosition | None: ...


class ServiceStateLedger(Protocol):
    """A store's switches (busy, delivery paused) and open kitchen tickets (``adapters/service_state_table.py``)."""

    def read(self, store_id: str) -> ServiceState: ...

    def batch_read(self, store_id: str) -> BatchRead[ServiceState]: ...

    def switch(self, store_id: str, name: str, on: bool, *, at: str, by: str) -> bool: ...

    def enter(self, store_id: str, tickets: list[OpenTicket], *, lanes: int = ...) -> ServiceState: ...

    def leave(self, store_id: str, ticket_ids: list[str]) -> None: ...


class PrintJobQueue(Protocol):
    """Kitchen tickets and their print jobs, stations and the kitchen board (``adapters/print_jobs.py``)."""

    def all_stations(self, store_id: str) -> list[tuple[Station, str | None]]: ...

    def retire_station(self, store_id: str, station: Station, at: str) -> bool: ...

    def claim(self, job: PrintJob) -> tuple[PrintJob, bool]: ...

    def flag_not_printed(self, order_id: str, flagged: bool) -> None: ...

    def get(self, order_id: str, ticket_id: str) -> PrintJob: ...

    def of_order(self, order_id: str) -> list[PrintJob]: ...

    def open_kitchen_tickets(self, store_id: str, station_id: str, limit: int = 100) -> list[PrintJob]: ...

    def orders_of_day(self, store_id: str, day: str) -> list[BoardOrder]: ...

    def print_setup(self, store_id: str) -> PrintSetup: ...

    def put_station(self, store_id: str, station: Station, sort: int = 0) -> None: ...

    def save(self, job: PrintJob) -> PrintJob: ...

    def sent(self, store_id: str, limit: int = 200) -> list[PrintJob]: ...

    def stations(self, store_id: str) -> list[Station]: ...


class StockLedger(Protocol):
    """Ingredients, stock moves, deductions per order, alerts and stock issues (``adapters/stock_table.py``)."""

    def add_ingredient(self, ingredient: Ingredient, at: str) -> None: ...

    def clear_alert(self, store_id: str, ingredient_id: str) -> bool: ...

    def count(self, entry: LedgerEntry, counted: int, book: int) -> bool: ...

    def decide_issue(self, issue: StockIssue) -> bool: ...

    def deduct(self, store_id: str, order_id: str, plan: dict[str, int], at: str) -> Deduction: ...

    def ingredient(self, store_id: str, ingredient_id: str) -> Ingredient: ...

    def ingredients(self, store_id: str) -> dict[str, Ingredient]: ...

    def issue_of(self, order_id: str) -> StockIssue | None: ...

    def ledger(self, store_id: str, ingredient_id: str) -> list[LedgerEntry]: ...

    def menu_and_ingredients(self, store_id: str) -> tuple[Menu, dict[str, Ingredient]]: ...

    def move(self, entry: LedgerEntry) -> bool: ...

    def open_alerts(self, store_id: str) -> dict[str, StockAlert]: ...

    def open_issue(self, issue: StockIssue) -> bool: ...

    def open_issues(self, store_id: str) -> list[StockIssue]: ...

    def raise_alert(self, alert: StockAlert) -> bool: ...

    def release(self, store_id: str, order_id: str, at: str, reason: str) -> dict[str, int]: ...


class Marketing(Protocol):
    """Coupons, their templates, the guest's wallet and points (``adapters/marketing_table.py``)."""

    def claim(
        self, openid: str, template: CouponTemplate, coupon: Coupon, period: str | None = None
    ) -> None: ...

    def get_template(self, template_id: str) -> CouponTemplate: ...

    def ledger(self, openid: str) -> list[PointsEntry]: ...

    def list_templates(self) -> list[CouponTemplate]: ...

    def mark_coupon_used(
        self, openid: str, coupon_id: str, order_id: str, store_id: str, day: str, at: str
    ) -> bool: ...

    def post_points(
        self,
        openid: str,
        ref: str,
        delta: int,
        *,
        at: str,
        spend_delta: int = 0,
        completed_delta: int = 0,
        note: str = "",
    ) -> bool: ...

    def redeem_points(self, openid: str, order_id: str, points: int, at: str) -> TransactionStep: ...

    def reserve_coupon(self, openid: str, coupon_id: str, order_id: str, at: str) -> TransactionStep: ...

    def return_coupon(self, openid: str, coupon_id: str, order_id: str) -> bool: ...

    def standing(self, openid: str) -> Standing: ...

    def standing_read(self, openid: str) -> BatchRead[Standing]: ...

    def wallet(self, openid: str) -> list[WalletCoupon]: ...


class WeChatPayClient(Protocol):
    """The WeChat Pay API v3 calls diancan makes (``adapters/wechatpay.py``: ``WeChatPayGateway``)."""

    def close(self, out_trade_no: str) -> None: ...

    @property
    def config(self) -> WeChatPayConfig: ...

    def payment_params(self, prepay_id: str) -> dict[str, str]: ...

    def prepay_jsapi(
        self,
        out_trade_no: str,
        amount_fen: Fen,
        payer_openid: str,
        description: str,
        time_expire: datetime,
        attach: str | None = None,
    ) -> str: ...

    def query_by_out_trade_no(self, out_trade_no: str) -> dict: ...

    def query_refund(self, out_refund_no: str) -> dict: ...

    def refund(
        self, out_trade_no: str, out_refund_no: str, refund_fen: Fen, total_fen: Fen, reason: str
    ) -> dict: ...

    def verify_notification(self, headers: Mapping[str, str], raw_body: str, now: datetime) -> dict: ...


class EventPublisher(Protocol):
    """Publishes domain events (EventBridge: ``adapters/eventbus.py``; raises EventPublishFailed)."""

    def publish(self, events: Sequence[OrderEvent]) -> None: ...


class MemberDirectory(Protocol):
    """The counter's member lookup (``adapters/member_lookup_table.py``): by phone tail or member code, no scan."""

    def with_phone_tail(self, tail: str, limit: int) -> list[str]: ...

    def with_code(self, code: str, limit: int) -> list[str]: ...

    def cards(self, openids: list[str]) -> list[MemberCard]: ...


class Activity(Protocol):
    """What services need of ``ActivityTable`` (``adapters/activity_table.py``)."""

    def reco_inputs(self, store_id: str, openid: str) -> tuple[dict[str, int], StoreReco | None]: ...

    def birthdays_on(self, month_day: str) -> Iterator[str]: ...

    def facts(self, openids: Iterable[str]) -> dict[str, GuestFacts]: ...

    def forget(self, openid: str, at: str) -> None: ...

    def joined_on(self, day: str) -> Iterator[str]: ...

    def last_ordered_on(self, day: str) -> Iterator[str]: ...

    def paid_order_lines(self, store_id: str, day: str) -> Iterator[list[OrderLine]]: ...

    def put_store_reco(self, store_id: str, reco: StoreReco) -> None: ...

    def record_paid_order(self, order: Order) -> bool: ...

    def set_birthday(self, openid: str, birthday: date) -> None: ...

    def set_phone(self, openid: str, phone_enc: str, tail: str, at: str, day: str) -> None: ...


class AuditTrail(Protocol):
    """What services need of ``AuditLog`` (``adapters/staff_table.py``)."""

    def append(self, entry: AuditEntry) -> None: ...

    def recent(self, store_id: str | None, limit: int = 100) -> list[AuditEntry]: ...

    def between(self, store_id: str, start_iso: str, end_iso: str) -> list[AuditEntry]: ...


class ShiftBook(Protocol):
    """Cashiers' shifts (``adapters/shift_table.py``: ``ShiftTable``): one open shift per cashier and store,
    closing conditional on the shift being open."""

    def open(self, shift: Shift) -> None: ...

    def close(self, shift: Shift) -> bool: ...

    def record_print(self, shift: Shift) -> None: ...

    def get(self, store_id: str, shift_id: str) -> Shift | None: ...

    def open_shift_of(self, store_id: str, staff_id: str) -> Shift | None: ...

    def recent(self, store_id: str, limit: int = 30) -> list[Shift]: ...


class InvoiceBook(Protocol):
    """Guests' invoice requests (``adapters/invoice_table.py``: ``InvoiceTable``): one per order."""

    def request(self, invoice: Invoice) -> Invoice: ...

    def get(self, order_id: str) -> Invoice | None: ...

    def invoice_read(self, order_id: str) -> BatchRead[Invoice | None]: ...

    def pending(self, store_id: str, limit: int = 200) -> list[Invoice]: ...

    def issue(self, invoice: Invoice) -> bool: ...

    def reverse(self, invoice: Invoice) -> bool: ...

    def lines_on(self, store_id: str, day: str) -> list[InvoiceLine]: ...


class ProfileBook(Protocol):
    """Members' profiles and segments (``adapters/member_profile_table.py``: ``MemberProfileTable``)."""

    def get(self, openid: str) -> StoredProfile: ...

    def save(self, openid: str, profile: MemberProfile, version: int) -> None: ...

    def erase(self, openid: str, at: str) -> None: ...

    def all_profiles(self, page_size: int = 500) -> Iterator[StoredProfile]: ...

    def profile_page(self, cursor: str, page_size: int = 500) -> tuple[list[StoredProfile], str | None]: ...

    def run_state(self, day: str) -> tuple[dict, int]: ...

    def list_custom(self, openid: str, add: frozenset[str], remove: frozenset[str]) -> None: ...

    def custom_members(self, segment_id: str, page_size: int = 100) -> Iterator[StoredProfile]: ...

    def save_run_state(self, day: str, doc: dict, version: int) -> int: ...

    def set_segments(self, openid: str, segment: str | None, segments: frozenset[str], week: str,
                     week_start_segment: str) -> None: ...

    def segment_settings(self) -> dict: ...

    def put_sizes(self, day: str, sizes: dict) -> None: ...

    def put_segment_settings(self, doc: dict, at: str) -> None: ...

    def members_in(self, segment: str) -> Iterator[StoredProfile]: ...

    def sizes_between(self, first: str, last: str) -> list[tuple[str, dict]]: ...

    def standings(self, openids: list[str]) -> dict[str, tuple[int, int]]: ...


class CampaignBook(Protocol):
    """Campaigns to segments and their members' sides (``adapters/campaign_table.py``: ``CampaignTable``)."""

    def create(self, campaign: Campaign) -> None: ...

    def get(self, campaign_id: str) -> Campaign: ...

    def due(self, now: str) -> list[Campaign]: ...

    def mark_sent(self, campaign: Campaign) -> None: ...

    def add_member(self, campaign_id: str, openid: str, group: str, coupons: int) -> bool: ...

    def members(self, campaign_id: str) -> Iterator[tuple[str, str]]: ...

    def orders_in_window(self, start: str, end: str, openids: Collection[str]) -> Iterator[Order]: ...


class PersonalData(Protocol):
    """A guest's personal data outside their member items (``adapters/personal_data.py``: ``PersonalDataTable``)."""

    def orders_page(self, openid: str, start: dict | None, limit: int) -> tuple[list[GuestOrder], dict | None]: ...

    def drop_address(self, order_id: str) -> bool: ...

    def review_pictures(self, order_id: str) -> list[str] | None: ...

    def blank_review(self, order_id: str) -> bool: ...

    def nickname_sessions(self, openid: str) -> list[str]: ...

    def blank_nickname(self, openid: str, session_id: str) -> int: ...

    def forget_profile(self, openid: str) -> None: ...

    def orders_of_day(self, store_id: str, day: str) -> list[GuestOrder]: ...

    def last_ordered_on(self, day: str) -> list[str]: ...

    def drop_phone(self, openid: str) -> bool: ...

    def phone_only_since(self, day: str) -> list[str]: ...

    def drop_phone_only(self, openid: str, day: str) -> bool: ...

    def dated_review_pictures(self, store_id: str, start_iso: str, end_iso: str) -> list[tuple[str, str, list[str]]]: ...

    def drop_review_pictures(self, review_key: str, order_id: str) -> bool: ...


class Erasures(Protocol):
    """Guests' "delete my data" requests and their progress (``adapters/erasure_table.py``: ``ErasureTable``)."""

    def request(self, erasure: Erasure, minute: str, expires_at: int) -> Erasure: ...

    def get(self, openid: str) -> Erasure | None: ...

    def advance(self, erasure: Erasure, read_steps: int) -> bool: ...

    def recent(self, limit: int = 50) -> list[Erasure]: ...


class DueQueue(Protocol):
    """Due work filed by minute, of one queue (``adapters/due_work.py``: ``DueWork``)."""

    def add(self, minute: str, task: str, order_id: str, ref: str | None, expires_at: int) -> None: ...

    def due(self, minute: str) -> list[SweepRecord]: ...

    def done(self, record: SweepRecord) -> None: ...

    def cursor(self) -> str | None: ...

    def set_cursor(self, minute: str) -> None: ...


class VoucherChain(Protocol):
    """Reading a store's voucher chain by position (``PaymentTable``): a shift's stretch of it."""

    def chain_seq(self, store_id: str) -> int: ...

    def vouchers_between(self, store_id: str, after_seq: int, upto_seq: int) -> list[Voucher]: ...


class DashboardCounters(Protocol):
    """What services need of ``Counters`` (``adapters/counters.py``)."""

    def apply(self, store_id: str, day: str, update: CounterUpdate) -> None: ...

    def count(self, store_id: str, day: str, update: CounterUpdate) -> None: ...

    def read(self, store_ids: Iterable[str], days: Iterable[str]) -> dict[tuple[str, str], dict]: ...


class CursorSeal(Protocol):
    """What services need of ``CursorSealer`` (``adapters/tokens.py``)."""

    def open(self, cursor: str | None, *, scope: str) -> dict | None: ...

    def seal(self, last_key: dict | None, *, scope: str) -> str | None: ...


class DayOrderIndex(Protocol):
    """What services need of ``DayOrders`` (``adapters/order_search.py``)."""

    def of_day(self, store_id: str, day: str, *, limit: int = ...) -> list[tuple[Order, str | None]]: ...


class LoginAttempts(Protocol):
    """What services need of ``LoginGuardTable`` (``adapters/login_guard_table.py``)."""

    def claim(self, claims: list[Claim]) -> bool: ...

    def count_lockout(self, hour: str, expires_at: int) -> int: ...

    def read(self, login: str | None, guard_keys: list[str]) -> GuardRead: ...

    def release(self, account_key: str, client_key: str) -> bool: ...


class MenuRepository(Protocol):
    """What services need of ``MenuTable`` (``adapters/menu_table.py``)."""

    def category(self, store_id: str, category_id: str) -> CategoryRecord | None: ...

    def create(self, dish: Dish) -> None: ...

    def edit_doc(self, store_id: str, dish_id: str, change: Callable[[dict], dict]) -> None: ...

    def save_category(self, category: Category, existing: CategoryRecord | None) -> None: ...

    def set_state(self, store_id: str, dish_id: str, **fields) -> None: ...


class NoticeLedger(Protocol):
    """What services need of ``NoticeTable`` (``adapters/notice_table.py``)."""

    def claim(self, order_id: str, kind: str, now: datetime) -> None: ...

    def read(self, order_id: str, store_id: str, kind: str) -> NoticeRead: ...

    def settle(self, order_id: str, kind: str, state: str, **answer: object) -> None: ...


class Cipher(Protocol):
    """What services need of ``PiiCipher`` (``adapters/pii.py``)."""

    def decrypt(self, token: str) -> str: ...

    def encrypt(self, plaintext: str) -> str: ...


class PictureStorage(Protocol):
    """Where guests' review pictures are kept (``adapters/review_pictures.py``: ``ReviewPictureFiles``)."""

    def upload_form(self, key: str, content_type: str, max_bytes: int, expires_seconds: int) -> dict: ...

    def stored(self, key: str) -> StoredPicture | None: ...

    def url(self, key: str, expires_seconds: int) -> str: ...

    def delete(self, keys: list[str]) -> int: ...


class ReviewRepository(Protocol):
    """What services need of ``ReviewTable`` (``adapters/review_table.py``)."""

    def newest(self, store_id: str, dish_id: str, limit: int) -> list[DishReview]: ...

    def add(self, order: Order, stars: dict[str, int], text: str, pictures: list[str], at: str) -> None: ...

    def reply(self, store_id: str, dish_id: str, review_key: str, text: str, *, by: str, at: str) -> None: ...


class StaffSessions(Protocol):
    """What services need of ``StaffSessionTable`` (``adapters/staff_table.py``)."""

    def create(self, session_hash: str, staff_id: str, created_at: str, expires_at: int) -> StoredSession: ...

    def delete(self, session_hash: str) -> None: ...

    def get(self, session_hash: str) -> StoredSession | None: ...


class SetupRepository(Protocol):
    """What services need of ``SetupTable`` (``adapters/setup_table.py``)."""

    def add_printer(self, store_id: str, doc: dict) -> None: ...

    def add_tables(self, store_id: str, tables: list[tuple[str, int, str]]) -> None: ...

    def create_store(self, store: Store) -> str: ...

    def printers(self, store_id: str) -> list[dict]: ...

    def remove_printer(self, store_id: str, sn: str) -> None: ...

    def set_ingredient(
        self, store_id: str, ingredient_id: str, doc_changes: dict, threshold: int | None
    ) -> None: ...

    def set_table(self, store_id: str, table_no: str, changes: dict) -> dict: ...


class AlertPublisher(Protocol):
    """What services need of ``SnsAlerts`` (``adapters/alerts.py``)."""

    def publish(self, kind: str, subject: str, detail: dict) -> None: ...


class StaffRepository(Protocol):
    """What services need of ``StaffTable`` (``adapters/staff_table.py``)."""

    def create(self, staff: Staff, password: PasswordHash, at: str, *, first_owner: bool = False) -> None: ...

    def get(self, staff_id: str) -> StoredStaff | None: ...

    def list_all(self) -> list[Staff]: ...

    def set_active(self, staff_id: str, active: bool, at: str) -> Staff: ...

    def set_password(
        self, staff_id: str, password: PasswordHash, at: str, *, changed: Staff | None = None
    ) -> None: ...


class SubscribeMessages(Protocol):
    """What services need of ``WeChatSubscribeMessages`` (``adapters/wechat_messages.py``)."""

    def send(self, message: SubscribeMessage) -> SendResult: ...


class Courier(Protocol):
    """The courier port. Money in fen, distances in metres, times aware; origin_id is our order id."""

    name: str
    callback_ack: Mapping[str, Any]  # the body to answer a callback with once it is accepted

    def callback_url(self, base_url: str, origin_id: str) -> str: ...
    def quote(self, order: CourierOrder) -> CourierQuote: ...
    def place(self, quote_or_order: CourierQuote | CourierOrder) -> CourierBooking: ...
    def add_order(self, order: CourierOrder) -> CourierBooking: ...
    def re_add(self, order: CourierOrder) -> CourierBooking: ...
    def status(self, origin_id: str) -> CourierTracking: ...
    def cancel(self, origin_id: str, reason_id: int, reason: str = "") -> Fen: ...
    def add_tip(self, origin_id: str, tip_fen: Fen, city_code: str, info: str = "") -> None: ...
    def verify_callback(self, body: str | bytes | Mapping[str, Any],
                        query: Mapping[str, str] | None = None) -> CourierUpdate: ...


class Printer(Protocol):
    """What the print dispatcher needs from any cloud printer vendor (Feieyun: adapters/printer.py)."""

    def print_ticket(self, printer_sn: str, content: str, copies: int = 1) -> str:
        """Queue ``content`` (vendor markup) on the printer; returns the vendor's print id."""
        ...

    def query_print(self, print_id: str) -> bool | None:
        """True once printed, False while waiting, None when the vendor gives no answer we understand."""
        ...

    def printer_status(self, printer_sn: str) -> PrinterStatus:
        ...


class MiniProgramCodes(Protocol):
    """Makes the image of a mini-program code that opens ``page`` with ``scene``."""

    def unlimited_code(self, scene: str, page: str, width: int = 430) -> bytes: ...


class PrinterAccount(Printer, Protocol):
    """The vendor account the store set-up binds printers to (Feieyun: adapters/printer.py)."""

    def add_printer(self, printer_sn: str, printer_key: str, name: str = "") -> None: ...

    def delete_printer(self, printer_sn: str) -> None: ...


class WeChatLoginClient(Protocol):
    """``wx.login`` code → the guest's openid (WeChat's code2Session: adapters/wechat.py)."""

    def code_to_session(self, code: str) -> WeChatSession: ...


class TokenIssuer(Protocol):
    """Signs the guest's session token (adapters/tokens.py)."""

    @property
    def ttl_seconds(self) -> int: ...

    def issue(self, openid: str, now: float | None = None) -> str: ...


class PushConnections(Protocol):
    """WebSocket connections and their topics in the table (adapters/push_table.py)."""

    def connect(self, connection_id: str, listener: Listener, at: str, expires_at: int) -> None: ...

    def listener(self, connection_id: str) -> tuple[Listener, set[str], int]: ...

    def order_owner(self, order_id: str) -> str | None: ...

    def subscribe(self, connection_id: str, topic: Topic, expires_at: int) -> None: ...

    def subscribers(self, order_id: str | None, store_id: str | None) -> list[Subscriber]: ...

    def forget(self, connection_id: str) -> int: ...


class PushChannel(Protocol):
    """Sends a message to one WebSocket connection (API Gateway's ``@connections``: adapters/websocket.py)."""

    def send(self, connection_id: str, message: dict[str, Any]) -> bool: ...


class TokenVerifier(Protocol):
    """Checks the guest's session token and gives its openid (adapters/tokens.py)."""

    def verify(self, token: str, now: float | None = None) -> str: ...


class PushTicketVerifier(Protocol):
    """Checks a console page's push ticket and gives (staff_id, role, store_ids) (adapters/tokens.py)."""

    def verify(self, ticket: str, now: float | None = None) -> tuple[str, str, tuple[str, ...]]: ...
