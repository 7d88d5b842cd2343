"""What the console's views use (``ConsoleServices``), and ``build``, which makes the real one from the
composition root (diancan.bootstrap). ``create_app(services)`` (console/app.py) serves a given one: the admin
function builds the real one, tests build theirs.

The console's own services (staff accounts, store orders, the dashboard, the audit log) are built with it.
The other areas' services are zero-argument builders (bootstrap's components, each built once per container
on first call), so a console page loads only what it uses (cold start).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from diancan.adapters.repository import Repository
from diancan.adapters.staff_table import AuditLog
from diancan.adapters.tokens import session_key
from diancan.console.config import ConsoleSettings
from diancan.domain.passwords import CURRENT, ScryptCost
from diancan.services.login_guard import LoginGuard
from diancan.services.staff import StaffAccounts
from diancan.services.stats import StoreStats
from diancan.services.store_orders import StoreOrders

if TYPE_CHECKING:
    from diancan.adapters.activity_table import ActivityTable
    from diancan.adapters.marketing_table import MarketingTable
    from diancan.adapters.payment_table import PaymentTable
    from diancan.adapters.print_jobs import PrintJobs
    from diancan.adapters.printer import FeieyunPrinter
    from diancan.adapters.review_table import ReviewTable
    from diancan.adapters.seating_table import SeatingTable
    from diancan.adapters.stock_table import StockTable
    from diancan.adapters.tokens import PushTickets
    from diancan.services.busy import BusyMode
    from diancan.services.counter import CounterService
    from diancan.services.coupons import CouponService
    from diancan.services.delivery import DeliveryService
    from diancan.services.erasure import ErasureService
    from diancan.services.invoices import InvoiceService
    from diancan.services.kitchen import KitchenBoard
    from diancan.services.menu_admin import MenuAdmin
    from diancan.services.payments import PaymentService
    from diancan.services.printing import PrintingService
    from diancan.services.reports import ReportService
    from diancan.services.reviews import Reviews
    from diancan.services.segment_board import SegmentBoard
    from diancan.services.segment_campaigns import SegmentCampaigns
    from diancan.services.settlement import SettlementService
    from diancan.services.shifts import ShiftService
    from diancan.services.stock import StockService
    from diancan.services.store_setup import StoreSetup
    from diancan.services.table_codes import TableCodes
    from diancan.services.tables import TableService


@dataclass
class ConsoleServices:
    """Everything a console view calls. Fields after ``guard`` are builders: ``services.payments()``."""

    accounts: StaffAccounts
    orders: StoreOrders
    stats: StoreStats
    audit: AuditLog
    repository: Repository
    guard: LoginGuard  # login throttling; its lockouts show on the owner's staff page
    business_tz: str
    staff_once: Callable[[], Callable]  # money-moving staff actions run once per request key (diancan.adapters.idempotency)
    payments: Callable[[], PaymentService]
    payment_table: Callable[[], PaymentTable]
    printing: Callable[[], PrintingService]
    print_jobs: Callable[[], PrintJobs]
    printer: Callable[[], FeieyunPrinter]
    kitchen: Callable[[], KitchenBoard]
    delivery: Callable[[], DeliveryService]
    stock: Callable[[], StockService]
    stock_table: Callable[[], StockTable]
    stock_decisions: Callable[[], Callable[[str], StockService]]  # ``stock_decisions()(staff_id)``: refunds as them
    menu_admin: Callable[[], MenuAdmin]
    store_setup: Callable[[], StoreSetup]
    tables: Callable[[], TableService]
    seating_table: Callable[[], SeatingTable]
    table_codes: Callable[[], TableCodes]
    marketing_table: Callable[[], MarketingTable]
    activity_table: Callable[[], ActivityTable]
    coupons: Callable[[], CouponService]
    review_table: Callable[[], ReviewTable]
    reviews: Callable[[], Reviews]
    reports: Callable[[], ReportService]
    counter: Callable[[], CounterService]
    shifts: Callable[[], ShiftService]
    invoices: Callable[[], InvoiceService]
    erasures: Callable[[], ErasureService]
    busy_mode: Callable[[], BusyMode]
    settlement_desk: Callable[[], SettlementService]  # the day's settlement: view, close (no files: no openpyxl)
    segment_board: Callable[[], SegmentBoard]  # members' segments: sizes, flows, lists and exports, settings
    segment_campaigns: Callable[[], SegmentCampaigns]  # coupons to a segment with a control group; uplift
    push_tickets: Callable[[], PushTickets]  # the live pages' short-lived WebSocket tickets (docs/push.md)


def build(settings: ConsoleSettings, cost: ScryptCost = CURRENT) -> ConsoleServices:
    """The real console: the console's own services built now, the other areas' as bootstrap builders."""
    from diancan import bootstrap
    from diancan.adapters.login_guard_table import LoginGuardTable
    from diancan.adapters.order_search import DayOrders
    from diancan.adapters.staff_table import StaffSessionTable, StaffTable

    audit = AuditLog()
    key = session_key(bootstrap.secrets().get("app"))
    guard = LoginGuard(LoginGuardTable(bootstrap.settings().table_name, bootstrap.settings().region), audit,
                       bootstrap.alerts(), key=key)
    accounts = StaffAccounts(StaffTable(), StaffSessionTable(), guard, signing_key=key,
                             ttl_seconds=settings.session_seconds, cost=cost)
    orders = StoreOrders(bootstrap.repository(), DayOrders(), bootstrap.event_bus(), audit, bootstrap.pii_cipher())
    return ConsoleServices(
        accounts=accounts, orders=orders, stats=bootstrap.stats(), audit=audit, repository=bootstrap.repository(),
        guard=guard, business_tz=bootstrap.settings().business_tz, staff_once=bootstrap.staff_once,
        payments=bootstrap.payments, payment_table=bootstrap.payment_table, printing=bootstrap.printing,
        print_jobs=bootstrap.print_jobs, printer=bootstrap.printer, kitchen=bootstrap.kitchen,
        delivery=bootstrap.delivery, stock=bootstrap.stock, stock_table=bootstrap.stock_table,
        stock_decisions=bootstrap.stock_decisions, menu_admin=bootstrap.menu_admin, store_setup=bootstrap.store_setup,
        tables=bootstrap.tables, seating_table=bootstrap.seating_table, table_codes=bootstrap.table_codes,
        marketing_table=bootstrap.marketing_table, activity_table=bootstrap.activity_table, coupons=bootstrap.coupons,
        review_table=bootstrap.review_table, reviews=bootstrap.reviews, reports=bootstrap.reports,
        counter=bootstrap.counter,
        shifts=bootstrap.shifts, invoices=bootstrap.invoices, erasures=bootstrap.erasures,
        busy_mode=bootstrap.busy_mode,
        settlement_desk=bootstrap.settlement_desk, segment_board=bootstrap.segment_board,
        segment_campaigns=bootstrap.segment_campaigns, push_tickets=bootstrap.push_tickets)
