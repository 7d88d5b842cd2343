"""The kitchen screen (open tickets per station, bump) and the pickup board (numbers preparing and ready,
call a number). Plain JSON for the console pages; the board is polled, the call is spoken by the browser."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from diancan.domain import lifecycle
from diancan.domain.clock import business_day, iso, utcnow
from diancan.domain.errors import Conflict
from diancan.domain.order import Order
from diancan.domain.order_status import OrderAction, OrderStatus, TransitionRefused
from diancan.domain.printing import PrintJob
from diancan.domain.tickets import line_key
from diancan.services.ports import EventPublisher, OrderRepository, PrintJobQueue, ServiceStateLedger

BOARD_READY_LIMIT = 12


def ticket_view(job: PrintJob) -> dict:
    """One kitchen ticket as the screen shows it (no prices); ``cancelled_qty`` of a line: how many of it a
    partial refund stopped (struck through on the screen)."""
    order = job.ticket.order
    stopped: dict[tuple, int] = {}
    for line in job.cancelled:
        stopped[line_key(line)] = stopped.get(line_key(line), 0) + line.qty
    lines = []
    for line in order.lines:
        cancelled = min(line.qty, stopped.get(line_key(line), 0))
        stopped[line_key(line)] = stopped.get(line_key(line), 0) - cancelled
        lines.append({"name": line.name, "qty": line.qty, "options": line.options, "cancelled_qty": cancelled})
    return {
        "order_id": job.order_id, "ticket_id": job.ticket_id, "station_id": job.ticket.station.station_id,
        "pickup_no": order.pickup_no, "table_no": order.table_no, "mode": order.mode, "paid_at": iso(order.paid_at),
        "due_at": iso(order.due_at), "preorder": order.pickup_at is not None,
        "pickup_at": iso(order.pickup_at) if order.pickup_at else None, "channel": order.channel,
        "is_addon_round": order.is_addon_round, "round_no": order.round_no, "remark": order.remark,
        "lines": lines, "cancelled_lines": sum(line["cancelled_qty"] for line in lines),
        "print_status": job.status.value, "reprints": job.reprints,
    }


def call_speech(pickup_no: int | None, table_no: str | None) -> str:
    return f"请{pickup_no}号顾客取餐" if pickup_no is not None else f"{table_no}桌的菜好了"


class KitchenBoard:
    def __init__(self, repository: OrderRepository, jobs: PrintJobQueue, bus: EventPublisher, *,
                 clock: Callable[[], datetime] = utcnow, service_states: ServiceStateLedger | None = None) -> None:
        self._repository = repository
        self._service_states = service_states  # the store's open kitchen tickets (busy mode, waiting times)
        self._jobs = jobs
        self._bus = bus
        self._clock = clock

    def open_tickets(self, store_id: str, station_id: str) -> dict:
        """A station's kitchen tickets not yet bumped, the earliest due first (a pre-order's pickup time, else
        the payment time: the index is sorted by it)."""
        jobs = self._jobs.open_kitchen_tickets(store_id, station_id)
        return {"store_id": store_id, "station_id": station_id, "tickets": [ticket_view(job) for job in jobs]}

    def bump(self, order_id: str, ticket_id: str, by: str) -> dict:
        """Mark a kitchen ticket done; when all the order's kitchen tickets are done the order is READY."""
        job = self._jobs.get(order_id, ticket_id)
        if job.ticket.kind != "kitchen":
            raise Conflict("only kitchen tickets are bumped", "只有厨房小票可以出餐", code="NOT_A_KITCHEN_TICKET")
        if job.bumped_at is None:
            self._jobs.save(job.model_copy(update={"bumped_at": iso(self._clock()), "bumped_by": by}))
        if self._service_states is not None:  # also on a repeated bump: the first may have died before this
            self._service_states.leave(job.store_id, [ticket_id])
        kitchen = [j for j in self._jobs.of_order(order_id) if j.ticket.kind == "kitchen"]
        all_done = all(j.bumped_at is not None or j.voided_at is not None for j in kitchen)
        status = self._ready(self._repository.get_order(order_id, consistent=True), by) if all_done else None
        return {"order_id": order_id, "ticket_id": ticket_id, "bumped": True, "order_ready": all_done,
                "order_status": status}

    def call_number(self, order_id: str, by: str) -> dict:
        """Call the order's number at the counter: READY, and the guest is notified (OrderReady event)."""
        order = self._repository.get_order(order_id, consistent=True)
        status = self._ready(order, by)
        if self._service_states is not None and status == OrderStatus.READY:  # called without every bump
            open_ids = [j.ticket_id for j in self._jobs.of_order(order_id)
                        if j.ticket.kind == "kitchen" and j.bumped_at is None]
            self._service_states.leave(order.store_id, open_ids)
        return {"order_id": order_id, "pickup_no": order.pickup_no, "status": status,
                "speech": call_speech(order.pickup_no, order.table_no)}

    def pickup_board(self, store_id: str, tz: str = "Asia/Shanghai") -> dict:
        """Today's numbers being prepared (ascending) and ready (latest call first), for the counter screen."""
        day = business_day(self._clock(), tz).isoformat()
        orders = [o for o in self._jobs.orders_of_day(store_id, day) if o.pickup_no is not None and o.mode != "delivery"]
        preparing = sorted(o.pickup_no for o in orders if o.status in (OrderStatus.PAID, OrderStatus.PREPARING))
        ready = sorted((o for o in orders if o.status == OrderStatus.READY), key=lambda o: o.ready_at or "",
                       reverse=True)[:BOARD_READY_LIMIT]
        latest = ready[0] if ready else None
        return {"store_id": store_id, "day": day, "preparing": preparing, "ready": [o.pickup_no for o in ready],
                "last_called": None if latest is None else {
                    "pickup_no": latest.pickup_no, "at": latest.ready_at, "speech": call_speech(latest.pickup_no, None)}}

    def _ready(self, order: Order, by: str) -> str:
        """PREPARING → READY (through START when the tickets were slower than the cook); replays change nothing."""
        at = iso(self._clock())
        try:
            if order.status == OrderStatus.PAID:  # passed through, unannounced: the OrderReady below says it
                self._repository.transition(order.order_id, order.mode, OrderAction.START, at=at, by=by)
            decision = lifecycle.call_ready(order, at=at, by=by)
            result = self._repository.apply(order.order_id, decision.move)
        except TransitionRefused:
            return self._repository.get_order(order.order_id, consistent=True).status.value
        if result.applied:
            self._bus.publish(list(decision.events))
        return result.status.value
