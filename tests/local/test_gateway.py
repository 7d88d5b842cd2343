"""The gateway serves a function as a Lambda function URL would, over real HTTP on loopback."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
import requests
from flask import Flask

from local.functions import FunctionSpec
from local.gateway import Gateway
from local.lambda_runtime import LambdaRuntime
from local.serve import serving

pytestmark = pytest.mark.handlers

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
ECHO = FunctionSpec("echo", FIXTURES / "echo_function" / "handler.py", "handler", has_url=True, timeout=7)


@pytest.fixture(scope="module")
def gateway():
    missing = FunctionSpec("missing", FIXTURES / "no_such_function" / "handler.py", "handler", has_url=True)
    queue_only = FunctionSpec("queue_only", ECHO.handler_file, "handler", sqs_sources=(("StockQueue", 10),))
    runtime = LambdaRuntime({s.name: s for s in (ECHO, missing, queue_only)}, stack_name="diancan-test")
    simulator = Flask("sim")
    simulator.add_url_rule("/where", "where", lambda: {"script_name": _script_name()})
    app = Gateway(runtime, simulators={"toy": simulator}, dev_links=[("toy page", "/sim/toy/where")])
    with serving(app) as server:
        yield app, server.base_url


def _script_name() -> str:
    from flask import request

    return request.script_root


def _echoed(response: requests.Response) -> dict:
    assert response.status_code == 200, response.text
    return response.json()


def test_health_answers_503_until_the_stack_is_ready_then_200(gateway):
    app, base = gateway
    app.ready = False
    assert requests.get(f"{base}/health", timeout=5).status_code == 503
    app.mark_ready()
    assert requests.get(f"{base}/health", timeout=5).json() == {"status": "ok"}


def test_a_request_becomes_a_payload_2_event_with_the_path_after_the_function_prefix(gateway):
    _, base = gateway
    seen = _echoed(
        requests.post(
            f"{base}/echo/orders/42?status=paid&tag=a&tag=b&empty=",
            json={"dish": "宫保鸡丁"},
            headers={"X-Trace": "one", "Cookie": "session=abc; theme=dark", "User-Agent": "mini-program"},
            timeout=5,
        )
    )
    event = seen["event"]
    assert event["version"] == "2.0" and event["routeKey"] == "$default"
    assert event["rawPath"] == "/orders/42"
    assert event["rawQueryString"] == "status=paid&tag=a&tag=b&empty="
    assert event["queryStringParameters"] == {"status": "paid", "tag": "a,b", "empty": ""}
    assert event["cookies"] == ["session=abc", "theme=dark"]
    assert event["headers"]["x-trace"] == "one" and "cookie" not in event["headers"]
    assert all(name == name.lower() for name in event["headers"])
    assert json.loads(event["body"]) == {"dish": "宫保鸡丁"} and event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert context["accountId"] == "anonymous" and context["stage"] == "$default"
    assert context["domainName"] == f"{context['apiId']}.lambda-url.us-east-1.on.aws"
    assert context["domainPrefix"] == context["apiId"]
    assert context["http"] == {
        "method": "POST",
        "path": "/orders/42",
        "protocol": "HTTP/1.1",
        "sourceIp": "127.0.0.1",
        "userAgent": "mini-program",
    }
    assert context["requestId"] and context["time"].endswith("+0000") and context["timeEpoch"] > 0


def test_the_function_root_is_slash_and_absent_parts_are_left_out(gateway):
    _, base = gateway
    event = _echoed(requests.get(f"{base}/echo", timeout=5))["event"]
    assert event["rawPath"] == "/" and event["rawQueryString"] == ""
    assert not {"cookies", "queryStringParameters", "body"} & event.keys()


def test_repeated_headers_are_joined_with_commas(gateway):
    _, base = gateway
    # requests cannot repeat a header name; a list-valued header is sent as separate lines by http.client
    import http.client
    from urllib.parse import urlparse

    target = urlparse(base)
    connection = http.client.HTTPConnection(target.hostname, target.port, timeout=5)
    connection.putrequest("GET", "/echo/")
    connection.putheader("X-Multi", "one")
    connection.putheader("X-Multi", "two")
    connection.endheaders()
    event = json.loads(connection.getresponse().read())["event"]
    assert event["headers"]["x-multi"] == "one,two"


def test_a_binary_body_is_base64_encoded(gateway):
    _, base = gateway
    payload = b"\x00\xffbinary"
    event = _echoed(
        requests.put(
            f"{base}/echo/upload",
            data=payload,
            headers={"Content-Type": "application/octet-stream"},
            timeout=5,
        )
    )["event"]
    assert event["isBase64Encoded"] is True and base64.b64decode(event["body"]) == payload


def test_the_context_names_the_function_and_counts_down_from_its_timeout(gateway):
    _, base = gateway
    seen = _echoed(requests.get(f"{base}/echo/", timeout=5))
    assert seen["context"]["function_name"] == "diancan-test-echo"
    assert (
        seen["context"]["invoked_function_arn"]
        == "arn:aws:lambda:us-east-1:123456789012:function:diancan-test-echo"
    )
    assert seen["context"]["log_group_name"] == "/aws/lambda/diancan-test-echo"
    assert (
        seen["context"]["function_version"] == "$LATEST" and seen["context"]["memory_limit_in_mb"] == "1024"
    )
    assert 0 < seen["remaining_ms"] <= 7000


def test_an_answer_without_status_code_is_200_json_of_it(gateway):
    _, base = gateway
    response = requests.get(f"{base}/echo/plain", timeout=5)
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/json"
    assert response.json() == {"hello": "world"}


def test_a_base64_answer_is_decoded_with_its_status_and_headers(gateway):
    _, base = gateway
    response = requests.get(f"{base}/echo/binary", timeout=5)
    assert response.status_code == 201 and response.headers["Content-Type"] == "image/png"
    assert response.content == b"\x89PNG\x00\xff"


def test_answer_cookies_become_set_cookie_headers(gateway):
    _, base = gateway
    response = requests.get(f"{base}/echo/cookies", timeout=5)
    assert response.raw.headers.getlist("Set-Cookie") == ["a=1; Path=/", "b=2; HttpOnly"]
    assert response.headers["x-echo"] == "yes" and response.text == "ok"


def test_a_function_that_raises_answers_502(gateway):
    _, base = gateway
    response = requests.get(f"{base}/echo/raise", timeout=5)
    assert response.status_code == 502
    assert response.json()["code"] == "FUNCTION_ERROR" and response.json()["errorMessage"] == "boom"


def test_an_unknown_function_or_one_without_url_is_404(gateway):
    _, base = gateway
    for path in ("/nobody/", "/queue_only/"):
        response = requests.get(f"{base}{path}", timeout=5)
        assert response.status_code == 404 and response.json()["code"] == "NOT_FOUND"


def test_a_function_whose_handler_does_not_import_answers_503_with_the_reason(gateway):
    _, base = gateway
    response = requests.get(f"{base}/missing/", timeout=5)
    assert response.status_code == 503
    assert (
        response.json()["code"] == "FUNCTION_UNAVAILABLE" and "does not exist" in response.json()["message"]
    )


def test_a_body_over_6_mb_is_refused_with_413(gateway):
    _, base = gateway
    response = requests.post(f"{base}/echo/", data=b"x" * (6 * 1024 * 1024 + 1), timeout=10)
    assert response.status_code == 413


def test_simulators_are_mounted_under_sim_with_their_own_routes(gateway):
    _, base = gateway
    assert requests.get(f"{base}/sim/toy/where", timeout=5).json() == {"script_name": "/sim/toy"}


def test_the_developer_page_links_functions_and_simulator_pages(gateway):
    _, base = gateway
    page = requests.get(f"{base}/dev/", timeout=5).text
    assert "href='/echo/'" in page and "href='/sim/toy/where'" in page and "queue_only" in page


def test_function_url_invocations_take_turns_and_queue_consumers_do_not(gateway):
    """Powertools' resolvers share the request being handled (a class attribute), so two function-URL
    invocations at once in one process would read each other's; Lambda never runs two in one environment."""
    from concurrent.futures import ThreadPoolExecutor

    app, base = gateway
    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(lambda _: requests.get(f"{base}/echo/overlap", timeout=10).json(), range(6)))
        consumer = list(pool.map(lambda _: app.runtime.invoke("queue_only", {"rawPath": "/overlap"}), range(6)))
    assert max(a["most_at_once"] for a in answers) == 1
    assert max(a["most_at_once"] for a in consumer) > 1
