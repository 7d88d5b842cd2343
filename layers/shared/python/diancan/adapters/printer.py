"""Cloud receipt printers: the port the print dispatcher uses, and its Feieyun (飞鹅云) Open API adapter.

The port keeps vendors swappable per store: another vendor (e.g. Yilianyun) is one more file with a
class that implements ``diancan.services.ports.Printer`` and raises the same two errors. One call per method, no retries:
the retry and fallback policy belongs to the dispatcher, which knows the ticket and its history.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable
from typing import Any, Literal

import requests

from diancan.domain.exceptions import PrinterError, PrinterUnavailable
from diancan.domain.ticket_render import FEIEYUN_MAX_CONTENT_BYTES

logger = logging.getLogger(__name__)

PrinterStatus = Literal["online", "offline", "no_paper", "unknown"]


class FeieyunPrinter:
    """Feieyun Open API: form POST to ``/Api/Open/`` signed with sig = sha1(user + ukey + stime)."""

    def __init__(self, user: str, ukey: str, api_base: str = "https://api.feieyun.cn", timeout: float | tuple[float, float] = (1.5, 3.0), *,
                 session: requests.Session | None = None, clock: Callable[[], float] = time.time) -> None:
        self._user = user
        self._ukey = ukey  # the account UKEY from the console, not a printer key; never logged
        self._url = api_base.rstrip("/") + "/Api/Open/"
        self._timeout = timeout
        self._session = session or requests.Session()
        self._clock = clock

    def print_ticket(self, printer_sn: str, content: str, copies: int = 1) -> str:
        size = len(content.encode("utf-8"))
        if size > FEIEYUN_MAX_CONTENT_BYTES or copies < 1:
            raise ValueError(f"content of {size} bytes or {copies} copies refused before sending; "
                             "split long content with diancan.domain.ticket_render.split_for_limit")
        print_id = self._call("Open_printMsg", printer_sn, sn=printer_sn, content=content, times=str(copies))
        if not isinstance(print_id, str) or not print_id:
            raise PrinterError(0, f"Open_printMsg answered ok without a print id: {print_id!r}")
        return print_id

    def query_print(self, print_id: str) -> bool | None:
        printed = self._call("Open_queryOrderState", None, orderid=print_id)
        return printed if isinstance(printed, bool) else None

    def printer_status(self, printer_sn: str) -> PrinterStatus:
        return status_from_text(self._call("Open_queryPrinterStatus", printer_sn, sn=printer_sn))

    def add_printer(self, printer_sn: str, printer_key: str, name: str = "") -> None:
        """Bind a printer to the account (``Open_printerAddlist``, one ``sn#key#remark`` line). Feieyun
        answers ok with the refused lines in ``data.no`` (wrong key, bound elsewhere): a PrinterError."""
        remark = name.replace("#", " ").replace("\n", " ")
        self._listed("Open_printerAddlist", printer_sn, printerContent=f"{printer_sn}#{printer_key}#{remark}")

    def delete_printer(self, printer_sn: str) -> None:
        """Unbind a printer from the account (``Open_printerDelList``)."""
        self._listed("Open_printerDelList", printer_sn, snlist=printer_sn)

    def _listed(self, apiname: str, printer_sn: str, **params: str) -> None:
        answer = self._call(apiname, printer_sn, **params)
        refused = answer.get("no") if isinstance(answer, dict) else None
        if refused:
            raise PrinterError(0, str(refused[0]))
        if not isinstance(answer, dict) or printer_sn not in " ".join(map(str, answer.get("ok") or [])):
            raise PrinterUnavailable("printer service answered without the printer", "打印服务应答异常",
                                     details={"apiname": apiname})

    def _call(self, apiname: str, printer_sn: str | None, **params: str) -> Any:
        stime = str(int(self._clock()))
        form = {"user": self._user, "stime": stime, "sig": self._sign(stime), "apiname": apiname, **params}
        log = {"apiname": apiname, "printer_sn": printer_sn}
        started = time.monotonic()
        try:
            answer = self._session.post(self._url, data=form, timeout=self._timeout)
            answer.raise_for_status()
            body = json.loads(answer.content)  # the bytes (UTF-8), whatever Content-Type says
        except (requests.RequestException, ValueError) as error:
            logger.warning("feieyun unavailable", extra={**log, "error": type(error).__name__})
            raise PrinterUnavailable("printer service unavailable", "打印服务暂不可用",
                                     details={"apiname": apiname}) from error
        log["elapsed_ms"] = round((time.monotonic() - started) * 1000)
        if not isinstance(body, dict) or not isinstance(body.get("ret"), int):
            logger.warning("feieyun answer without ret", extra=log)
            raise PrinterUnavailable("printer service answered without ret", "打印服务应答异常")
        if body["ret"] != 0:
            logger.warning("feieyun refused", extra={**log, "feieyun_ret": body["ret"], "feieyun_msg": body.get("msg")})
            raise PrinterError(body["ret"], str(body.get("msg", "")))
        logger.info("feieyun ok", extra=log)
        return body.get("data")

    def _sign(self, stime: str) -> str:
        return hashlib.sha1(f"{self._user}{self._ukey}{stime}".encode()).hexdigest()


def status_from_text(text: object) -> PrinterStatus:
    """Feieyun answers in words: "离线" (no contact for 2 min), "在线，工作状态正常", "在线，工作状态不正常" (a
    fault, nearly always out of paper; Feieyun does not say which). Some answers end in "。"."""
    if not isinstance(text, str):
        return "unknown"
    if "离线" in text:
        return "offline"
    if "不正常" in text:
        return "no_paper"
    return "online" if "正常" in text else "unknown"
