"""DynamoDB access for member profiles (``USER#<openid>/MEMBERPROFILE``) and segments.

The consumer reads a profile (consistent GetItem) and writes it back with ONE conditional UpdateItem on the
version it read. The daily job pages through the 16 GSI1 shards ``PROFILES#<nn>`` (never a scan, never more
than a page in memory) and moves a member's segment (GSI2 ``SEGMENT#<name>``) with an UpdateItem only when it
changed; segment sizes per day are one item per day (docs/table.md, member profiles).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from pynamodb.exceptions import DoesNotExist, PutError, UpdateError

from diancan.adapters import keys
from diancan.adapters.records import (
    CustomSegmentMemberRecord,
    MemberProfileRecord,
    MemberRecord,
    Record,
    SegmentRunRecord,
    SegmentSettingsRecord,
    SegmentSizesRecord,
)
from diancan.domain.exceptions import ConditionFailed
from diancan.domain.member_profile import MemberProfile, erased


@dataclass(frozen=True)
class StoredProfile:
    openid: str
    profile: MemberProfile
    version: int  # 0: no item yet
    segment: str | None = None
    segments: frozenset[str] = frozenset()
    segment_week: str | None = None
    week_start_segment: str | None = None
    reviews: int = 0  # reviews written, and the stars they gave (per dish rated)
    review_stars_sum: int = 0
    review_stars_count: int = 0
    listed: bool = False  # the custom segments in ``segments`` have their member items

    @property
    def average_stars_tenths(self) -> int:
        """Average stars ×10, rounded down (43 = 4.3 stars); 0 without a review."""
        return self.review_stars_sum * 10 // self.review_stars_count if self.review_stars_count else 0


def _conditional_failed(error: Exception) -> bool:
    return getattr(error, "cause_response_code", None) == "ConditionalCheckFailedException"


def _stored(record: MemberProfileRecord) -> StoredProfile:
    return StoredProfile(record.openid, MemberProfile.model_validate(record.doc or {}), int(record.version or 0),
                         record.segment, frozenset(record.segments or ()), record.segment_week,
                         record.week_start_segment, int(record.review_count or 0), int(record.review_stars_sum or 0),
                         int(record.review_stars_count or 0), bool(record.segments_listed))


class MemberProfileTable:
    def get(self, openid: str) -> StoredProfile:
        """GetItem (consistent: the next write is conditional on this version)."""
        try:
            return _stored(MemberProfileRecord.get(keys.user(openid), keys.MEMBER_PROFILE, consistent_read=True))
        except DoesNotExist:
            return StoredProfile(openid, MemberProfile(), 0)

    def save(self, openid: str, profile: MemberProfile, version: int) -> None:
        """One UpdateItem, applied only if nobody wrote since ``version`` was read (ConditionFailed otherwise)."""
        record = MemberProfileRecord(keys.user(openid), keys.MEMBER_PROFILE)
        # version 0: no fold yet (the item may exist already, made by a review's counters)
        condition = (MemberProfileRecord.version == version) if version else MemberProfileRecord.version.does_not_exist()
        try:
            record.update(actions=[
                MemberProfileRecord.kind.set(MemberProfileRecord), MemberProfileRecord.openid.set(openid),
                MemberProfileRecord.doc.set(profile.model_dump(mode="json", exclude_defaults=True)),
                MemberProfileRecord.version.set(version + 1),
                MemberProfileRecord.GSI1PK.set(keys.profile_shard_of(openid)), MemberProfileRecord.GSI1SK.set(openid),
            ], condition=condition)
        except UpdateError as error:
            if _conditional_failed(error):
                raise ConditionFailed("member_profile") from error
            raise

    def erase(self, openid: str, at: str) -> None:
        """The guest's "delete my data": the profile becomes its erasure time alone and leaves every segment
        (one UpdateItem; the version moves on, so a fold that read the old profile fails its condition), and
        leaves its custom segments' lists (a GetItem of the profile, a DeleteItem per segment it was listed in)."""
        self.list_custom(openid, frozenset(), self.get(openid).segments)
        MemberProfileRecord(keys.user(openid), keys.MEMBER_PROFILE).update(actions=[
            MemberProfileRecord.kind.set(MemberProfileRecord), MemberProfileRecord.openid.set(openid),
            MemberProfileRecord.doc.set(erased(at).model_dump(mode="json", exclude_defaults=True)),
            MemberProfileRecord.version.add(1), MemberProfileRecord.segment.remove(),
            MemberProfileRecord.segments.remove(), MemberProfileRecord.GSI2PK.remove(),
            MemberProfileRecord.segment_week.remove(), MemberProfileRecord.week_start_segment.remove(),
            MemberProfileRecord.review_count.remove(), MemberProfileRecord.review_stars_sum.remove(),
            MemberProfileRecord.review_stars_count.remove(), MemberProfileRecord.segments_listed.remove(),
            MemberProfileRecord.GSI2SK.remove(),
            MemberProfileRecord.GSI1PK.set(keys.profile_shard_of(openid)), MemberProfileRecord.GSI1SK.set(openid)])

    # ---- the daily job ------------------------------------------------------------------------------------------

    def all_profiles(self, page_size: int = 500) -> Iterator[StoredProfile]:
        """Every profile, shard by shard, one page (≤ ``page_size`` items) in memory at a time."""
        for shard in range(keys.PROFILE_SHARDS):
            for record in MemberProfileRecord.gsi1.query(keys.profile_shard(shard), page_size=page_size):
                if isinstance(record, MemberProfileRecord):
                    yield _stored(record)

    def profile_page(self, cursor: str, page_size: int = 500) -> tuple[list[StoredProfile], str | None]:
        """One page of profiles from ``cursor`` ("" to begin; ``<shard>:<last openid>`` after) and the cursor to
        go on from (None after the last shard): one Query of GSI1 ``PROFILES#<nn>`` after that openid."""
        shard_text, _, after = cursor.partition(":")
        shard = int(shard_text or 0)
        condition = (after < MemberProfileRecord.GSI1SK) if after else None
        results = MemberProfileRecord.gsi1.query(keys.profile_shard(shard), condition, limit=page_size,
                                                 page_size=page_size)
        page = [_stored(r) for r in results if isinstance(r, MemberProfileRecord)]
        if page and results.last_evaluated_key is not None:
            return page, f"{shard}:{page[-1].openid}"
        return page, (f"{shard + 1}:" if shard + 1 < keys.PROFILE_SHARDS else None)

    def run_state(self, day: str) -> tuple[dict, int]:
        """The daily job's progress on ``day`` and its version (({}, 0) before the day's first run)."""
        try:
            record = SegmentRunRecord.get(*keys.segment_run(day), consistent_read=True)
        except DoesNotExist:
            return {}, 0
        return dict(record.doc or {}), int(record.version or 0)

    def save_run_state(self, day: str, doc: dict, version: int) -> int:
        """PutItem of the progress if nobody advanced it since ``version`` (ConditionFailed otherwise: another
        invocation holds the day); the new version."""
        condition = (SegmentRunRecord.version == version) if version else SegmentRunRecord.PK.does_not_exist()
        try:
            SegmentRunRecord(*keys.segment_run(day), doc=doc, version=version + 1).save(condition=condition)
        except PutError as error:
            if _conditional_failed(error):
                raise ConditionFailed("segment_run") from error
            raise
        return version + 1

    def set_segments(self, openid: str, segment: str | None, segments: frozenset[str], week: str,
                     week_start_segment: str) -> None:
        """The member's RFM segment (and its GSI2 entry), the custom segments they match and the week's start
        segment (the flow table): one UpdateItem, conditioned on the item still being there."""
        record = MemberProfileRecord(keys.user(openid), keys.MEMBER_PROFILE)
        actions = [MemberProfileRecord.segments.set(set(segments)) if segments else MemberProfileRecord.segments.remove(),
                   MemberProfileRecord.segments_listed.set(1),
                   MemberProfileRecord.segment_week.set(week),
                   MemberProfileRecord.week_start_segment.set(week_start_segment)]
        if segment:
            actions += [MemberProfileRecord.segment.set(segment), MemberProfileRecord.GSI2PK.set(keys.in_segment(segment)),
                        MemberProfileRecord.GSI2SK.set(openid)]
        else:
            actions += [MemberProfileRecord.segment.remove(), MemberProfileRecord.GSI2PK.remove(),
                        MemberProfileRecord.GSI2SK.remove()]
        try:
            record.update(actions=actions, condition=MemberProfileRecord.PK.exists())
        except UpdateError as error:
            if not _conditional_failed(error):
                raise

    def list_custom(self, openid: str, add: frozenset[str], remove: frozenset[str]) -> None:
        """The member joins the lists of ``add`` and leaves those of ``remove`` (a PutItem or DeleteItem each,
        both idempotent); done before the profile's ``segments`` move, so a failure between is redone."""
        for segment_id in sorted(add):
            CustomSegmentMemberRecord(keys.custom_segment(segment_id), keys.campaign_member(openid), openid=openid).save()
        for segment_id in sorted(remove - add):
            CustomSegmentMemberRecord(keys.custom_segment(segment_id), keys.campaign_member(openid)).delete()

    def custom_members(self, segment_id: str, page_size: int = 100) -> Iterator[StoredProfile]:
        """The members of a saved custom segment: one Query per page of its list, then their profiles
        (BatchGetItem of the page); a profile no longer in the segment (erased meanwhile) is left out."""
        results = CustomSegmentMemberRecord.query(keys.custom_segment(segment_id), page_size=page_size)
        openids: list[str] = []
        for record in results:
            if isinstance(record, CustomSegmentMemberRecord):
                openids.append(record.openid)
            if len(openids) >= page_size:
                yield from self._profiles_in(openids, segment_id)
                openids = []
        yield from self._profiles_in(openids, segment_id)

    @staticmethod
    def _profiles_in(openids: list[str], segment_id: str) -> Iterator[StoredProfile]:
        if not openids:
            return
        found = {r.openid: _stored(r) for r in MemberProfileRecord.batch_get(
            [(keys.user(o), keys.MEMBER_PROFILE) for o in openids]) if isinstance(r, MemberProfileRecord)}
        for openid in openids:
            if openid in found and segment_id in found[openid].segments:
                yield found[openid]

    def standings(self, openids: list[str]) -> dict[str, tuple[int, int]]:
        """Points and lifetime spend (the level) of each member from ``USER#<openid>/MEMBER``: BatchGetItem,
        100 keys a call; a member without the item is left out."""
        found = {}
        for record in Record.batch_get([(keys.user(o), keys.MEMBER) for o in sorted(set(openids))]):
            if isinstance(record, MemberRecord):
                found[record.PK.removeprefix(keys.user(""))] = (int(record.points or 0), int(record.spend_fen or 0))
        return found

    def members_in(self, segment: str) -> Iterator[StoredProfile]:
        """The members of one RFM segment (Query GSI2 ``SEGMENT#<name>``), paged."""
        for record in MemberProfileRecord.gsi2.query(keys.in_segment(segment)):
            if isinstance(record, MemberProfileRecord):
                yield _stored(record)

    def segment_settings(self) -> dict:
        """The owner's thresholds and saved custom segments as stored (GetItem; {} when never set)."""
        try:
            return dict(SegmentSettingsRecord.get(*keys.SEGMENT_SETTINGS).doc or {})
        except DoesNotExist:
            return {}

    def put_segment_settings(self, doc: dict, at: str) -> None:
        SegmentSettingsRecord(*keys.SEGMENT_SETTINGS, doc=doc, updated_at=at).save()

    def put_sizes(self, day: str, sizes: dict) -> None:
        pk, sk = keys.segment_sizes(day)
        SegmentSizesRecord(pk, sk, doc=sizes).save()

    def sizes_between(self, first: str, last: str) -> list[tuple[str, dict]]:
        """Segment sizes per day from ``first`` to ``last`` (one Query)."""
        pk, _ = keys.segment_sizes(first)
        return [(r.SK.removeprefix("DAY#"), dict(r.doc)) for r in SegmentSizesRecord.query(
            pk, SegmentSizesRecord.SK.between(keys.segment_sizes(first)[1], keys.segment_sizes(last)[1]))
            if isinstance(r, SegmentSizesRecord)]
