"""Guest login: a wx.login code becomes a signed session token; the user is created on first login."""

from __future__ import annotations

from diancan.domain.clock import business_day, iso, utcnow
from diancan.services.ports import OrderRepository, TokenIssuer, WeChatLoginClient


def login(code: str, *, wechat: WeChatLoginClient, repository: OrderRepository, signer: TokenIssuer,
          business_tz: str = "Asia/Shanghai") -> dict:
    session = wechat.code_to_session(code)
    now = utcnow()
    is_new = repository.record_login(session.openid, iso(now), business_day(now, business_tz).isoformat())
    return {"token": signer.issue(session.openid), "expires_in": signer.ttl_seconds, "new_user": is_new}
