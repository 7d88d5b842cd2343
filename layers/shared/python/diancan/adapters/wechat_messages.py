"""WeChat mini-program subscribe messages (``subscribeMessage.send``).

``POST /cgi-bin/message/subscribe/send?access_token=...`` with ``{"touser": openid, "template_id", "page",
"miniprogram_state": "formal"|"trial"|"developer", "lang": "zh_CN", "data": {"<key>": {"value": "..."}}}``;
WeChat answers HTTP 200 and ``{"errcode": 0, "errmsg": "ok", "msgid": ...}`` on success. What we rely on
(developers.weixin.qq.com, subscribeMessage.send and 订阅消息参数值内容限制):

- a one-time subscription (wx.requestSubscribeMessage in the mini-program) lets us send the guest ONE
  message of that template; without one, or once it is used up or withdrawn: 43101 "user refuse to accept
  the msg". That is an everyday outcome, not an error: counted, never retried.
- 47003 "argument invalid! data.<key>.value ...": a value breaks its type's rule (thing ≤ 20 characters,
  character_string ≤ 32, phrase ≤ 5 Chinese characters, time ``2026-11-24 12:30``, ...; domain/guest_notices
  cuts values to fit). 40003 (bad openid), 40037 (bad template_id) and 41030 (page not in the released
  mini-program) are refusals of the same kind: the same message fails again, so no retry, a log line and a
  metric for the deployment to be fixed.
- 40001 / 42001 / 40014: the access token is invalid or expired: replaced once and the message sent again
  (``WeChatServerApi``); rejected again → ``UpstreamUnavailable``, so SQS retries it (never "refused").
- -1 "system error" and 45009 (quota reached): WeChat is busy; like a network failure or an HTTP error
  status this raises ``UpstreamUnavailable`` so the SQS message is retried.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from diancan.adapters.wechat_token import BUSY, StableAccessToken, WeChatServerApi
from diancan.domain.errors import UpstreamUnavailable
from diancan.domain.guest_notices import SubscribeMessage

logger = logging.getLogger(__name__)

SEND_PATH = "/cgi-bin/message/subscribe/send"
NOT_SUBSCRIBED = 43101


@dataclass(frozen=True)
class SendResult:
    outcome: str  # "sent" | "not_subscribed" | "refused"
    errcode: int = 0
    msgid: str | None = None


class WeChatSubscribeMessages:
    def __init__(self, tokens: StableAccessToken, api_base: str, timeout: float, *,
                 budget: float | None = None) -> None:
        self._api = WeChatServerApi(tokens, api_base, timeout, budget=budget)

    def send(self, message: SubscribeMessage) -> SendResult:
        body = self._api.post(SEND_PATH, {
            "touser": message.touser, "template_id": message.template_id, "page": message.page,
            "miniprogram_state": message.state, "lang": "zh_CN",
            "data": {key: {"value": value} for key, value in message.data.items()}})
        errcode = int(body.get("errcode") or 0)
        if errcode == 0:
            return SendResult("sent", msgid=str(body.get("msgid") or "") or None)
        if errcode == NOT_SUBSCRIBED:
            return SendResult("not_subscribed", errcode)
        if errcode in BUSY:
            raise UpstreamUnavailable("WeChat is busy", "微信服务繁忙，请稍后再试", code="WECHAT_BUSY",
                                      details={"errcode": errcode})
        logger.error("subscribe message refused", extra={"errcode": errcode, "errmsg": body.get("errmsg"),
                                                         "template_id": message.template_id})
        return SendResult("refused", errcode)
