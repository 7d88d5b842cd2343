"""DynamoDB access of printing and the kitchen: stations, print jobs, the order's NOT_PRINTED flag, the
kitchen screen and the pickup board. Access patterns (docs/table.md):

- stations of a store: Query ``STORE#<sid>`` SK begins_with ``STATION#``; profile + categories for routing:
  Query ``STORE#<sid>`` SK between ``#PROFILE`` and ``CATEGORY#\\uffff``
- one job: GetItem ``ORDER#<oid>/PRINT#<ticket_id>``; an order's jobs: Query ``ORDER#<oid>`` begins_with ``PRINT#``
- a station's open kitchen tickets, oldest first: Query GSI1 ``KDS#<sid>#<station>`` (a bumped ticket, or one
  whose order was refunded or cancelled whole, leaves it: its GSI1 keys are removed)
- sent jobs awaiting confirmation / failed jobs: Query GSI2 ``PRINTSENT#<sid>`` / ``PRINTFAIL#<sid>``
- the pickup board: Query GSI2 ``STORE#<sid>#<day>`` (the orders of a business day)
"""

from __future__ import annotations

from dataclasses import dataclass

from pynamodb.exceptions import DoesNotExist, PutError, UpdateError

from diancan.adapters import keys
from diancan.adapters.records import (
    CategoryRecord,
    OrderRecord,
    PrintJobRecord,
    Record,
    StationRecord,
    StoreRecord,
)
from diancan.domain.clock import iso
from diancan.domain.errors import NotFound
from diancan.domain.exceptions import JobChanged
from diancan.domain.menu import Category, Store
from diancan.domain.printing import PrintJob, PrintSetup, PrintStatus
from diancan.domain.tickets import Station


@dataclass(frozen=True)
class BoardOrder:
    """What the pickup board needs of an order (read from the record, no full order mapping)."""

    order_id: str
    mode: str
    status: str
    pickup_no: int | None
    ready_at: str | None


def _job(record: PrintJobRecord) -> PrintJob:
    return PrintJob.model_validate({**record.doc, "status": record.status, "version": int(record.version)})


def _job_record(job: PrintJob) -> PrintJobRecord:
    ticket = job.ticket
    record = PrintJobRecord(keys.order(job.order_id), keys.print_job(ticket.ticket_id), store_id=job.store_id,
                            status=job.status.value, version=job.version + 1,
                            doc=job.model_dump(mode="json", exclude={"status", "version"}))
    if ticket.kind == "kitchen" and job.bumped_at is None and job.voided_at is None:
        record.GSI1PK = keys.kitchen_queue(job.store_id, ticket.station.station_id)
        record.GSI1SK = keys.timed(iso(ticket.order.due_at), ticket.ticket_id)  # the screen's order: due time
    if job.status == PrintStatus.SENT:
        record.GSI2PK, record.GSI2SK = keys.print_sent(job.store_id), keys.timed(job.sent_at or "", ticket.ticket_id)
    elif job.status == PrintStatus.FAILED:
        record.GSI2PK = keys.print_failed(job.store_id)
        record.GSI2SK = keys.timed(job.failed_at or "", ticket.ticket_id)
    return record


class PrintJobs:
    """Print jobs are written whole, each write conditioned on the version that was read."""

    # ---- stations ---------------------------------------------------------------------------------------

    def put_station(self, store_id: str, station: Station, sort: int = 0) -> None:
        """Create or replace a station (a retired one saved again prints again)."""
        StationRecord(keys.store(store_id), keys.station(station.station_id), sort=sort,
                      doc=station.model_dump(mode="json")).save()

    def stations(self, store_id: str) -> list[Station]:
        """The stations that print (retired ones left out), in their sort order."""
        return [station for station, retired_at in self.all_stations(store_id) if retired_at is None]

    def all_stations(self, store_id: str) -> list[tuple[Station, str | None]]:
        """Every station with the instant it was retired (None: active): one query."""
        records = StationRecord.query(keys.store(store_id), StationRecord.SK.startswith(keys.station("")))
        return [(Station.model_validate(r.doc), r.retired_at)
                for r in sorted(records, key=lambda r: (int(r.sort), r.SK))]

    def retire_station(self, store_id: str, station: Station, at: str) -> bool:
        """Mark the station retired with its printers unbound (``station`` as it is to be kept); False when it
        already was (a replay). Conditional: only an active station is retired."""
        record = StationRecord(keys.store(store_id), keys.station(station.station_id))
        try:
            record.update(actions=[StationRecord.retired_at.set(at), StationRecord.doc.set(station.model_dump(mode="json"))],
                          condition=StationRecord.PK.exists() & StationRecord.retired_at.does_not_exist())
        except UpdateError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise
            return False
        return True

    def print_setup(self, store_id: str) -> PrintSetup:
        """The store profile, its categories' stations and its stations: two queries of its partition."""
        store, category_stations = None, {}
        for record in Record.query(keys.store(store_id), Record.SK.between(keys.PROFILE, "CATEGORY#\uffff")):
            if isinstance(record, StoreRecord):
                store = Store.model_validate(record.doc)
            elif isinstance(record, CategoryRecord):
                category = Category.model_validate(record.doc)
                category_stations[category.category_id] = category.station_id
        if store is None:
            raise NotFound("no such store", "门店不存在", code="STORE_NOT_FOUND")
        return PrintSetup(store, self.stations(store_id), category_stations)

    # ---- jobs ---------------------------------------------------------------------------------------------

    def claim(self, job: PrintJob) -> tuple[PrintJob, bool]:
        """Create the job unless it exists (a replay): (the stored job, True when this call created it)."""
        try:
            _job_record(job.model_copy(update={"version": 0})).save(condition=PrintJobRecord.version.does_not_exist())
            return job.model_copy(update={"version": 1}), True
        except PutError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise
        return self.get(job.order_id, job.ticket_id), False

    def save(self, job: PrintJob) -> PrintJob:
        """Write the changed job if nobody else did since it was read; returns it with its new version."""
        try:
            _job_record(job).save(condition=PrintJobRecord.version == job.version)
        except PutError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                raise JobChanged("print job changed meanwhile", "出单任务已变化",
                                 details={"ticket_id": job.ticket_id}) from None
            raise
        return job.model_copy(update={"version": job.version + 1})

    def get(self, order_id: str, ticket_id: str) -> PrintJob:
        try:
            return _job(PrintJobRecord.get(keys.order(order_id), keys.print_job(ticket_id), consistent_read=True))
        except DoesNotExist:
            raise NotFound("no such ticket", "小票不存在", code="TICKET_NOT_FOUND") from None

    def of_order(self, order_id: str) -> list[PrintJob]:
        return [_job(r) for r in PrintJobRecord.query(keys.order(order_id),
                                                      PrintJobRecord.SK.startswith(keys.print_job("")),
                                                      consistent_read=True)]

    def open_kitchen_tickets(self, store_id: str, station_id: str, limit: int = 100) -> list[PrintJob]:
        return [_job(r) for r in PrintJobRecord.gsi1.query(keys.kitchen_queue(store_id, station_id), limit=limit)]

    def sent(self, store_id: str, limit: int = 200) -> list[PrintJob]:
        return [_job(r) for r in PrintJobRecord.gsi2.query(keys.print_sent(store_id), limit=limit)]

    def failed(self, store_id: str, limit: int = 100) -> list[PrintJob]:
        return [_job(r) for r in PrintJobRecord.gsi2.query(keys.print_failed(store_id), limit=limit)]

    # ---- the order's flag and the pickup board ----------------------------------------------------------

    def flag_not_printed(self, order_id: str, flagged: bool) -> None:
        """Set or clear the order's NOT_PRINTED flag (a set attribute, so replays change nothing)."""
        flag = {keys.NOT_PRINTED}
        action = OrderRecord.flags.add(flag) if flagged else OrderRecord.flags.delete(flag)
        OrderRecord(keys.order(order_id), keys.ORDER).update(actions=[action],
                                                               condition=OrderRecord.PK.exists())

    def orders_of_day(self, store_id: str, day: str) -> list[BoardOrder]:
        records = OrderRecord.gsi2.query(keys.store_day(store_id, day))
        return [BoardOrder(order_id=r.PK.removeprefix(keys.order("")), mode=r.doc.get("mode", ""), status=r.status,
                           pickup_no=None if r.pickup_no is None else int(r.pickup_no),
                           ready_at=next((h["at"] for h in reversed(r.history or []) if h.get("status") == "READY"),
                                         None))
                for r in records if isinstance(r, OrderRecord)]
