"""Demo staff of the local stack ONLY (never deployed): every password below is public.

| login | password | role | stores |
| --- | --- | --- | --- |
| boss | boss-demo-2026 | owner | all |
| jingan | jingan-demo-2026 | manager | sh-jingan |
| xuhui | xuhui-demo-2026 | manager | sh-xuhui |
| cashier | cashier-demo-2026 | cashier (refunds up to ¥50) | sh-jingan |
| cook | cook-demo-2026 | kitchen | sh-jingan |
"""

from __future__ import annotations

from diancan.domain.errors import Conflict
from diancan.domain.passwords import CURRENT, ScryptCost
from diancan.domain.staff import Role, Staff

DEMO_STAFF: list[tuple[Staff, str]] = [
    (Staff(staff_id="boss", login="boss", name="王老板", role=Role.OWNER), "boss-demo-2026"),
    (Staff(staff_id="mgr-jingan", login="jingan", name="李店长", role=Role.MANAGER, store_ids=("sh-jingan",)),
     "jingan-demo-2026"),
    (Staff(staff_id="mgr-xuhui", login="xuhui", name="张店长", role=Role.MANAGER, store_ids=("sh-xuhui",)),
     "xuhui-demo-2026"),
    (Staff(staff_id="cashier-jingan", login="cashier", name="小陈", role=Role.CASHIER, store_ids=("sh-jingan",),
           refund_limit_fen=5000), "cashier-demo-2026"),
    (Staff(staff_id="cook-jingan", login="cook", name="赵师傅", role=Role.KITCHEN, store_ids=("sh-jingan",)),
     "cook-demo-2026"),
]


def load(accounts=None, cost: ScryptCost = CURRENT) -> None:
    """Create the demo staff (idempotent: existing logins are left as they are)."""
    if accounts is None:
        from diancan.console.config import console_settings
        from diancan.console.wiring import build

        accounts = build(console_settings()).accounts
    for staff, password in DEMO_STAFF:
        try:
            accounts.create(staff, password, cost=cost)
        except Conflict:
            continue
