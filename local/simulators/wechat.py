"""WeChat API simulator: mini-program login (``GET /sns/jscode2session``), the server access token
(``GET /cgi-bin/token``) and unlimited mini-program codes (``POST /wxa/getwxacodeunlimit``).

Answers as api.weixin.qq.com does: HTTP 200 and JSON always, failures as ``errcode``/``errmsg``.
A ``js_code`` of ``test-<name>`` (optionally ``test-<name>.<anything>``) stands for what ``wx.login``
would give user ``<name>``: it always maps to the same openid for that name and appid. Like a real code,
each code works once (a second use → 40163), so a test that logs the same user in twice uses a suffix
(``test-alice.1``, ``test-alice.2``). Any other code → 40029.

Access tokens, as WeChat's documentation describes them (getAccessToken, getStableAccessToken):
``GET /cgi-bin/token`` (``client_credential``, right appid and secret) issues a new token valid 7200 s each
call and the previous one stops working ``token_grace_seconds`` later (300 s, as real WeChat; tests set it and
the clock, so nothing sleeps). ``POST /cgi-bin/stable_token`` (JSON ``{grant_type, appid, secret,
force_refresh}``; a body that is not JSON → 47001) is a separate credential that ``/cgi-bin/token`` never
touches: in normal mode every call returns the current token and what is left of its life, and only in its
last 5 minutes (or once it ended) issues the next one, the old staying valid until it ends;
``force_refresh: true`` revokes the current token at once and issues a new one, except within 30 s of the
previous force (the current token comes back unchanged), and at most 20 times a Shanghai day (then 45009).
Wrong appid → 40013, wrong secret → 40125, missing → 41002 / 41004. Codes: the token
must be valid (else 40001 / 42001 once expired), ``scene`` at most 32 characters of WeChat's allowed set
(else 40129), ``page`` without a leading ``/`` and, when ``check_path`` is true (the default), one of the
published ``pages`` (else 41030); ``width`` is clamped to 280..1280. The answer is a real PNG whose QR
code holds the scene (a stand-in for WeChat's round code), made with ``segno``.

Phone numbers (``POST /wxa/business/getuserphonenumber?access_token=`` with ``{"code"}``): the token must be
valid as above; a code ``phone-<name>`` stands for what the getPhoneNumber button gives after user ``<name>``
allowed it, maps to the same mainland number every time (``phone_for``) and works once; any other or
reused code → 40029.

Subscribe messages (``POST /cgi-bin/message/subscribe/send?access_token=`` with ``{touser, template_id, page,
miniprogram_state, lang, data}``): the token must be valid as above; ``template_id`` must be one of the
mini-program's templates (``templates``: id → its keys, as picked in the WeChat admin; else 40037); ``touser``
non-empty (else 40003); ``page``'s path one of the published ``pages`` (else 41030); ``data`` must give every
key of the template as ``{"value": ...}`` and each value must fit its key's type (thing ≤ 20 characters,
character_string ≤ 32 of digits/letters/symbols, number digits, phrase ≤ 5 Chinese characters, time/date
``yyyy-mm-dd hh:mm``, no control characters; else 47003 naming the key). Every guest has subscribed unless
``POST /_control/refuse`` ``{"touser": openid}`` says they did not (or used the one-time subscription up):
then 43101. Accepted messages get a ``msgid`` and are listed by ``GET /messages?touser=`` (dev).

Control routes (JSON, dev only): ``POST /_control/reset``, ``GET /_control/state`` (calls seen, without
secrets), ``POST /_control/fail`` ``{"errcode": -1, "times": 1}`` to make the next calls fail (login,
token, code, phone and message calls alike; ``{"http_status": 502}`` answers that HTTP status instead),
``POST /_control/expire_tokens`` to expire every access token, ``POST /_control/revoke_token`` ``{}`` to
block the current stable token (APIs answer 40001, normal mode still hands it out until a force) or
``{"every": true|false}`` to make every API call answer 40001; ``state`` counts the token calls
(``token_calls``: how many ``/cgi-bin/token``, ``stable_token_calls`` and ``forced_refreshes``).
"""

from __future__ import annotations

import base64
import hashlib
import io
import re
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, Response, jsonify, request

OPENID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
ERRMSG = {
    -1: "system error",
    40002: "invalid grant_type",
    40013: "invalid appid",
    40029: "invalid code",
    40125: "invalid appsecret",
    40163: "code been used",
    41002: "appid missing",
    41004: "appsecret missing",
    41008: "missing code",
    45011: "api minute-quota reach limit mustslower retry next minute",
    40001: "invalid credential, access_token is invalid or not latest",
    40014: "invalid access_token",
    40164: "invalid ip, not in whitelist",
    45009: "reach max api daily quota limit",
    47001: "data format error",
    42001: "access_token expired",
    40129: "invalid scene",
    41030: "invalid page",
    40003: "invalid openid",
    40037: "invalid template_id",
    43101: "user refuse to accept the msg",
    47003: "argument invalid!",
}
TOKEN_SECONDS = 7200
STABLE_RENEW_SECONDS = 300  # the stable token's next one is handed out in the last 5 minutes
FORCE_SPACING_SECONDS = 30
FORCE_PER_DAY = 20
SCENE_CHARS = re.compile(r"^[0-9A-Za-z!#$&'()*+,/:;=?@\-._~]{1,32}$")
DEFAULT_PAGES = frozenset({"pages/index/index", "pages/table/index"})
MESSAGE_STATES = frozenset({"formal", "trial", "developer"})
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_VALUE_RULES: dict[str, re.Pattern[str]] = {  # subscribe-message value types (the key's prefix) and their rules
    "thing": re.compile(r"^.{1,20}$"),
    "character_string": re.compile(r"^[0-9A-Za-z!-/:-@\[-`{-~]{1,32}$"),
    "number": re.compile(r"^\d{1,32}(\.\d+)?$"),
    "letter": re.compile(r"^[A-Za-z]{1,32}$"),
    "phrase": re.compile(r"^[\u4e00-\u9fff]{1,5}$"),
    "amount": re.compile(r"^[¥￥$]?\d{1,10}(\.\d{1,2})?元?$"),
    "name": re.compile(r"^([\u4e00-\u9fff]{1,10}|[A-Za-z .·-]{1,20})$"),
    "time": re.compile(r"^(\d{4}-\d{2}-\d{2} )?\d{2}:\d{2}(:\d{2})?$"),
    "date": re.compile(r"^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}(:\d{2})?)?$"),
}


def message_value_error(key: str, value: Any) -> bool:
    """True when WeChat would refuse ``value`` for template key ``key`` (47003)."""
    kind = re.sub(r"\d+$", "", key)
    rule = _VALUE_RULES.get(kind)
    return not isinstance(value, str) or rule is None or bool(_CONTROL.search(value)) or not rule.match(value)


def openid_for(name: str, appid: str) -> str:
    """The openid of test user ``name`` under ``appid``: "o" + 27 characters, stable across runs."""
    digest = hashlib.sha256(f"openid|{appid}|{name}".encode()).digest()
    return "o" + "".join(OPENID_ALPHABET[byte % len(OPENID_ALPHABET)] for byte in digest[:27])


def phone_for(name: str) -> str:
    """The mainland mobile number of test user ``name``: 139 and eight digits, stable across runs."""
    digest = int.from_bytes(hashlib.sha256(f"phone|{name}".encode()).digest()[:8], "big")
    return f"139{digest % 10**8:08d}"


def user_name_of(code: str) -> str | None:
    """``test-alice`` / ``test-alice.2`` → ``alice``; anything else → None."""
    if not code.startswith("test-"):
        return None
    name = code.removeprefix("test-").split(".", 1)[0]
    return name or None


@dataclass
class WeChatSimulator:
    """The state behind the simulator: the one mini-program it knows, codes used, calls seen."""

    appid: str
    secret: str
    _used_codes: set[str] = field(default_factory=set)
    _calls: list[dict[str, Any]] = field(default_factory=list)
    _failures: list[int] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    pages: frozenset[str] = DEFAULT_PAGES
    clock: Callable[[], float] = time.time
    _tokens: dict[str, float] = field(default_factory=dict)
    _codes: list[dict[str, Any]] = field(default_factory=list)
    templates: dict[str, frozenset[str]] = field(default_factory=dict)  # subscribe template id -> its keys
    _messages: list[dict[str, Any]] = field(default_factory=list)
    _refusing: set[str] = field(default_factory=set)  # openids without a (remaining) subscription
    _http_failures: list[int] = field(default_factory=list)
    token_grace_seconds: float = 300.0  # how long a /cgi-bin/token token works after the next one is issued
    _classic: str | None = None  # the latest /cgi-bin/token token
    _stable: str | None = None  # the current stable token
    _forces: list[float] = field(default_factory=list)  # instants of forced stable refreshes
    _token_calls: dict[str, int] = field(default_factory=dict)
    _superseded: dict[str, float] = field(default_factory=dict)  # classic token -> when it stops working
    _revoked: set[str] = field(default_factory=set)  # refused by the APIs, still handed out until a force
    _reject_all: bool = False

    def code2session(self, params: dict[str, str]) -> dict[str, Any]:
        with self._lock:
            answer = self._answer(params)
            self._calls.append(
                {
                    "appid": params.get("appid"),
                    "js_code": params.get("js_code"),
                    "errcode": answer.get("errcode", 0),
                }
            )
            return answer

    def _answer(self, params: dict[str, str]) -> dict[str, Any]:
        appid, secret, code = params.get("appid", ""), params.get("secret", ""), params.get("js_code", "")
        if self._failures:
            return _error(self._failures.pop(0))
        for missing, errcode in ((appid, 41002), (secret, 41004), (code, 41008)):
            if not missing:
                return _error(errcode)
        if params.get("grant_type") != "authorization_code":
            return _error(40002)
        if appid != self.appid:
            return _error(40013)
        if secret != self.secret:
            return _error(40125)
        name = user_name_of(code)
        if name is None:
            return _error(40029)
        if code in self._used_codes:
            return _error(40163)
        self._used_codes.add(code)
        session_key = hashlib.sha256(f"session|{appid}|{code}".encode()).digest()[:16]
        return {"openid": openid_for(name, appid), "session_key": base64.b64encode(session_key).decode()}

    def access_token(self, params: dict[str, str]) -> dict[str, Any]:
        """``GET /cgi-bin/token``: a new token; the previous one works ``token_grace_seconds`` more."""
        with self._lock:
            self._count("token_calls")
            if refused := self._refuse_credentials(params):
                return refused
            now = self.clock()
            if self._classic in self._tokens:
                self._superseded[self._classic] = now + self.token_grace_seconds
            self._classic = self._issue(now)
            return {"access_token": self._classic, "expires_in": TOKEN_SECONDS}

    def stable_token(self, body: Any) -> dict[str, Any]:
        """``POST /cgi-bin/stable_token``: the current stable token, renewed only near its end or by a force."""
        with self._lock:
            self._count("stable_token_calls")
            if not isinstance(body, dict):
                return _error(47001)
            if refused := self._refuse_credentials(body):
                return refused
            now = self.clock()
            expires = self._tokens.get(self._stable or "", 0.0)
            if body.get("force_refresh") is True:
                if self._forces and now - self._forces[-1] < FORCE_SPACING_SECONDS and expires > now:
                    return {"access_token": self._stable, "expires_in": int(expires - now)}
                today = _shanghai_day(now)
                if sum(1 for at in self._forces if _shanghai_day(at) == today) >= FORCE_PER_DAY:
                    return _error(45009)
                self._forces.append(now)
                self._count("forced_refreshes")
                self._tokens.pop(self._stable or "", None)  # a force revokes the current token at once
                self._revoked.discard(self._stable or "")
            elif expires - now > STABLE_RENEW_SECONDS:
                return {"access_token": self._stable, "expires_in": int(expires - now)}
            self._stable = self._issue(now)
            return {"access_token": self._stable, "expires_in": TOKEN_SECONDS}

    def _refuse_credentials(self, params: dict[str, Any]) -> dict[str, Any] | None:
        """An injected failure or the credential errors both token APIs give. Call with the lock held."""
        if self._failures:
            return _error(self._failures.pop(0))
        for missing, errcode in ((params.get("appid"), 41002), (params.get("secret"), 41004)):
            if not missing:
                return _error(errcode)
        if params.get("grant_type") != "client_credential":
            return _error(40002)
        if params.get("appid") != self.appid:
            return _error(40013)
        if params.get("secret") != self.secret:
            return _error(40125)
        return None

    def _issue(self, now: float) -> str:
        token = secrets.token_urlsafe(48)
        self._tokens[token] = now + TOKEN_SECONDS
        return token

    def _count(self, name: str) -> None:
        self._token_calls[name] = self._token_calls.get(name, 0) + 1

    def _refuse_token(self, token: str) -> dict[str, Any] | None:
        """An injected failure, or the error WeChat gives an unknown (40001) or expired (42001) access token;
        None when the token is good. Call with the lock held."""
        if self._failures:
            return _error(self._failures.pop(0))
        expires = self._tokens.get(token)
        superseded = self._superseded.get(token)
        if expires is None or self._reject_all or token in self._revoked or \
                (superseded is not None and superseded <= self.clock()):
            return _error(40001)  # "invalid credential, access_token is invalid or not latest"
        if expires <= self.clock():
            return _error(42001)
        return None

    def unlimited_code(self, token: str, body: dict[str, Any]) -> bytes | dict[str, Any]:
        """The PNG of a code for ``body["scene"]``, or the JSON error WeChat would answer."""
        with self._lock:
            if refused := self._refuse_token(token):
                return refused
            scene, page = str(body.get("scene", "")), str(body.get("page", ""))
            if not SCENE_CHARS.match(scene):
                return _error(40129)
            if page.startswith("/") or (body.get("check_path", True) and page and page not in self.pages):
                return _error(41030)
            width = min(max(int(body.get("width") or 430), 280), 1280)
            self._codes.append({"scene": scene, "page": page or "(home)", "width": width})
        return _qr_png(scene, width)

    def phone_number(self, token: str, body: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            if refused := self._refuse_token(token):
                return refused
            code = str(body.get("code", ""))
            name = code.removeprefix("phone-") if code.startswith("phone-") else ""
            if not name or code in self._used_codes:
                return _error(40029)
            self._used_codes.add(code)
            phone = phone_for(name)
            return {"errcode": 0, "errmsg": "ok", "phone_info": {
                "phoneNumber": phone, "purePhoneNumber": phone, "countryCode": "86",
                "watermark": {"timestamp": int(self.clock()), "appid": self.appid}}}

    def send_message(self, token: str, body: dict[str, Any]) -> dict[str, Any]:
        """subscribeMessage.send: the message is kept (``messages``) or the JSON error WeChat would answer."""
        with self._lock:
            if refused := self._refuse_token(token):
                return refused
            touser, template_id = str(body.get("touser") or ""), str(body.get("template_id") or "")
            if not touser:
                return _error(40003)
            if template_id not in self.templates:
                return _error(40037)
            page = str(body.get("page") or "")
            if page and page.split("?", 1)[0] not in self.pages:
                return _error(41030)
            if body.get("miniprogram_state", "formal") not in MESSAGE_STATES:
                return _error(47003, "miniprogram_state")
            data = body.get("data") if isinstance(body.get("data"), dict) else {}
            for key in sorted(self.templates[template_id] | set(data)):
                entry = data.get(key)
                if key not in self.templates[template_id] or not isinstance(entry, dict) \
                        or message_value_error(key, entry.get("value")):
                    return _error(47003, f"data.{key}.value invalid")
            if touser in self._refusing:
                return _error(43101)
            msgid = int(self.clock() * 1000) * 100 + len(self._messages)
            self._messages.append({"msgid": msgid, "touser": touser, "template_id": template_id, "page": page,
                                   "miniprogram_state": body.get("miniprogram_state", "formal"),
                                   "lang": body.get("lang", "zh_CN"),
                                   "data": {key: entry["value"] for key, entry in data.items()}})
            return {"errcode": 0, "errmsg": "ok", "msgid": msgid}

    def refuse_messages(self, touser: str) -> None:
        """The guest did not subscribe (or used the one-time subscription up): their messages get 43101."""
        with self._lock:
            self._refusing.add(touser)

    def messages(self, touser: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(m) for m in self._messages if touser is None or m["touser"] == touser]

    def fail_http(self, status: int, times: int = 1) -> None:
        with self._lock:
            self._http_failures.extend([status] * times)

    def next_http_failure(self) -> int | None:
        with self._lock:
            return self._http_failures.pop(0) if self._http_failures else None

    def revoke_stable_token(self) -> None:
        """WeChat blocks the current stable token (leaked): the APIs answer 40001 for it, yet stable_token in
        normal mode still hands it out; only a forced refresh replaces it."""
        with self._lock:
            if self._stable:
                self._revoked.add(self._stable)

    def reject_every_token(self, reject: bool = True) -> None:
        """Every API call answers 40001 whatever the token (a retry must not loop)."""
        with self._lock:
            self._reject_all = reject

    def expire_tokens(self) -> None:
        with self._lock:
            self._tokens = dict.fromkeys(self._tokens, 0.0)

    def fail_next(self, errcode: int, times: int = 1) -> None:
        with self._lock:
            self._failures.extend([errcode] * times)

    def reset(self) -> None:
        with self._lock:
            self._used_codes.clear()
            self._calls.clear()
            self._failures.clear()
            self._tokens.clear()
            self._codes.clear()
            self._messages.clear()
            self._refusing.clear()
            self._http_failures.clear()
            self._classic = self._stable = None
            self._forces.clear()
            self._token_calls.clear()
            self._revoked.clear()
            self._superseded.clear()
            self._reject_all = False

    def state(self) -> dict[str, Any]:
        with self._lock:
            return {
                "calls": list(self._calls),
                "used_codes": len(self._used_codes),
                "pending_failures": len(self._failures),
                "tokens_issued": len(self._tokens),
                "token_calls": self._token_calls.get("token_calls", 0),
                "stable_token_calls": self._token_calls.get("stable_token_calls", 0),
                "forced_refreshes": self._token_calls.get("forced_refreshes", 0),
                "codes": list(self._codes),
                "messages": len(self._messages),
            }


def _qr_png(scene: str, width: int) -> bytes:
    import segno  # dev-only dependency (requirements-dev.txt): only the simulator draws codes

    code = segno.make(scene, error="m", micro=False)
    buffer = io.BytesIO()
    modules = code.symbol_size(scale=1, border=2)[0]
    code.save(buffer, kind="png", scale=max(width // modules, 1), border=2)
    return buffer.getvalue()


def _shanghai_day(at: float) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(at + 8 * 3600))


def _error(errcode: int, hint: str = "") -> dict[str, Any]:
    message = f"{ERRMSG.get(errcode, 'error')}{' ' + hint if hint else ''}"
    return {"errcode": errcode, "errmsg": f"{message}, rid: {uuid.uuid4().hex[:24]}"}


def create_app(sim: WeChatSimulator) -> Flask:
    app = Flask(__name__)

    @app.before_request
    def injected_http_failure():
        if not request.path.startswith("/_control/") and (status := sim.next_http_failure()):
            return Response("<html>bad gateway</html>", status=status, mimetype="text/html")
        return None

    @app.get("/sns/jscode2session")
    def jscode2session():
        return jsonify(sim.code2session(request.args.to_dict()))

    @app.get("/cgi-bin/token")
    def token():
        return jsonify(sim.access_token(request.args.to_dict()))

    @app.post("/cgi-bin/stable_token")
    def stable_token():
        return jsonify(sim.stable_token(request.get_json(force=True, silent=True)))

    @app.post("/wxa/getwxacodeunlimit")
    def unlimited_code():
        answer = sim.unlimited_code(request.args.get("access_token", ""), request.get_json(force=True, silent=True) or {})
        if isinstance(answer, dict):
            return jsonify(answer)
        return Response(answer, mimetype="image/png")

    @app.post("/wxa/business/getuserphonenumber")
    def phone_number():
        return jsonify(sim.phone_number(request.args.get("access_token", ""),
                                        request.get_json(force=True, silent=True) or {}))

    @app.post("/cgi-bin/message/subscribe/send")
    def subscribe_send():
        return jsonify(sim.send_message(request.args.get("access_token", ""),
                                        request.get_json(force=True, silent=True) or {}))

    @app.get("/messages")
    def messages():
        return jsonify({"messages": sim.messages(request.args.get("touser") or None)})

    @app.post("/_control/refuse")
    def refuse():
        sim.refuse_messages(str((request.get_json(silent=True) or {}).get("touser", "")))
        return jsonify({"ok": True})

    @app.post("/_control/revoke_token")
    def revoke_token():
        body = request.get_json(silent=True) or {}
        if "every" in body:
            sim.reject_every_token(bool(body["every"]))
        else:
            sim.revoke_stable_token()
        return jsonify({"ok": True})

    @app.post("/_control/expire_tokens")
    def expire_tokens():
        sim.expire_tokens()
        return jsonify({"ok": True})

    @app.post("/_control/reset")
    def reset():
        sim.reset()
        return jsonify({"ok": True})

    @app.get("/_control/state")
    def state():
        return jsonify(sim.state())

    @app.post("/_control/fail")
    def fail():
        body = request.get_json(silent=True) or {}
        if body.get("http_status"):
            sim.fail_http(int(body["http_status"]), int(body.get("times", 1)))
        else:
            sim.fail_next(int(body.get("errcode", -1)), int(body.get("times", 1)))
        return jsonify({"ok": True})

    return app
