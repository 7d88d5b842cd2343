"""The counter's way to a member without a scan (docs/table.md AP-L1..3): the openids behind the last 4 digits of
a bound phone (Query GSI1 ``PHONETAIL#<tail>`` of the ``USER#<openid>/PHONETAIL`` items written with the phone)
or behind a member code (Query GSI2 ``MEMBERCODE#<code>`` of the user profiles, set at login), then what the
cashier is shown of them in one BatchGetItem of ``MEMBER`` (points, spend) and ``MEMBERINFO`` (the encrypted
phone, masked by the service)."""

from __future__ import annotations

from diancan.adapters import keys
from diancan.adapters.records import MemberInfoRecord, MemberRecord, PhoneTailRecord, Record, UserRecord
from diancan.domain.membership import MemberCard, Standing

BATCH_KEYS = 100  # BatchGetItem's limit: 50 members a call


class MemberLookupTable:
    def with_phone_tail(self, tail: str, limit: int) -> list[str]:
        """Openids of members whose bound phone ends in ``tail``, at most ``limit`` (Query GSI1, one page)."""
        return [r.openid for r in PhoneTailRecord.gsi1.query(keys.phone_tail(tail), limit=limit)
                if isinstance(r, PhoneTailRecord)]

    def with_code(self, code: str, limit: int) -> list[str]:
        """Openids whose member code is ``code`` (one, unless two openids share 40 bits of a hash): Query GSI2."""
        return [r.openid for r in UserRecord.gsi2.query(keys.member_code_of(code), limit=limit)
                if isinstance(r, UserRecord)]

    def cards(self, openids: list[str]) -> list[MemberCard]:
        """Standing and encrypted phone of each member, in the order given: one BatchGetItem (≤ 50 members)."""
        wanted = list(dict.fromkeys(openids))[:BATCH_KEYS // 2]
        found: dict[str, dict] = {o: {} for o in wanted}
        for record in Record.batch_get([(keys.user(o), sk) for o in wanted for sk in (keys.MEMBER, keys.MEMBER_INFO)]):
            mine = found.get(record.PK.removeprefix(keys.user("")))
            if mine is None:
                continue
            if isinstance(record, MemberRecord):
                mine["standing"] = Standing(int(record.points or 0), int(record.spend_fen or 0),
                                            int(record.completed_orders or 0))
            elif isinstance(record, MemberInfoRecord):
                mine["phone_enc"] = record.phone_enc
        return [MemberCard(o, f.get("standing", Standing()), f.get("phone_enc")) for o, f in found.items()]
