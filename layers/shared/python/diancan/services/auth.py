"""Guest login: a wx.login code becomes a signed session token; the user is created on first login."""

from __future__ import annotations

from typing import TYPE_CHECKING

from diancan.domain.clock import business_day, iso, utcnow

if TYPE_CHECKING:  # adapters arrive built (bootstrap); importing them here would load botocore at cold start
    from diancan.adapters.repository import Repository
    from diancan.adapters.tokens import TokenSigner
    from diancan.adapters.wechat import WeChatLogin


def login(code: str, *, wechat: WeChatLogin, repository: Repository, signer: TokenSigner,
          business_tz: str = "Asia/Shanghai") -> dict:
    session = wechat.code_to_session(code)
    now = utcnow()
    is_new = repository.record_login(session.openid, iso(now), business_day(now, business_tz).isoformat())
    return {"token": signer.issue(session.openid), "expires_in": signer.ttl_seconds, "new_user": is_new}
