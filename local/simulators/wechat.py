"""WeChat mini-program login (``code2Session``) simulator: ``GET /sns/jscode2session``.

Answers as api.weixin.qq.com does: HTTP 200 and JSON always, failures as ``errcode``/``errmsg``.
A ``js_code`` of ``test-<name>`` (optionally ``test-<name>.<anything>``) stands for what ``wx.login``
would give user ``<name>``: it always maps to the same openid for that name and appid. Like a real code,
each code works once (a second use → 40163), so a test that logs the same user in twice uses a suffix
(``test-alice.1``, ``test-alice.2``). Any other code → 40029.

Control routes (JSON, dev only): ``POST /_control/reset``, ``GET /_control/state`` (calls seen, without
secrets), ``POST /_control/fail`` ``{"errcode": -1, "times": 1}`` to make the next calls fail.
"""

from __future__ import annotations

import base64
import hashlib
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, jsonify, request

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
}


def openid_for(name: str, appid: str) -> str:
    """The openid of test user ``name`` under ``appid``: "o" + 27 characters, stable across runs."""
    digest = hashlib.sha256(f"openid|{appid}|{name}".encode()).digest()
    return "o" + "".join(OPENID_ALPHABET[byte % len(OPENID_ALPHABET)] for byte in digest[:27])


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

    def fail_next(self, errcode: int, times: int = 1) -> None:
        with self._lock:
            self._failures.extend([errcode] * times)

    def reset(self) -> None:
        with self._lock:
            self._used_codes.clear()
            self._calls.clear()
            self._failures.clear()

    def state(self) -> dict[str, Any]:
        with self._lock:
            return {
                "calls": list(self._calls),
                "used_codes": len(self._used_codes),
                "pending_failures": len(self._failures),
            }


def _error(errcode: int) -> dict[str, Any]:
    return {"errcode": errcode, "errmsg": f"{ERRMSG.get(errcode, 'error')}, rid: {uuid.uuid4().hex[:24]}"}


def create_app(sim: WeChatSimulator) -> Flask:
    app = Flask(__name__)

    @app.get("/sns/jscode2session")
    def jscode2session():
        return jsonify(sim.code2session(request.args.to_dict()))

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
