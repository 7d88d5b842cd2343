"""What the console's views call, built once per container from the composition root.

Services other engineers own (payments, printing, menu_admin, stock, ...) are looked up by their
``diancan.bootstrap`` builder name when they are needed; a missing one makes the view answer 501
(``NotBuiltYet``), never a pretend success.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from diancan.adapters.repository import Repository
from diancan.adapters.staff_store import AuditLog
from diancan.console.config import ConsoleSettings
from diancan.domain.errors import DomainError
from diancan.domain.passwords import CURRENT, ScryptCost
from diancan.services.login_guard import LoginGuard
from diancan.services.staff import StaffAccounts
from diancan.services.stats import StoreStats
from diancan.services.store_orders import StoreOrders


class NotBuiltYet(DomainError):
    status, code, message_zh, message_en = 501, "NOT_BUILT_YET", "该功能尚未上线", "This feature is not available yet"


@dataclass
class Console:
    accounts: StaffAccounts
    orders: StoreOrders
    stats: StoreStats
    audit: AuditLog
    repository: Repository
    guard: LoginGuard | None = None  # login throttling; its lockouts show on the owner's staff page
    optional: Callable[[str], Any] = field(default=lambda name: None)

    def service(self, name: str, feature: str) -> Any:
        """Another area's service (a ``bootstrap.<name>()`` builder), or 501 while it does not exist."""
        found = self.optional(name)
        if found is None:
            raise NotBuiltYet(f"{feature}: diancan.bootstrap.{name}() does not exist yet", f"{feature}功能尚未上线",
                              details={"service": name})
        return found


def session_key(app_secret: dict) -> bytes:
    """The session-signing key, derived from the ``app`` secret (a dedicated ``console_session_key`` wins)."""
    base = app_secret.get("console_session_key") or app_secret["token_secret"]
    return hmac.new(base.encode(), b"diancan-console-session", hashlib.sha256).digest()


def _from_bootstrap(name: str) -> Any:
    from diancan import bootstrap

    builder = getattr(bootstrap, name, None)
    return builder() if callable(builder) else None


def build(settings: ConsoleSettings, cost: ScryptCost = CURRENT) -> Console:
    """The real console: adapters from diancan.bootstrap, plus the console's own."""
    from diancan import bootstrap
    from diancan.adapters.login_guard_store import LoginGuardStore
    from diancan.adapters.order_search import DayOrders
    from diancan.adapters.staff_store import SessionStore, StaffStore
    from diancan.services.login_guard import LoginGuard

    stats = bootstrap.stats()
    audit = AuditLog()
    key = session_key(bootstrap.secrets().get("app"))
    guard = LoginGuard(LoginGuardStore(bootstrap.settings().table_name, bootstrap.settings().region), audit,
                       bootstrap.alerts(), key=key)
    accounts = StaffAccounts(StaffStore(), SessionStore(), guard, signing_key=key,
                             ttl_seconds=settings.session_seconds, cost=cost)
    orders = StoreOrders(bootstrap.repository(), DayOrders(), bootstrap.event_bus(), audit, bootstrap.pii_cipher())
    return Console(accounts=accounts, orders=orders, stats=stats, audit=audit, repository=bootstrap.repository(),
                   guard=guard, optional=_from_bootstrap)
