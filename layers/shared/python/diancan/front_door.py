"""One request, whichever front door it came through: a Lambda function URL or an API Gateway HTTP API.

Both send payload format 2.0. A function URL's ``rawPath`` is the path under the function (``/stores``); an
HTTP API's route ``ANY /menu/{proxy+}`` passes the whole path (``/menu/stores``), and behind a custom
domain whose API mapping has a key (the stage param ``httpBasePath``) the key may lead it too
(``/api/menu/stores``). ``as_function_url_event`` turns the second into the first, so the handlers and the
console route one shape (serverless.yml ``http_front`` chooses the door per stage; docs/operations.md).
"""

from __future__ import annotations

import os

BASE_PATH_ENV = "DIANCAN_HTTP_BASE_PATH"  # the custom domain's API mapping key as a path ("/api"), "" for none
PROXY_SUFFIX = "/{proxy+}"


def route_prefix(event: dict) -> str:
    """``/menu`` for an HTTP API route ``ANY /menu/{proxy+}`` (or ``ANY /menu``); "" for a function URL
    (its route key is ``$default``) or any event without a route."""
    route_key = str(event.get("routeKey") or (event.get("requestContext") or {}).get("routeKey") or "")
    _method, _, path = route_key.partition(" ")
    if not path.startswith("/"):
        return ""
    return path.removesuffix(PROXY_SUFFIX).rstrip("/")


def _strip(path: str, prefix: str) -> str:
    if prefix and (path == prefix or path.startswith(prefix + "/")):
        return path[len(prefix):] or "/"
    return path


def _under_route(path: str, base: str, prefix: str) -> str:
    """The path under the route prefix: the known base path off first, then the prefix; a base path the
    function was not told of (a mapping key added by hand) goes with everything before the prefix."""
    path = _strip(path, base)
    if path == prefix or path.startswith(prefix + "/"):
        return _strip(path, prefix)
    at = path.find(prefix + "/")
    if at < 0 and path.endswith(prefix):
        at = len(path) - len(prefix)
    return _strip(path[at:], prefix) if at > 0 else path


def as_function_url_event(event: dict, base_path: str | None = None) -> dict:
    """The event as the function's own URL would have sent it: the base path and the route prefix taken off
    ``rawPath`` and ``requestContext.http.path``. A function URL's event (and any other) comes back as is."""
    prefix = route_prefix(event)
    if not prefix:
        return event
    base = (os.environ.get(BASE_PATH_ENV, "") if base_path is None else base_path).rstrip("/")
    if base and not base.startswith("/"):
        base = "/" + base

    def relative(path: str) -> str:
        return _under_route(path, base, prefix)

    context = dict(event.get("requestContext") or {})
    if isinstance(context.get("http"), dict) and "path" in context["http"]:
        context["http"] = {**context["http"], "path": relative(context["http"]["path"])}
    return {**event, "rawPath": relative(str(event.get("rawPath") or "/")), "requestContext": context}
