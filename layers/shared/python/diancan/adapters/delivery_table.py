"""DynamoDB access of delivery: an order's dispatch record, the store's active deliveries, the order's flag.

Access patterns (docs/table.md):
- one dispatch: GetItem ``ORDER#<oid>`` / ``DELIVERY`` (consistent on the write paths); the guest's order
  detail takes it in the order's own Query instead (``dispatch_read``)
- claim: PutItem ``ORDER#<oid>`` / ``DELIVERY`` with ``attribute_not_exists(PK)``
- change: PutItem of the same key with ``version = <read version>`` (optimistic; the loser re-reads)
- a store's active deliveries, oldest first: Query GSI1 ``DELIVERIES#<sid>`` (sparse: ended ones drop out)
- the order's console flag: UpdateItem ``ORDER#<oid>`` / ``ORDER`` ADD/DELETE ``flags``
"""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist, PutError

from diancan.adapters import keys
from diancan.adapters.records import DeliveryRecord, OrderRecord
from diancan.adapters.repository import BatchRead
from diancan.domain.dispatch import Dispatch
from diancan.domain.exceptions import DispatchChanged


def _record(dispatch: Dispatch, version: int) -> DeliveryRecord:
    active = dispatch.active
    return DeliveryRecord(
        keys.order(dispatch.order_id), keys.DELIVERY, store_id=dispatch.store_id, state=dispatch.state.value,
        version=version, doc=dispatch.model_dump(mode="json", exclude={"version"}),
        GSI1PK=keys.active_deliveries(dispatch.store_id) if active else None,
        GSI1SK=keys.timed(dispatch.created_at, dispatch.order_id) if active else None)


def _dispatch(record: DeliveryRecord) -> Dispatch:
    return Dispatch.model_validate({**record.doc, "version": int(record.version)})


class DeliveryTable:
    def get(self, order_id: str) -> Dispatch | None:
        try:
            return _dispatch(DeliveryRecord.get(keys.order(order_id), keys.DELIVERY, consistent_read=True))
        except DoesNotExist:
            return None

    def dispatch_read(self, order_id: str) -> BatchRead[Dispatch | None]:
        """The same dispatch, read in the order's Query (``Repository.order_with_issue(extra=...)``)."""
        return BatchRead((keys.order(order_id), keys.DELIVERY), lambda record: record and _dispatch(record),
                         kind=DeliveryRecord)

    def save(self, dispatch: Dispatch) -> Dispatch:
        """Write ``dispatch`` as the next version of what was read (version 0: the claim). Raises
        ``DispatchChanged`` when someone else wrote (or claimed) it meanwhile."""
        condition = (DeliveryRecord.PK.does_not_exist() if dispatch.version == 0
                     else DeliveryRecord.version == dispatch.version)
        try:
            _record(dispatch, dispatch.version + 1).save(condition=condition)
        except PutError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                raise DispatchChanged(details={"order_id": dispatch.order_id}) from None
            raise
        return dispatch.model_copy(update={"version": dispatch.version + 1})

    def active(self, store_id: str, limit: int = 200) -> list[Dispatch]:
        return [_dispatch(r) for r in DeliveryRecord.gsi1.query(keys.active_deliveries(store_id), limit=limit)]

    def flag(self, order_id: str, flag: str, on: bool) -> None:
        """Set or clear a console flag on the order (a set attribute, so replays change nothing)."""
        action = OrderRecord.flags.add({flag}) if on else OrderRecord.flags.delete({flag})
        OrderRecord(keys.order(order_id), keys.ORDER).update(actions=[action])
