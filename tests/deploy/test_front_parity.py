"""Each HTTP function answers an API Gateway HTTP API event (route ``ANY /<function>/{proxy+}``, behind a
custom domain with a base path) as it answers the function-URL event of the same request: the handlers do
not know which front door a stage uses (serverless.yml ``httpFront``, diancan.front_door)."""

from __future__ import annotations

import copy
import json
import re

import pytest

from local.functions import load_functions
from tests.conftest import FakeContext, handler_of, load_event
from tests.deploy.samples import reset_simulators, sample_names, sample_world

pytestmark = pytest.mark.handlers

HTTP_FUNCTIONS = sorted(name for name, spec in load_functions().items() if spec.has_url)
DOMAIN = "api.diancan.example.cn"
CSRF_VALUE = re.compile(r'(name="csrf_token" value=")[^"]*')


def as_http_api_event(event: dict, function: str, base_path: str) -> dict:
    """The function-URL event as the HTTP API would send it: the path with the base path and the route
    prefix, the route key and ``proxy`` path parameter, the API's own ids and domain."""
    relative = event["rawPath"]
    route = f"ANY /{function}" if relative == "/" else f"ANY /{function}/{{proxy+}}"
    path = f"{base_path}/{function}" + ("" if relative == "/" else relative)
    api = copy.deepcopy(event)
    api.update(routeKey=route, rawPath=path, headers={**event["headers"], "host": DOMAIN})
    if relative != "/":
        api["pathParameters"] = {"proxy": relative.lstrip("/")}
    context = api["requestContext"]
    context.update(routeKey=route, stage="$default", apiId="a1b2c3d4e5", accountId="123456789012",
                   domainName=DOMAIN, domainPrefix="api", http={**context["http"], "path": path})
    return api


def _body(answer: dict):
    try:
        return json.loads(answer.get("body") or "null")
    except ValueError:  # a console page: its form's CSRF token is drawn per answer
        return CSRF_VALUE.sub(r"\1", answer.get("body") or "")


def _shape(answer: dict):
    """What must match between two answers to the same write replayed: the status, the error code of a
    refusal, the fields of a JSON answer (ids and times may differ between two runs of a write)."""
    body = _body(answer)
    if isinstance(body, dict):
        return answer["statusCode"], body.get("code"), sorted(body)
    return answer["statusCode"], type(body).__name__


@pytest.mark.parametrize("base_path", ["", "/v1"])
@pytest.mark.parametrize("function", HTTP_FUNCTIONS)
def test_the_function_answers_an_http_api_event_as_its_function_url_event(function, base_path, demo_chain,
                                                                          monkeypatch, simulators):
    """Each sample runs as a function-URL event, then again (a replay, as Lambda may deliver), then as the
    HTTP API event of the same request: the HTTP API answer equals the replay's (reads: entirely)."""
    monkeypatch.setenv("DIANCAN_HTTP_BASE_PATH", base_path)
    samples = [s for s in sample_names(function) if load_event(s).get("routeKey", "$default") == "$default"]
    assert samples, f"no function-URL sample of {function}"
    handler = handler_of(function)
    with sample_world(function, demo_chain, monkeypatch, simulators) as world:
        for sample in samples:
            event = world.event(sample)
            handler(copy.deepcopy(event), FakeContext())
            reset_simulators(simulators)
            replay = handler(copy.deepcopy(event), FakeContext())
            reset_simulators(simulators)
            via_api = handler(as_http_api_event(event, function, base_path), FakeContext())
            assert via_api["statusCode"] != 404 or replay["statusCode"] == 404, f"{sample}: no route via the HTTP API"
            if event["requestContext"]["http"]["method"] == "GET":
                assert (via_api["statusCode"], _body(via_api)) == (replay["statusCode"], _body(replay)), sample
                assert via_api.get("headers", {}).get("Location") == replay.get("headers", {}).get("Location"), sample
            else:
                assert _shape(via_api) == _shape(replay), sample


@pytest.mark.parametrize("function", HTTP_FUNCTIONS)
def test_an_unknown_path_under_the_route_is_still_not_found(function, demo_chain):
    """The prefix is taken off once: ``/<function>/<function>/...`` is not the function's root."""
    event = as_http_api_event(load_event(sample_names(function)[0]), function, "")
    event["rawPath"] = event["requestContext"]["http"]["path"] = f"/{function}/no-such-path/x/y"
    assert handler_of(function)(event, FakeContext())["statusCode"] == 404
