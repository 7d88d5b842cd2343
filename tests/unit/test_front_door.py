"""diancan.front_door: an HTTP API event becomes the function URL event of the same request."""

from __future__ import annotations

import pytest

from diancan.front_door import as_function_url_event, route_prefix


def _event(path: str, route: str = "ANY /menu/{proxy+}") -> dict:
    return {"version": "2.0", "routeKey": route, "rawPath": path, "rawQueryString": "lat=1",
            "requestContext": {"routeKey": route, "stage": "$default", "http": {"method": "GET", "path": path}}}


@pytest.mark.parametrize(("path", "base", "relative"), [
    ("/menu/stores", "", "/stores"),
    ("/menu", "", "/"),
    ("/v1/menu/stores/sh-jingan/menu", "/v1", "/stores/sh-jingan/menu"),   # the mapping key kept in the path
    ("/menu/stores", "/v1", "/stores"),                                    # ... or taken off by API Gateway
    ("/v1/menu/stores", "", "/stores"),                                    # a mapping key nobody told us of
    ("/api/v2/menu", "/api/v2", "/"),
])
def test_the_route_prefix_and_base_path_come_off_the_path(path, base, relative):
    event = as_function_url_event(_event(path), base)
    assert event["rawPath"] == relative
    assert event["requestContext"]["http"]["path"] == relative
    assert event["rawQueryString"] == "lat=1" and event["requestContext"]["routeKey"] == "ANY /menu/{proxy+}"


def test_only_the_first_prefix_goes():
    assert as_function_url_event(_event("/menu/menu/x"), "")["rawPath"] == "/menu/x"


def test_a_function_url_event_is_left_as_it_is():
    event = _event("/menu/stores", route="$default")
    assert route_prefix(event) == ""
    assert as_function_url_event(event, "/v1") is event


def test_the_base_path_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("DIANCAN_HTTP_BASE_PATH", "/v1")
    assert route_prefix(_event("/x", route="ANY /place_order")) == "/place_order"
    assert as_function_url_event(_event("/v1/place_order", route="ANY /place_order"))["rawPath"] == "/"
