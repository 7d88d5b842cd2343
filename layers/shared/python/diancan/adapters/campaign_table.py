"""DynamoDB access for campaigns to segments: the campaign item, its members' sides (targeted or control),
the scheduled ones through GSI1 ``CAMPAIGNS#SCHEDULED``, and the orders in the campaign's window for the
uplift report (per guest through GSI1 ``USER#<openid>``, or per store and day through GSI2 ``STORE#<sid>#<day>``,
whichever takes fewer Queries)."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from datetime import date, timedelta

from pynamodb.exceptions import DoesNotExist, PutError

from diancan.adapters import keys
from diancan.adapters.records import CampaignMemberRecord, CampaignRecord, OrderRecord, StoreRecord
from diancan.adapters.repository import order_from_record
from diancan.domain.campaigns import Campaign
from diancan.domain.errors import Conflict, NotFound
from diancan.domain.order import Order


def _conditional_failed(error: Exception) -> bool:
    return getattr(error, "cause_response_code", None) == "ConditionalCheckFailedException"


class CampaignTable:
    def create(self, campaign: Campaign) -> None:
        """PutItem if the id is new (409 CAMPAIGN_EXISTS otherwise); scheduled ones are indexed for the job."""
        scheduled = campaign.sent_at is None and campaign.send_at is not None
        record = CampaignRecord(keys.campaign(campaign.campaign_id), keys.CAMPAIGN, doc=campaign.model_dump(mode="json"),
                                GSI1PK=keys.CAMPAIGNS_DUE if scheduled else None,
                                GSI1SK=f"{campaign.send_at}#{campaign.campaign_id}" if scheduled else None)
        try:
            record.save(condition=CampaignRecord.PK.does_not_exist())
        except PutError as error:
            if _conditional_failed(error):
                raise Conflict("campaign id taken", "活动编号已存在", code="CAMPAIGN_EXISTS") from None
            raise

    def get(self, campaign_id: str) -> Campaign:
        try:
            return Campaign.model_validate(CampaignRecord.get(keys.campaign(campaign_id), keys.CAMPAIGN).doc)
        except DoesNotExist:
            raise NotFound("no such campaign", "活动不存在", code="CAMPAIGN_NOT_FOUND") from None

    def due(self, now: str) -> list[Campaign]:
        """Scheduled campaigns whose time has come (Query GSI1 ``CAMPAIGNS#SCHEDULED`` up to now)."""
        return [Campaign.model_validate(r.doc) for r in CampaignRecord.gsi1.query(
            keys.CAMPAIGNS_DUE, f"{now}#\uffff" >= CampaignRecord.GSI1SK) if isinstance(r, CampaignRecord)]

    def mark_sent(self, campaign: Campaign) -> None:
        """The campaign's counts and time sent; it leaves the schedule (one PutItem over the item)."""
        CampaignRecord(keys.campaign(campaign.campaign_id), keys.CAMPAIGN, doc=campaign.model_dump(mode="json")).save()

    def add_member(self, campaign_id: str, openid: str, group: str, coupons: int) -> bool:
        """PutItem if absent: False when the member already has a side (a resend after a failure)."""
        try:
            CampaignMemberRecord(keys.campaign(campaign_id), keys.campaign_member(openid), openid=openid, group=group,
                                 coupons=coupons).save(condition=CampaignMemberRecord.PK.does_not_exist())
            return True
        except PutError as error:
            if _conditional_failed(error):
                return False
            raise

    def members(self, campaign_id: str) -> Iterator[tuple[str, str]]:
        """(openid, group) of every member of the campaign (Query its partition, paged)."""
        for r in CampaignMemberRecord.query(keys.campaign(campaign_id),
                                            CampaignMemberRecord.SK.startswith(keys.campaign_member(""))):
            if isinstance(r, CampaignMemberRecord):
                yield r.openid, r.group

    def orders_in_window(self, start: str, end: str, openids: Collection[str]) -> Iterator[Order]:
        """The orders created in [start, end) of at least the guests ``openids``, by the cheaper of two reads
        (after one Query of GSI1 ``STORES``): a Query of GSI1 ``USER#<openid>`` per guest, or, when the guests
        outnumber the store-days, a Query of GSI2 ``STORE#<sid>#<day>`` per store and day (the whole chain's
        orders, the caller keeps its guests'). The days run from the UTC day before ``start`` to the one after
        ``end``, so every store's local business day is covered; an order sits in exactly one partition."""
        first = date.fromisoformat(start[:10]) - timedelta(days=1)
        last = date.fromisoformat(end[:10]) + timedelta(days=1)
        days = [(first + timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]
        stores = [r.store_id for r in StoreRecord.gsi1.query(keys.STORES) if isinstance(r, StoreRecord)]
        if len(openids) <= len(stores) * len(days):
            queries = (OrderRecord.gsi1.query(keys.user(o), OrderRecord.GSI1SK.between(start, end)) for o in openids)
        else:
            queries = (OrderRecord.gsi2.query(keys.store_day(s, d)) for s in stores for d in days)
        for query in queries:
            for r in query:
                if isinstance(r, OrderRecord):
                    order = order_from_record(r)
                    if start <= order.created_at < end:
                        yield order
