"""The local front door: every function that has a URL at ``/<function>/...`` (as a Lambda function URL would
serve it), the simulators at ``/sim/<name>``, ``/health`` and a developer page at ``/dev/``."""

from __future__ import annotations

import html
import logging
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.wrappers import Request, Response

from local.function_url import MAX_PAYLOAD_BYTES, HttpAnswer, build_event, json_answer, to_http, url_id
from local.lambda_runtime import FunctionUnavailable, LambdaRuntime

logger = logging.getLogger(__name__)

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class QueueDepth(Protocol):
    queue: str
    visible: int
    in_flight: int
    dlq: str | None
    dlq_visible: int


class QueueView(Protocol):
    def queue_depths(self) -> list[QueueDepth]: ...


class ScheduleView(Protocol):
    def scheduled_functions(self) -> dict[str, list[str]]: ...

    def run_now(self, function_name: str) -> list[Any]: ...


class Gateway:
    """A WSGI app; ``ready`` is False (``/health`` answers 503) until the stack calls ``mark_ready``."""

    def __init__(
        self,
        runtime: LambdaRuntime,
        *,
        simulators: dict[str, WsgiApp] | None = None,
        dev_links: list[tuple[str, str]] | None = None,
        queues: QueueView | None = None,
        schedules: ScheduleView | None = None,
    ) -> None:
        self.runtime = runtime
        self.dev_links = list(dev_links or [])
        self.queues = queues
        self.schedules = schedules
        self.ready = False
        mounts = {f"/sim/{name}": app for name, app in (simulators or {}).items()}
        self._app = DispatcherMiddleware(self._serve, mounts)

    def mark_ready(self) -> None:
        self.ready = True

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        return self._app(environ, start_response)

    def _serve(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        answer = self._route(request)
        return Response(answer.body, status=answer.status, headers=answer.headers)(environ, start_response)

    def _route(self, request: Request) -> HttpAnswer:
        path = request.path
        if path == "/health":
            return (
                json_answer(200, {"status": "ok"}) if self.ready else json_answer(503, {"status": "starting"})
            )
        if path in ("/dev", "/dev/"):
            return HttpAnswer(200, [("Content-Type", "text/html; charset=utf-8")], self._dev_page().encode())
        if path.startswith("/dev/schedule/") and request.method == "POST":
            return self._run_schedule(path.removeprefix("/dev/schedule/"))
        if path.startswith("/dev/table-codes/"):
            return self._table_codes(path.removeprefix("/dev/table-codes/"))
        name, _, rest = path.lstrip("/").partition("/")
        spec = self.runtime.specs.get(name)
        if spec is None or not spec.has_url:
            return json_answer(404, {"code": "NOT_FOUND", "message": f"no function URL at /{name}"})
        return self._invoke_url(request, name, "/" + rest)

    def _invoke_url(self, request: Request, name: str, raw_path: str) -> HttpAnswer:
        body = request.stream.read(MAX_PAYLOAD_BYTES + 1)
        if len(body) > MAX_PAYLOAD_BYTES or (request.content_length or 0) > MAX_PAYLOAD_BYTES:
            message = (
                f"Request must be smaller than {MAX_PAYLOAD_BYTES} bytes for the InvokeFunction operation"
            )
            return json_answer(413, {"Message": message})
        api_id = url_id(name, self.runtime.stack_name)
        event = build_event(request, raw_path, api_id=api_id, region=self.runtime.region, body=body)
        try:
            return to_http(self.runtime.invoke(name, event))
        except FunctionUnavailable as error:
            return json_answer(503, {"code": "FUNCTION_UNAVAILABLE", "message": error.detail})
        except Exception as error:
            logger.exception("function raised", extra={"function": name})
            return _function_error(error)

    def _table_codes(self, store_id: str) -> HttpAnswer:
        """What each table's printed QR code carries (its signed ``scene``), so a developer or the demo can
        "scan" a table; the console prints the same codes as a sheet."""
        from diancan import bootstrap

        codes = bootstrap.table_codes()
        tables = [t["table_no"] for t in bootstrap.seating_table().tables(store_id) if t.get("active", True)]
        return json_answer(200, {"store_id": store_id,
                                 "scenes": {table_no: codes.scene_for(store_id, table_no) for table_no in tables}})

    def _run_schedule(self, function_name: str) -> HttpAnswer:
        if self.schedules is None or function_name not in self.schedules.scheduled_functions():
            return json_answer(404, {"code": "NOT_FOUND", "message": f"no schedule for {function_name}"})
        try:
            results = self.schedules.run_now(function_name)
        except Exception as error:
            logger.exception("scheduled function raised", extra={"function": function_name})
            return _function_error(error)
        return json_answer(200, {"function": function_name, "results": results})

    def _dev_page(self) -> str:
        e = html.escape
        functions = "".join(
            f"<li><a href='/{e(name)}/'>/{e(name)}/</a></li>" if spec.has_url else f"<li>{e(name)}</li>"
            for name, spec in sorted(self.runtime.specs.items())
        )
        links = "".join(f"<li><a href='{e(path)}'>{e(title)}</a></li>" for title, path in self.dev_links)
        queues = "".join(
            f"<tr><td>{e(d.queue)}</td><td>{d.visible}</td><td>{d.in_flight}</td>"
            f"<td>{e(d.dlq or '')}</td><td>{d.dlq_visible}</td></tr>"
            for d in (self.queues.queue_depths() if self.queues else [])
        )
        schedules = "".join(
            f"<li><form method='post' action='/dev/schedule/{e(name)}'>{e(name)} {e(', '.join(expressions))} "
            f"<button>run now</button></form></li>"
            for name, expressions in sorted(
                (self.schedules.scheduled_functions() if self.schedules else {}).items()
            )
        )
        return (
            "<!doctype html><meta charset='utf-8'><title>diancan local</title>"
            "<h1>diancan local stack</h1><p><a href='/health'>/health</a></p>"
            f"<h2>Functions</h2><ul>{functions}</ul><h2>Simulators</h2><ul>{links}</ul>"
            "<h2>Queues</h2><table border='1'><tr><th>queue</th><th>waiting</th><th>in flight</th>"
            f"<th>dead-letter queue</th><th>dead letters</th></tr>{queues}</table>"
            f"<h2>Schedules</h2><ul>{schedules}</ul>"
        )


def _function_error(error: Exception) -> HttpAnswer:
    """A 502 naming the error as Lambda would: the handler's exception type (raised in a worker: its name)."""
    error_type = getattr(error, "error_type", type(error).__name__)
    return json_answer(502, {"code": "FUNCTION_ERROR", "errorType": error_type, "errorMessage": str(error)})
