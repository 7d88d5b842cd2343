"""WeChat API simulator: mini-program login (``GET /sns/jscode2session``), the server access token
(``GET /cgi-bin/token``) and unlimited mini-program codes (``POST /wxa/getwxacodeunlimit``).

Answers as api.weixin.qq.com does: HTTP 200 and JSON always, failures as ``errcode``/``errmsg``.
A ``js_code`` of ``test-<name>`` (optionally ``test-<name>.<anything>``) stands for what ``wx.login``
would give user ``<name>``: it always maps to the same openid for that name and appid. Like a real code,
each code works once (a second use → 40163), so a test that logs the same user in twice uses a suffix
(``test-alice.1``, ``test-alice.2``). Any other code → 40029.

Access tokens: ``client_credential`` with the right appid and secret gives a new token valid 7200 s; a
new token leaves the previous one valid (real WeChat keeps the old one for 5 minutes). Codes: the token
must be valid (else 40001 / 42001 once expired), ``scene`` at most 32 characters of WeChat's allowed set
(else 40129), ``page`` without a leading ``/`` and, when ``check_path`` is true (the default), one of the
published ``pages`` (else 41030); ``width`` is clamped to 280..1280. The answer is a real PNG whose QR
code holds the scene (a stand-in for WeChat's round code), made with ``segno``.

Phone numbers (``POST /wxa/business/getuserphonenumber?access_token=`` with ``{"code"}``): the token must be
valid as above; a code ``phone-<name>`` stands for what the getPhoneNumber button gives after user ``<name>``
allowed it, maps to the same mainland number every time (``phone_for``) and works once; any other or
reused code → 40029.

Control routes (JSON, dev only): ``POST /_control/reset``, ``GET /_control/state`` (calls seen, without
secrets), ``POST /_control/fail`` ``{"errcode": -1, "times": 1}`` to make the next calls fail (login,
token and code calls alike), ``POST /_control/expire_tokens`` to expire every access token.
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
    42001: "access_token expired",
    40129: "invalid scene",
    41030: "invalid page",
}
TOKEN_SECONDS = 7200
SCENE_CHARS = re.compile(r"^[0-9A-Za-z!#$&'()*+,/:;=?@\-._~]{1,32}$")
DEFAULT_PAGES = frozenset({"pages/index/index", "pages/table/index"})


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
        with self._lock:
            if self._failures:
                return _error(self._failures.pop(0))
            if params.get("grant_type") != "client_credential":
                return _error(40002)
            if params.get("appid") != self.appid:
                return _error(40013)
            if params.get("secret") != self.secret:
                return _error(40125)
            token = secrets.token_urlsafe(48)
            self._tokens[token] = self.clock() + TOKEN_SECONDS
            return {"access_token": token, "expires_in": TOKEN_SECONDS}

    def _refuse_token(self, token: str) -> dict[str, Any] | None:
        """An injected failure, or the error WeChat gives an unknown (40001) or expired (42001) access token;
        None when the token is good. Call with the lock held."""
        if self._failures:
            return _error(self._failures.pop(0))
        expires = self._tokens.get(token)
        if expires is None:
            return _error(40001)
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

    def state(self) -> dict[str, Any]:
        with self._lock:
            return {
                "calls": list(self._calls),
                "used_codes": len(self._used_codes),
                "pending_failures": len(self._failures),
                "tokens_issued": len(self._tokens),
                "codes": list(self._codes),
            }


def _qr_png(scene: str, width: int) -> bytes:
    import segno  # dev-only dependency (requirements-dev.txt): only the simulator draws codes

    code = segno.make(scene, error="m", micro=False)
    buffer = io.BytesIO()
    modules = code.symbol_size(scale=1, border=2)[0]
    code.save(buffer, kind="png", scale=max(width // modules, 1), border=2)
    return buffer.getvalue()


def _error(errcode: int) -> dict[str, Any]:
    return {"errcode": errcode, "errmsg": f"{ERRMSG.get(errcode, 'error')}, rid: {uuid.uuid4().hex[:24]}"}


def create_app(sim: WeChatSimulator) -> Flask:
    app = Flask(__name__)

    @app.get("/sns/jscode2session")
    def jscode2session():
        return jsonify(sim.code2session(request.args.to_dict()))

    @app.get("/cgi-bin/token")
    def token():
        return jsonify(sim.access_token(request.args.to_dict()))

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
        sim.fail_next(int(body.get("errcode", -1)), int(body.get("times", 1)))
        return jsonify({"ok": True})

    return app
