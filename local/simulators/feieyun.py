"""Feieyun (飞鹅云) cloud printer simulator: the Open API at ``/Api/Open/``, control routes, a paper-roll page.

It checks what the real service checks: a registered user, sig = sha1(user + UKEY + stime) in lowercase
hex, stime within ±5 minutes, the printer bound to that user, content at most 5000 bytes. Answers are
HTTP 200 with ``{"msg", "ret", "data", "serverExecutedTime"}``. Print ids look like the real ones
(``<sn>_<yyyyMMddHHmmss>_<digits>``) and flip to printed ``print_delay_seconds`` after the printer can
print them, one after the other. Open_printMsg, Open_queryOrderState, Open_queryPrinterStatus,
Open_printerAddlist and Open_printerDelList are implemented. A printer is added with its key: the factory
key of each known device (``devices``, sn → key), or any 8-character key for an sn of 9 digits not known.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask, jsonify, request

from local.simulators.feieyun_paper import rolls_page

CHINA = ZoneInfo("Asia/Shanghai")
MAX_CONTENT_BYTES = 5000
STATES = ("online", "offline", "no_paper", "slow", "failing")
PRINTING_STATES = ("online", "slow")
STATUS_TEXT = {"online": "在线，工作状态正常", "slow": "在线，工作状态正常", "offline": "离线",
               "no_paper": "在线，工作状态不正常"}
# ret/msg pairs. Verified in the official demos: -2 empty parameter and unregistered user, 1002 printer
# not bound to the user. [unverified] guesses in the same style: bad sig, stale stime, unknown apiname,
# unknown order id, content too long. "failing" is the simulator's own injected refusal.
EMPTY_PARAM = (-2, '参数错误 : 参数值不能传空字符，""、"null"、"undefined".')
USER_UNKNOWN = (-2, "参数错误 : 该帐号未注册.")
NOT_YOUR_PRINTER = (1002, "验证失败 : 打印机编号和用户不匹配.")
BAD_SIG = (1002, "验证失败 : 签名错误.")
STALE_STIME = (-2, "参数错误 : stime 已过期.")
UNKNOWN_API = (-2, "参数错误 : apiname 不存在.")
UNKNOWN_ORDER = (-2, "参数错误 : 订单编号不存在.")
TOO_LONG = (-2, "参数错误 : 打印内容不能超过5000字节.")
BAD_TIMES = (-2, "参数错误 : times 必须是正整数.")
SIMULATED_FAULT = (-1, "打印机故障 (simulated failing printer)")
# Reasons in the "no" list of Open_printerAddlist / Open_printerDelList [unverified wording]
ADD_BOUND = "被添加过"
ADD_BAD_KEY = "错误：识别码不正确"
ADD_BAD_LINE = "错误：格式不正确"
DEL_NOT_YOURS = "错误：打印机编号和用户不匹配"


class Refusal(Exception):
    """A ``ret`` != 0 answer."""

    def __init__(self, ret_msg: tuple[int, str]) -> None:
        self.ret, self.msg = ret_msg
        super().__init__(self.msg)


class TransientFailure(Exception):
    """An injected HTTP 503, as from an overloaded gateway."""


@dataclass
class PrintJob:
    order_id: str
    content: str
    copies: int
    accepted_at: float
    printed_at: float | None = None


@dataclass
class SimPrinter:
    sn: str
    user: str
    name: str = ""
    columns: int = 32
    state: str = "online"
    fail_next: int = 0
    printable_since: float = 0.0
    jobs: list[PrintJob] = field(default_factory=list)


class FeieyunSimulator:
    """State of the simulated Feieyun cloud: accounts, printers and their print queues. Thread-safe."""

    def __init__(self, users: dict[str, str], printers: Iterable[SimPrinter], *, print_delay_seconds: float = 2.0,
                 skew_seconds: int = 300, slow_seconds: float = 3.0, clock: Callable[[], float] = time.time,
                 devices: dict[str, str] | None = None) -> None:
        self._users = dict(users)
        self._devices = dict(devices or {})
        self._printer_config = [SimPrinter(p.sn, p.user, p.name, p.columns) for p in printers]
        self.print_delay_seconds = print_delay_seconds
        self.skew_seconds = skew_seconds
        self.slow_seconds = slow_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        """Back to the configured printers, all online, queues empty."""
        with self._lock:
            self._printers = {p.sn: SimPrinter(p.sn, p.user, p.name, p.columns) for p in self._printer_config}
            self._jobs: dict[str, tuple[SimPrinter, PrintJob]] = {}

    def response_delay(self, form: dict[str, str]) -> float:
        """Seconds to hold the answer: a "slow" printer makes every call about it slow."""
        with self._lock:
            printer = self._printers.get(self._sn_of(form))
            return self.slow_seconds if printer is not None and printer.state == "slow" else 0.0

    def call(self, form: dict[str, str]) -> tuple[int, dict]:
        """One Open API call: (HTTP status, JSON body)."""
        started = time.monotonic()
        with self._lock:
            try:
                body = {"msg": "ok", "ret": 0, "data": self._dispatch(form, self._clock())}
            except Refusal as refusal:
                body = {"msg": refusal.msg, "ret": refusal.ret, "data": None}
            except TransientFailure:
                return 503, {"error": "service unavailable (simulated)"}
        return 200, body | {"serverExecutedTime": round((time.monotonic() - started) * 1000)}

    def control(self, sn: str, state: str | None = None, fail_next: int | None = None) -> dict:
        """Set a printer's state and/or make its next ``fail_next`` calls answer HTTP 503."""
        if state is not None and state not in STATES:
            raise ValueError(f"state must be one of {STATES}")
        with self._lock:
            printer = self._printers[sn]
            now = self._clock()
            self._advance(printer, now)
            if state is not None:
                if state in PRINTING_STATES and printer.state not in PRINTING_STATES:
                    printer.printable_since = now
                printer.state = state
            if fail_next is not None:
                printer.fail_next = max(0, int(fail_next))
            return self._describe(printer)

    def state(self) -> dict:
        with self._lock:
            now = self._clock()
            for printer in self._printers.values():
                self._advance(printer, now)
            return {"users": sorted(self._users), "print_delay_seconds": self.print_delay_seconds,
                    "printers": [self._describe(p) for p in self._printers.values()]}

    def _dispatch(self, form: dict[str, str], now: float) -> object:
        user, stime, sig, apiname = (form.get(k, "") for k in ("user", "stime", "sig", "apiname"))
        if not (user and stime and sig and apiname):
            raise Refusal(EMPTY_PARAM)
        ukey = self._users.get(user)
        if ukey is None:
            raise Refusal(USER_UNKNOWN)
        expected = hashlib.sha1(f"{user}{ukey}{stime}".encode()).hexdigest()
        if not hmac.compare_digest(sig.encode(), expected.encode()):
            raise Refusal(BAD_SIG)
        if not stime.isdigit() or abs(now - int(stime)) > self.skew_seconds:
            raise Refusal(STALE_STIME)
        handlers = {"Open_printMsg": self._print, "Open_queryOrderState": self._query_order,
                    "Open_queryPrinterStatus": self._status, "Open_printerAddlist": self._add,
                    "Open_printerDelList": self._delete}
        if apiname not in handlers:
            raise Refusal(UNKNOWN_API)
        return handlers[apiname](user, form, now)

    def _print(self, user: str, form: dict[str, str], now: float) -> str:
        printer = self._usable_printer(user, form.get("sn", ""))
        content, times = form.get("content", ""), form.get("times", "1")
        if not content:
            raise Refusal(EMPTY_PARAM)
        if len(content.encode("utf-8")) > MAX_CONTENT_BYTES:
            raise Refusal(TOO_LONG)
        if not times.isdigit() or int(times) < 1:
            raise Refusal(BAD_TIMES)
        order_id = self._new_order_id(printer.sn, now)
        job = PrintJob(order_id, content, int(times), accepted_at=now)
        printer.jobs.append(job)
        self._jobs[order_id] = (printer, job)
        return order_id

    def _add(self, user: str, form: dict[str, str], now: float) -> dict:
        """``printerContent``: lines ``sn#key#remark#carnum`` (at most 100); each bound or refused."""
        lines = [line for line in form.get("printerContent", "").split("\n") if line.strip()]
        if not lines or len(lines) > 100:
            raise Refusal(EMPTY_PARAM)
        ok, no = [], []
        for line in lines:
            sn, key, remark, *_ = [*line.split("#"), "", "", ""][:4]
            known = self._devices.get(sn)
            if not sn.isdigit() or len(sn) != 9:
                no.append(f"{line} ({ADD_BAD_LINE})")
            elif sn in self._printers:
                no.append(f"{sn}#{key} ({ADD_BOUND})")
            elif (known is not None and not hmac.compare_digest(key.encode(), known.encode())) or len(key) != 8:
                no.append(f"{sn}#{key} ({ADD_BAD_KEY})")
            else:
                self._printers[sn] = SimPrinter(sn, user, remark, 32)
                ok.append(f"{sn}#{key}#{remark}")
        return {"ok": ok, "no": no}

    def _delete(self, user: str, form: dict[str, str], now: float) -> dict:
        """``snlist``: sns joined by ``-``; each unbound (its queue dropped) or refused."""
        sns = [sn for sn in form.get("snlist", "").split("-") if sn]
        if not sns:
            raise Refusal(EMPTY_PARAM)
        ok, no = [], []
        for sn in sns:
            printer = self._printers.get(sn)
            if printer is None or printer.user != user:
                no.append(f"{sn} ({DEL_NOT_YOURS})")
                continue
            del self._printers[sn]
            ok.append(sn)
        return {"ok": ok, "no": no}

    def _query_order(self, user: str, form: dict[str, str], now: float) -> bool:
        found = self._jobs.get(form.get("orderid", ""))
        if found is None:
            raise Refusal(UNKNOWN_ORDER if form.get("orderid") else EMPTY_PARAM)
        printer = self._usable_printer(user, found[0].sn)
        self._advance(printer, now)
        return found[1].printed_at is not None

    def _status(self, user: str, form: dict[str, str], now: float) -> str:
        printer = self._usable_printer(user, form.get("sn", ""))
        self._advance(printer, now)
        return STATUS_TEXT[printer.state]

    def _usable_printer(self, user: str, sn: str) -> SimPrinter:
        """The caller's printer, after any injected failure."""
        if not sn:
            raise Refusal(EMPTY_PARAM)
        printer = self._printers.get(sn)
        if printer is None or printer.user != user:
            raise Refusal(NOT_YOUR_PRINTER)
        if printer.fail_next:
            printer.fail_next -= 1
            raise TransientFailure
        if printer.state == "failing":
            raise Refusal(SIMULATED_FAULT)
        return printer

    def _advance(self, printer: SimPrinter, now: float) -> None:
        """Print queued jobs in order, each ``print_delay_seconds`` after the later of its arrival, the
        printer becoming able to print, and the previous job."""
        if printer.state not in PRINTING_STATES:
            return
        previous = printer.printable_since
        for job in printer.jobs:
            if job.printed_at is not None:
                previous = max(previous, job.printed_at)
                continue
            due = max(job.accepted_at, previous) + self.print_delay_seconds
            if due > now:
                return
            job.printed_at = previous = due

    def _new_order_id(self, sn: str, now: float) -> str:
        stamp = datetime.fromtimestamp(now, CHINA).strftime("%Y%m%d%H%M%S")
        while True:
            order_id = f"{sn}_{stamp}_{1_000_000_000 + secrets.randbelow(9_000_000_000)}"
            if order_id not in self._jobs:
                return order_id

    def _sn_of(self, form: dict[str, str]) -> str:
        return form.get("sn") or form.get("orderid", "").rsplit("_", 2)[0]

    @staticmethod
    def _describe(printer: SimPrinter) -> dict:
        return {"sn": printer.sn, "user": printer.user, "name": printer.name, "columns": printer.columns,
                "state": printer.state, "fail_next": printer.fail_next,
                "jobs": [asdict(job) | {"printed": job.printed_at is not None} for job in printer.jobs]}


def demo_simulator() -> FeieyunSimulator:
    """The local stack's Feieyun account: one user, a kitchen printer per demo station and a front desk."""
    return FeieyunSimulator(
        users={"demo@diancan.local": "DEMOUKEY0000000000000001"},
        printers=[SimPrinter("910000001", "demo@diancan.local", "热菜", 32),
                  SimPrinter("910000002", "demo@diancan.local", "凉菜", 32),
                  SimPrinter("910000003", "demo@diancan.local", "吧台", 32),
                  SimPrinter("910000009", "demo@diancan.local", "前台", 48)])


def create_app(sim: FeieyunSimulator) -> Flask:
    app = Flask(__name__)
    app.json.ensure_ascii = False  # Chinese status text as Feieyun sends it

    @app.post("/Api/Open/")
    def open_api():
        form = request.form.to_dict()
        delay = sim.response_delay(form)
        if delay:
            time.sleep(delay)
        status, body = sim.call(form)
        return jsonify(body), status

    @app.post("/_control/printers/<sn>")
    def control_printer(sn: str):
        body = request.get_json(silent=True) or {}
        try:
            return jsonify(sim.control(sn, body.get("state"), body.get("fail_next")))
        except KeyError:
            return jsonify({"error": f"unknown printer {sn}"}), 404
        except (TypeError, ValueError) as error:
            return jsonify({"error": str(error)}), 400

    @app.get("/_control/state")
    def control_state():
        return jsonify(sim.state())

    @app.post("/_control/reset")
    def control_reset():
        sim.reset()
        return jsonify({"reset": True})

    @app.get("/rolls")
    def rolls():
        return rolls_page(sim.state()["printers"]), 200, {"Content-Type": "text/html; charset=utf-8"}

    return app
