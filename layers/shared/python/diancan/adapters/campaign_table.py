"""DynamoDB access for campaigns to segments: the campaign item, its members' sides (targeted or control),
the scheduled ones through GSI1 ``CAMPAIGNS#SCHEDULED``, and a member's orders in the campaign's window
(GSI1 ``USER#<openid>`` between two instants) for the uplift report."""

from __future__ import annotations

from collections.abc import Iterator

from pynamodb.exceptions import DoesNotExist, PutError

from diancan.adapters import keys
from diancan.adapters.records import CampaignMemberRecord, CampaignRecord, OrderRecord
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

    def orders_between(self, openid: str, start: str, end: str) -> list[Order]:
        """A guest's orders created in [start, end) (Query GSI1 ``USER#<openid>``, sort keys ``<created>#<oid>``
        between the two instants)."""
        found = []
        for r in OrderRecord.gsi1.query(keys.user(openid), OrderRecord.GSI1SK.between(start, end)):
            if isinstance(r, OrderRecord):
                order = order_from_record(r)
                if start <= order.created_at < end:
                    found.append(order)
        return found
