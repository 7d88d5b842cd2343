"""Console login throttling, as rules: after how many wrong passwords a login must wait, how long, and when
it is locked. Pure: the counts come from the table (adapters.login_guard_table), the clock from the caller.

Two counters decide, each from its own failures: the account (the login name as typed, whether or not such an
account exists, so a lock reveals nothing) and the client (the source address of the request). The first
``free_failures`` cost nothing; each further one makes the next attempt wait twice as long (1, 2, 4 ... s, at
most ``max_backoff``); at ``lock_after`` the counter is locked for ``lock_seconds``. While a counter waits,
attempts are refused without looking at the password (so a right password is refused too, and a refused
attempt does not count). A counter is forgotten ``forget_after`` seconds after its last failure; one more
failure after a lock has ended locks again at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from diancan.domain.errors import DomainError


@dataclass(frozen=True)
class ThrottleRule:
    scope: str  # "account" or "client"
    free_failures: int
    lock_after: int
    lock_seconds: int
    forget_after: int
    max_backoff: int

    def wait_after(self, failures: int) -> int:
        """Seconds the next attempt waits after the ``failures``-th failure."""
        if failures >= self.lock_after:
            return self.lock_seconds
        if failures <= self.free_failures:
            return 0
        return min(2 ** (failures - self.free_failures - 1), self.max_backoff)

    def locks(self, failures: int) -> bool:
        return failures >= self.lock_after


ACCOUNT_RULE = ThrottleRule("account", free_failures=3, lock_after=10, lock_seconds=15 * 60, forget_after=3600,
                            max_backoff=60)
CLIENT_RULE = ThrottleRule("client", free_failures=10, lock_after=30, lock_seconds=15 * 60, forget_after=3600,
                           max_backoff=60)
ALERT_LOCKOUTS_PER_HOUR = 3  # the alert goes out when a clock hour's lockouts reach this


@dataclass(frozen=True)
class Failures:
    count: int
    last_at: int  # epoch seconds of the latest failure


def still_counting(rule: ThrottleRule, failures: Failures | None, now: int) -> Failures | None:
    """The failures that still count, or None once ``forget_after`` has passed since the last one."""
    if failures is None or failures.count <= 0 or now - failures.last_at >= rule.forget_after:
        return None
    return failures


def waits_until(rule: ThrottleRule, failures: Failures | None, now: int) -> int | None:
    """When the next attempt may be made, if that is still to come."""
    counting = still_counting(rule, failures, now)
    if counting is None:
        return None
    until = counting.last_at + rule.wait_after(counting.count)
    return until if until > now else None


class LoginThrottled(DomainError):
    """429: too many wrong passwords for this login name or from this address. The same answer whether or not
    the account exists; ``details.retry_after_seconds`` says how long to wait."""

    status, code = 429, "LOGIN_THROTTLED"
    message_zh, message_en = "登录失败次数过多，请稍后再试", "Too many failed logins; try again later"

    def __init__(self, retry_after: int, locked: bool) -> None:
        wait = f"{-(-retry_after // 60)} 分钟" if retry_after >= 60 else f"{retry_after} 秒"
        wait_en = f"{-(-retry_after // 60)} minutes" if retry_after >= 60 else f"{retry_after} seconds"
        what = "登录已被临时锁定" if locked else "登录失败次数过多"
        super().__init__(f"Too many failed logins; try again in {wait_en}", f"{what}，请 {wait} 后再试",
                         details={"retry_after_seconds": retry_after, "locked": locked})
        self.retry_after = retry_after
