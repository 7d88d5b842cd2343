"""Setting a store up from nothing: the store itself, its tables, its printers (registered at Feieyun) and
stations, its ingredients. The console's pages and the management API call these; the menu (categories,
dishes, options, recipes) and stock movements stay with ``MenuAdmin`` and ``StockService``.

Nothing an order refers to is ever deleted: a store or a table is retired (hidden, refusing new orders,
its history kept); a printer is unbound at Feieyun and forgotten only when no station prints on it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from diancan.domain.clock import iso, local, utcnow
from diancan.domain.errors import Conflict, InvalidRequest, NotFound
from diancan.domain.exceptions import PrinterError
from diancan.domain.menu import Category, Store
from diancan.domain.setup import (
    IngredientCreate,
    IngredientEdit,
    PrinterAdd,
    StationRetire,
    StationSave,
    StoreCreate,
    StoreEdit,
    TablesAdd,
    table_numbers,
)
from diancan.domain.stations import check_retirement, users_of
from diancan.domain.stock import Ingredient
from diancan.domain.tickets import Station
from diancan.services.ports import (
    OrderRepository,
    PrinterAccount,
    PrintJobQueue,
    SetupRepository,
    StockLedger,
)

if TYPE_CHECKING:
    from diancan.services.menu_admin import MenuAdmin
    from diancan.services.stock import StockService

logger = logging.getLogger(__name__)


class StoreSetup:
    def __init__(self, repository: OrderRepository, setup: SetupRepository, print_jobs: PrintJobQueue,
                 stock_table: StockLedger,
                 menu_admin: MenuAdmin, stock: StockService, printer: Callable[[], PrinterAccount], *,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self._repository = repository
        self._setup = setup
        self._print_jobs = print_jobs
        self._stock_table = stock_table
        self._menu_admin = menu_admin
        self._stock = stock
        self._printer = printer  # built on first use: a page that never prints never reads the feieyun secret
        self._clock = clock

    # ---- stores ------------------------------------------------------------------------------------------

    def create_store(self, body: StoreCreate) -> tuple[Store, str]:
        """A new store, not accepting orders until its owner switches it on (unless the body says so)."""
        fields = body.model_dump(exclude_none=True)
        fields.setdefault("accepting_orders", False)
        store = Store.model_validate(fields)
        return store, self._setup.create_store(store)

    def edit_store(self, store_id: str, body: StoreEdit) -> tuple[Store, list[str], str]:
        """The fields sent over the current profile, written under the ``updated_at`` token (sent, or the one
        just read); the names of the fields that changed."""
        current, token = self._repository.store_for_update(store_id)
        changes = body.model_dump(exclude_none=True, exclude={"updated_at"})
        edited = Store.model_validate({**current.model_dump(mode="json"), **body.model_dump(
            mode="json", exclude_none=True, exclude={"updated_at"})})
        before, after = current.model_dump(mode="json"), edited.model_dump(mode="json")
        changed = sorted(f for f in changes if before.get(f) != after.get(f))
        updated_at = self._repository.update_store(edited, body.updated_at or token)
        return edited, changed, updated_at

    def retire_store(self, store_id: str) -> Store:
        """Closed for good: not accepting, hidden from the guests' store list; orders and reports kept."""
        current, token = self._repository.store_for_update(store_id)
        retired = current.model_copy(update={"retired": True, "accepting_orders": False})
        self._repository.update_store(retired, token)
        return retired

    # ---- tables ------------------------------------------------------------------------------------------

    def add_tables(self, store_id: str, body: TablesAdd) -> list[str]:
        names = table_numbers(body.tables)
        self._setup.add_tables(store_id, [(n, body.seats, body.area) for n in names])
        return names

    def edit_table(self, store_id: str, table_no: str, changes: dict) -> dict:
        if not changes:
            raise InvalidRequest("nothing to change", "没有要修改的内容", code="NOTHING_TO_CHANGE")
        return self._setup.set_table(store_id, table_no, changes)

    # ---- printers and stations ---------------------------------------------------------------------------

    def printers(self, store_id: str) -> list[dict]:
        return self._setup.printers(store_id)

    def add_printer(self, store_id: str, body: PrinterAdd) -> dict:
        """Claim the sn for the store, then bind it at Feieyun with its key; a refusal there (wrong key,
        bound to another account) takes the claim back. The key is never stored."""
        doc = {"sn": body.sn, "name": body.name or body.sn, "added_at": iso(self._clock())}
        self._setup.add_printer(store_id, doc)
        try:
            self._printer().add_printer(body.sn, body.key, body.name)
        except PrinterError as refused:
            self._setup.remove_printer(store_id, body.sn)
            raise InvalidRequest("Feieyun refused the printer: check its SN and key", "飞鹅云拒绝添加："
                                 "请核对打印机编号和识别码（或它已绑定其他账号）", code="PRINTER_REFUSED",
                                 details={"feieyun": refused.msg[:120]}) from None
        except Exception:
            self._setup.remove_printer(store_id, body.sn)
            raise
        return doc

    def remove_printer(self, store_id: str, sn: str) -> None:
        """Unbind at Feieyun and forget it; refused while a station prints on it (PRINTER_IN_USE)."""
        self._own_printer(store_id, sn)
        using = [s.station_id for s in self._print_jobs.stations(store_id) if sn in (s.printer_sn, s.fallback_printer_sn)]
        if using:
            raise Conflict("a station prints on this printer", "该打印机正被档口使用，请先更换档口的打印机",
                           code="PRINTER_IN_USE", details={"stations": using})
        try:
            self._printer().delete_printer(sn)
        except PrinterError as refused:  # already unbound at Feieyun: nothing left to undo there
            logger.info("feieyun refused the unbinding", extra={"printer_sn": sn, "feieyun_ret": refused.ret})
        self._setup.remove_printer(store_id, sn)

    def printer_status(self, store_id: str, sn: str) -> str:
        self._own_printer(store_id, sn)
        return self._printer().printer_status(sn)

    def test_page(self, store_id: str, sn: str) -> str:
        """A short test ticket on the printer; the vendor's print id."""
        printer = self._own_printer(store_id, sn)
        store, _ = self._repository.store_for_update(store_id)
        at = local(self._clock(), store.timezone).strftime("%Y-%m-%d %H:%M")
        content = (f"<CB>打印测试</CB><BR>{store.name}<BR>打印机：{printer['name']}<BR>编号：{sn}<BR>{at}<BR>"
                   "如能看到这张小票，打印机已连接。<BR><CUT>")
        return self._printer().print_ticket(sn, content)

    def _own_printer(self, store_id: str, sn: str) -> dict:
        for printer in self._setup.printers(store_id):
            if printer["sn"] == sn:
                return printer
        raise NotFound("no such printer in this store", "本店没有该打印机", code="PRINTER_NOT_FOUND")

    def save_station(self, store_id: str, station_id: str, body: StationSave) -> Station:
        """Create or change a station; its printers must be the store's; the categories named print here."""
        known = {p["sn"] for p in self._setup.printers(store_id)}
        unknown = [sn for sn in (body.printer_sn, body.fallback_printer_sn) if sn and sn not in known]
        if unknown:
            raise InvalidRequest("add the printer to the store first", "请先添加该打印机", code="PRINTER_NOT_FOUND",
                                 details={"sn": unknown})
        if body.fallback_printer_sn == body.printer_sn:
            raise InvalidRequest("the fallback printer is another printer", "备用打印机不能与主打印机相同",
                                 code="INVALID_STATION")
        categories = {c.category_id: c for c in self._repository.load_menu(store_id).categories}
        missing = [c for c in body.category_ids if c not in categories]
        if missing:
            raise InvalidRequest("no such category", "分类不存在", code="CATEGORY_NOT_FOUND", details={"categories": missing})
        station = Station(station_id=station_id, name=body.name, printer_sn=body.printer_sn,
                          fallback_printer_sn=body.fallback_printer_sn, paper_columns=body.paper_columns,
                          receipt=body.receipt)
        self._print_jobs.put_station(store_id, station, body.sort)
        for category_id in body.category_ids:
            category: Category = categories[category_id]
            if category.station_id != station_id:
                self._menu_admin.save_category(category.model_copy(update={"station_id": station_id}), create=False)
        return station

    def retire_station(self, store_id: str, station_id: str, body: StationRetire) -> tuple[Station, dict]:
        """Retire a station: its dishes and categories moved to ``move_to`` first (else refused while any
        names it), then the station kept for its tickets' sake with its printers unbound, never printed to
        again. A replay (already retired) changes nothing: ``{"replay": True}``."""
        stations = self._print_jobs.all_stations(store_id)
        retired = next((s for s, at in stations if s.station_id == station_id and at is not None), None)
        if retired is not None:
            return retired, {"replay": True}
        menu = self._repository.load_menu(store_id)
        users = users_of(station_id, menu.dishes, menu.categories)
        check_retirement(station_id, [s.station_id for s, at in stations if at is None], users,
                         has_dishes=bool(menu.dishes), move_to=body.move_to)
        for category in users.categories:
            self._menu_admin.save_category(category.model_copy(update={"station_id": body.move_to}), create=False)
        for dish in users.dishes:
            self._menu_admin.save_dish_details(store_id, dish.model_copy(update={"station_id": body.move_to}))
        station = next(s for s, _ in stations if s.station_id == station_id)
        unbound = station.model_copy(update={"printer_sn": "", "fallback_printer_sn": None})
        changed = self._print_jobs.retire_station(store_id, unbound, iso(self._clock()))
        return unbound, {"replay": not changed, "printers": [sn for sn in (station.printer_sn, station.fallback_printer_sn) if sn],
                         "moved_dishes": [d.dish_id for d in users.dishes],
                         "moved_categories": [c.category_id for c in users.categories]}

    # ---- ingredients -------------------------------------------------------------------------------------

    def add_ingredient(self, store_id: str, body: IngredientCreate) -> Ingredient:
        return self._stock.add_ingredient(Ingredient(store_id=store_id, **body.model_dump()))

    def edit_ingredient(self, store_id: str, ingredient_id: str, body: IngredientEdit) -> Ingredient:
        changes = body.model_dump(exclude_none=True, exclude={"threshold"})
        if not changes and body.threshold is None:
            raise InvalidRequest("nothing to change", "没有要修改的内容", code="NOTHING_TO_CHANGE")
        self._setup.set_ingredient(store_id, ingredient_id, changes, body.threshold)
        self._stock.refresh(store_id, [ingredient_id])
        return self._stock_table.ingredient(store_id, ingredient_id)
