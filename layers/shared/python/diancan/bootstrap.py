"""The composition root: the one place that reads settings and secrets and builds adapters and services,
once per container (Lambda reuses it across invocations). Builders import lazily, so a function only
loads the adapters it actually uses (cold start)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import lru_cache, wraps

from diancan.settings import Settings, SettingsError, get_settings

_COMPONENTS: list = []
_NESTING = threading.local()


def component[T](build: Callable[[], T]) -> Callable[[], T]:
    """Build once per container; ``reset()`` forgets it. A handler's call (not one made while building
    another component) first forgets every component when a secret was rotated (``_forget_if_rotated``), so
    a handler sees either the old graph or the new one, never a mix."""
    cached = lru_cache(maxsize=1)(build)
    _COMPONENTS.append(cached)

    @wraps(build)
    def get() -> T:
        depth = getattr(_NESTING, "depth", 0)
        if depth == 0:
            _forget_if_rotated()
        _NESTING.depth = depth + 1
        try:
            return cached()
        finally:
            _NESTING.depth = depth

    get.cache_clear = cached.cache_clear  # type: ignore[attr-defined]
    return get


class OnFirstUse:
    """Stands in for a component until one of its attributes is used, then is that component.

    WeChat Pay (wechatpayv3, cryptography, requests: ~40 ms of imports) is needed to pay, not to read an
    order, quote or join a table; services that only sometimes pay get it this way (cold start)."""

    def __init__(self, build: Callable[[], object]) -> None:
        self._build = build

    def __getattr__(self, name: str):
        return getattr(self._build(), name)


def settings() -> Settings:
    return get_settings()


@lru_cache(maxsize=1)
def secrets():
    """Cached for ``DIANCAN_SECRETS_MAX_AGE_SECONDS``: a rotated secret takes effect without a redeploy."""
    from diancan.adapters.secrets import SecretReader

    return SecretReader(settings().secret_prefix, settings().region, settings().secrets_max_age_seconds)


def _forget_if_rotated() -> None:
    """Components hold what they read from secrets (keys, app secrets): once a stale secret re-read differs,
    every component is built again from the new values."""
    if secrets.cache_info().currsize and secrets().refresh_stale():
        for cached in _COMPONENTS:
            cached.cache_clear()


@component
def counters():
    """The dashboard's per-store per-day counters: the repository moves them on each applied status change,
    payments on each applied payment and settled refund (``stats``)."""
    from diancan.adapters.counters import Counters

    return Counters(settings().table_name, settings().region)


@component
def repository():
    from diancan.adapters.repository import Repository

    return Repository(counters=counters())


@component
def stats():
    """The dashboard's figures, and the counting of payments and refunds."""
    from diancan.services.stats import StoreStats

    return StoreStats(counters(), tz=settings().business_tz)


@component
def event_bus():
    from diancan.adapters.eventbus import EventBus

    return EventBus(settings().bus_name, settings().region)


@component
def token_signer():
    from diancan.adapters.tokens import TokenSigner

    return TokenSigner(secrets().get("app")["token_secret"], settings().token_ttl_seconds)


@component
def pii_cipher():
    from diancan.adapters.pii import PiiCipher

    return PiiCipher(secrets().get("app")["pii_key"])


@component
def wechat_login():
    from diancan.adapters.wechat import WeChatLogin

    wechat = secrets().get("wechat")
    return WeChatLogin(wechat["appid"], wechat["app_secret"], settings().wechat_api_base,
                       settings().http_timeout_seconds)


@component
def wechatpay():
    from diancan.adapters.wechatpay import WeChatPayConfig, WeChatPayGateway

    config = WeChatPayConfig(**secrets().get("wxpay"), appid=secrets().get("wechat")["appid"],
                             api_base=settings().wechatpay_api_base, notify_url=settings().pay_notify_url,
                             connect_timeout_seconds=settings().http_connect_timeout_seconds,
                             timeout_seconds=settings().http_timeout_seconds)
    return WeChatPayGateway(config)


@component
def payment_table():
    from diancan.adapters.payment_table import PaymentTable

    return PaymentTable()


@component
def payments():
    from diancan.domain.delivery import RIDER_TASK
    from diancan.services.payments import PaymentService

    return PaymentService(repository(), payment_table(), wechatpay(), event_bus(), business_tz=settings().business_tz,
                          stats=stats(), alerts=alerts(),
                          other_work={RIDER_TASK: lambda order_id: delivery().locate(order_id)})


@component
def staff_once():
    """Money-moving console actions (refund, refund-and-close, courier tip, counter payment) run once per
    staff member, action, store, target and request key; the form fields they act on must match."""
    from diancan.adapters.idempotency import once

    return once("staff", settings().table_name, settings().region, key="[staff, action, store_id, target, key]",
                validate="payload")


@component
def ordering():
    from diancan.services.ordering import OrderingService

    return OrderingService(repository(), pii_cipher(), OnFirstUse(payments),
                           expiry_minutes=settings().order_expiry_minutes,
                           marketing=marketing_table(), platform_fees=platform_delivery_fees,
                           service_states=service_states())


@component
def guest_orders():
    from diancan.services.orders import GuestOrders

    return GuestOrders(repository(), event_bus(), pii_cipher(), OnFirstUse(payments), deliveries=delivery_table(),
                       cursors=cursor_sealer(), invoices=invoice_table(), service_states=service_states())


@component
def invoice_table():
    from diancan.adapters.invoice_table import InvoiceTable

    return InvoiceTable()


@component
def invoices():
    from diancan.services.invoices import InvoiceService

    return InvoiceService(repository(), invoice_table(), tz=settings().business_tz)


@component
def busy_mode():
    from diancan.services.busy import BusyMode

    return BusyMode(service_states())


@component
def service_states():
    """A store's busy / delivery-paused switches and open kitchen tickets (one item per store)."""
    from diancan.adapters.service_state_table import ServiceStateTable

    return ServiceStateTable()


@component
def cursor_sealer():
    from diancan.adapters.tokens import CursorSealer

    return CursorSealer(secrets().get("app")["token_secret"])


@component
def marketing_table():
    from diancan.adapters.marketing_table import MarketingTable

    return MarketingTable()


@component
def coupons():
    from diancan.services.coupons import CouponService

    return CouponService(marketing_table())


@component
def loyalty():
    from diancan.services.loyalty import Loyalty

    return Loyalty(marketing_table())


@component
def printer():
    from diancan.adapters.printer import FeieyunPrinter

    feieyun = secrets().get("feieyun")
    return FeieyunPrinter(feieyun["user"], feieyun["ukey"], settings().feieyun_api_base, settings().http_timeouts)


@component
def print_jobs():
    from diancan.adapters.print_jobs import PrintJobs

    return PrintJobs()


def _count_metric(name: str) -> None:
    from aws_lambda_powertools import Metrics

    Metrics().add_metric(name=name, unit="Count", value=1)  # instances share the function's metric set


@component
def printing():
    from diancan.services.printing import PrintingService

    return PrintingService(repository(), print_jobs(), printer(), public_base_url=settings().public_base_url,
                           tz=settings().business_tz, count=_count_metric, due_work=payment_table(),
                           service_states=service_states(), bus=event_bus())


@component
def shifts():
    from diancan.adapters.shift_table import ShiftTable
    from diancan.adapters.staff_table import AuditLog
    from diancan.services.shifts import ShiftService

    return ShiftService(ShiftTable(), payment_table(), AuditLog(), printing, tz=settings().business_tz)


@component
def kitchen():
    from diancan.services.kitchen import KitchenBoard

    return KitchenBoard(repository(), print_jobs(), event_bus(), service_states=service_states())


# ---- stock and menu operations ---------------------------------------------------------------------------


@component
def stock_table():
    from diancan.adapters.stock_table import StockTable

    return StockTable()


@component
def menu_table():
    from diancan.adapters.menu_table import MenuTable

    return MenuTable()


@component
def alerts():
    from diancan.adapters.alerts import SnsAlerts

    return SnsAlerts(settings().alert_topic_arn, settings().region)


@component
def stock():
    """Stock use cases. The console's builder adds ``refunds=`` (the payment side's RefundRequester)."""
    from diancan.adapters.sold_out_log import SoldOutLog
    from diancan.services.stock import StockService

    return StockService(repository(), stock_table(), menu_table(), alerts(),
                        sold_out_log=SoldOutLog(settings().business_tz))


class _FullRefunds:
    """The stock service's refund port for the console: the store's decision "refund" refunds the whole
    order through payments (which keeps a refund idempotent per order and never above what was paid)."""

    def __init__(self, by: str) -> None:
        self.by = by

    def request_full_refund(self, order_id: str, reason: str) -> None:
        payments().refund(order_id, None, reason=reason, by=self.by)


def stock_decisions():
    """Stock use cases with refunds (the console's decision on a shortfall): ``stock_decisions()(by)``
    refunds as staff member ``by``."""
    from diancan.adapters.sold_out_log import SoldOutLog
    from diancan.services.stock import StockService

    def as_staff(by: str) -> StockService:
        return StockService(repository(), stock_table(), menu_table(), alerts(), refunds=_FullRefunds(by),
                            sold_out_log=SoldOutLog(settings().business_tz))

    return as_staff


@component
def store_setup():
    """Setting stores up (the console and its management API)."""
    from diancan.adapters.setup_table import SetupTable
    from diancan.services.store_setup import StoreSetup

    return StoreSetup(repository(), SetupTable(), print_jobs(), stock_table(), menu_admin(), stock(), printer)


@component
def menu_admin():
    from diancan.services.menu_admin import MenuAdmin

    return MenuAdmin(repository(), menu_table(), stock())


# ---- members and marketing: loyalty events, reviews, recommendations, automatic coupons, privacy ---------


@component
def activity_table():
    from diancan.adapters.activity_table import ActivityTable

    return ActivityTable(settings().business_tz)


@component
def loyalty_events():
    from diancan.services.loyalty_events import LoyaltyEvents

    return LoyaltyEvents(repository(), loyalty(), activity_table())


@component
def member_profile_table():
    from diancan.adapters.member_profile_table import MemberProfileTable

    return MemberProfileTable()


@component
def member_profiles():
    from diancan.services.member_profiles import MemberProfiles

    return MemberProfiles(repository(), member_profile_table(), settings().business_tz)


@component
def segment_job():
    from diancan.services.segment_job import SegmentJob

    return SegmentJob(member_profile_table(), settings().business_tz, send_due=lambda: segment_campaigns().send_due())


@component
def segment_board():
    from diancan.services.segment_board import SegmentBoard

    return SegmentBoard(member_profile_table(), settings().business_tz)


@component
def campaign_table():
    from diancan.adapters.campaign_table import CampaignTable

    return CampaignTable()


@component
def segment_campaigns():
    from diancan.services.segment_campaigns import SegmentCampaigns

    return SegmentCampaigns(campaign_table(), member_profile_table(), marketing_table(), coupons())


@component
def review_table():
    from diancan.adapters.review_table import ReviewTable

    return ReviewTable()


@component
def reviews():
    from diancan.services.reviews import Reviews

    return Reviews(repository(), review_table(), pictures=review_pictures())


@component
def review_picture_files():
    from diancan.adapters.review_pictures import ReviewPictureFiles

    return ReviewPictureFiles(settings().pictures_bucket, settings().region)


@component
def review_pictures():
    from diancan.services.review_pictures import ReviewPictures

    return ReviewPictures(review_picture_files(), secrets().get("app")["token_secret"].encode())


@component
def auto_coupons():
    from diancan.services.auto_coupons import AutoCoupons

    return AutoCoupons(coupons(), activity_table(), settings().business_tz)


@component
def reco_job():
    from diancan.services.reco_job import RecoJob

    return RecoJob(repository(), activity_table(), settings().business_tz)


@component
def wechat_access_token():
    """The one access token of every WeChat server API (codes, messages, phone numbers), shared through the
    table so containers never knock each other's token out."""
    from diancan.adapters.wechat_token import StableAccessToken
    from diancan.adapters.wechat_token_table import TableTokenCache

    wechat = secrets().get("wechat")
    return StableAccessToken(wechat["appid"], wechat["app_secret"], settings().wechat_api_base,
                             settings().http_timeout_seconds,
                             cache=TableTokenCache(settings().table_name, settings().region), count=_count_metric)


@component
def ready_notices():
    """Order events → the guest's status pushes, one template per kind from the wechat secret's
    ``notice_templates`` ({"ACCEPTED": {...}, ...}; "READY" may come as ``ready_template``). A kind without
    a template: none."""
    from diancan.adapters.notice_table import NoticeTable
    from diancan.adapters.wechat_messages import WeChatSubscribeMessages
    from diancan.domain.guest_notices import READY, NoticeTemplate
    from diancan.services.guest_notices import GuestNotices

    wechat = secrets().get("wechat")
    raw = dict(wechat.get("notice_templates") or {})
    if wechat.get("ready_template") and READY not in raw:
        raw[READY] = wechat["ready_template"]
    templates = {kind: NoticeTemplate.model_validate(template) for kind, template in raw.items()}
    messages = WeChatSubscribeMessages(wechat_access_token(), settings().wechat_api_base,
                                       settings().http_timeout_seconds, budget=settings().wechat_call_budget_seconds)
    return GuestNotices(NoticeTable(), messages, templates, tz=settings().business_tz, count=_count_metric,
                        service_states=service_states())


@component
def push():
    """WebSocket push: connections and topics in the table, messages through the API's ``@connections``
    endpoint (``DIANCAN_PUSH_ENDPOINT``, set on the push functions only)."""
    from diancan.adapters.push_table import PushTable
    from diancan.adapters.websocket import WebSocketConnections
    from diancan.services.push import PushService

    endpoint = settings().push_endpoint
    if not endpoint:
        raise SettingsError("missing environment variable(s): DIANCAN_PUSH_ENDPOINT (serverless.yml sets it on "
                            "the push functions; the local stack sets it locally)")
    return PushService(PushTable(), WebSocketConnections(endpoint, settings().region), guest_tokens=OnFirstUse(token_signer),
                       staff_tickets=OnFirstUse(push_tickets))


@component
def push_tickets():
    """The console's push tickets: issued by the console (``POST /admin/api/push-ticket``), checked at
    ``$connect``; keyed from the console's session key (the ``app`` secret)."""
    from diancan.adapters.tokens import PushTickets, session_key

    return PushTickets(session_key(secrets().get("app")))


@component
def privacy():
    from diancan.adapters.wechat_phone import WeChatPhoneNumbers
    from diancan.services.privacy import Privacy

    phones = WeChatPhoneNumbers(wechat_access_token(), settings().wechat_api_base, settings().http_timeout_seconds,
                                budget=settings().wechat_call_budget_seconds)
    return Privacy(phones, pii_cipher(), activity_table())


@component
def erasure_table():
    from diancan.adapters.erasure_table import ErasureTable

    return ErasureTable()


@component
def erasures():
    """Guests' "delete my data" requests (the orders function): recorded and answered, done by the worker."""
    from diancan.services.erasure import ErasureService

    return ErasureService(erasure_table())


@component
def erasure_worker():
    """privacy_retention, every few minutes: the due steps of erasure requests."""
    from diancan.adapters.due_work import DueWork
    from diancan.adapters.keys import ERASE_QUEUE
    from diancan.adapters.personal_data import PersonalDataTable
    from diancan.adapters.staff_table import AuditLog
    from diancan.services.erasure import ErasureWorker

    return ErasureWorker(erasure_table(), DueWork(ERASE_QUEUE), PersonalDataTable(), activity_table(),
                         marketing_table(), review_picture_files(), AuditLog(),
                         member_profile_table())


@component
def retention_job():
    from diancan.adapters.personal_data import PersonalDataTable
    from diancan.services.retention import Retention, RetentionJob

    config = settings()
    return RetentionJob(repository(), PersonalDataTable(),
                        Retention(address_days=config.retain_address_days, phone_days=config.retain_phone_days,
                                  review_picture_days=config.retain_review_picture_days),
                        review_picture_files(), tz=config.business_tz)


# ---- delivery -----------------------------------------------------------------------------------------------


@component
def courier():
    from diancan.adapters.courier import DadaCourier

    dada = secrets().get("dada")
    return DadaCourier(dada["app_key"], dada["app_secret"], dada["source_id"], dada["shop_no"],
                       settings().dada_api_base, settings().http_timeouts,
                       callback_secret=dada.get("callback_secret", ""))


@component
def platform_delivery_fees():
    """The courier's own fee quote for stores that charge it when higher (built, with the Dada secret, only
    when such a store is quoted)."""
    from diancan.services.delivery_fee import CourierFeeQuotes

    return CourierFeeQuotes(courier(), settings().public_base_url)


@component
def delivery_table():
    from diancan.adapters.delivery_table import DeliveryTable

    return DeliveryTable()


@component
def delivery():
    """Courier dispatch, courier callbacks and the console's delivery moves (refunds built only when used)."""
    from diancan.services.delivery import DeliveryService

    return DeliveryService(repository(), delivery_table(), courier(), pii_cipher(), alerts(), event_bus(),
                           public_base_url=settings().public_base_url, refunds=payments, count=_count_metric,
                           due_work=payment_table())


# ---- dine-in tables (QR codes, sessions, shared cart, rounds, bill, staff ordering) ------------------------


@component
def seating_table():
    from diancan.adapters.seating_table import SeatingTable

    return SeatingTable()


@component
def wechat_codes():
    from diancan.adapters.wechat_codes import WeChatCodes

    return WeChatCodes(wechat_access_token(), settings().wechat_api_base, settings().http_timeout_seconds,
                       budget=settings().wechat_call_budget_seconds)


def _table_code_key() -> bytes:
    """Derived from the app secret's token secret (domain-separated), so table codes need no secret of their
    own; rotating the token secret therefore invalidates every printed table code."""
    import hashlib
    import hmac

    return hmac.new(secrets().get("app")["token_secret"].encode(), b"diancan-table-codes-v1", hashlib.sha256).digest()


@component
def table_codes():
    from diancan.services.table_codes import TableCodes

    return TableCodes(seating_table(), wechat_codes(), _table_code_key())


@component
def tables():
    from diancan.services.tables import TableService

    return TableService(seating_table(), table_codes(), repository(), ordering(), OnFirstUse(payments),
                        payment_table(), event_bus(), expiry_minutes=settings().order_expiry_minutes,
                        business_tz=settings().business_tz)


@component
def counter():
    from diancan.adapters.member_lookup_table import MemberLookupTable
    from diancan.services.counter import CounterService

    return CounterService(repository(), ordering(), OnFirstUse(payments), tables(), members=MemberLookupTable(),
                          cipher=pii_cipher(), coupons=coupons())


def reset() -> None:
    """Forget every built component and the settings (tests and the local stack change the environment)."""
    get_settings.cache_clear()
    secrets.cache_clear()
    for cached in _COMPONENTS:
        cached.cache_clear()
    from diancan.adapters import aws, records

    aws.client.cache_clear()
    aws.client_at.cache_clear()
    records.forget()


# ---- reports ---------------------------------------------------------------------------------------------


@component
def reports():
    """Report building (report_build) and listing (the console). WeChat Pay is built only when a daily
    reconciliation asks for the trade bill."""
    from diancan.adapters.report_index import ReportFiles, ReportIndex
    from diancan.adapters.report_sources import ReportSources, StoredReviews, TradeBills
    from diancan.services.report_render import render
    from diancan.services.reports import ReportService

    sources = ReportSources(repository(), payment_table(), stock_table(), settings().business_tz)
    return ReportService(sources, ReportIndex(), ReportFiles(settings().reports_bucket, settings().region),
                         TradeBills(wechatpay), render=render, reviews=StoredReviews(settings().business_tz),
                         tz=settings().business_tz)


def _settlement(render):
    from diancan.adapters.chain_anchors import ChainAnchors
    from diancan.adapters.report_index import ReportFiles
    from diancan.adapters.report_sources import ReportSources, TradeBills
    from diancan.adapters.settlement_table import SettlementTable
    from diancan.domain.settlement import CourierCost
    from diancan.services.settlement import SettlementService

    def couriers(order_id: str) -> CourierCost | None:
        dispatch = delivery_table().get(order_id)
        return None if dispatch is None else CourierCost(dispatch.fee_fen, dispatch.tip_fen)

    sources = ReportSources(repository(), payment_table(), stock_table(), settings().business_tz)
    return SettlementService(sources, SettlementTable(), ReportFiles(settings().reports_bucket, settings().region),
                             TradeBills(wechatpay), lambda: ChainAnchors(settings().anchor_bucket, settings().region),
                             render=render, couriers=couriers, invoices=invoices().lines, tz=settings().business_tz)


@component
def settlement():
    """Daily settlement in report_build: files rendered beside the reports (the reports layer has openpyxl)."""
    from diancan.services.settlement_render import render

    return _settlement(render)


@component
def settlement_desk():
    """The console's settlement (view, close the day): no files, so no openpyxl in the admin function."""
    return _settlement(None)
