"""After login the console follows ``next`` only to a path of its own: never another site, never a 500, at the
deployed base path (``/`` of the function URL) and under the local gateway's ``/admin``."""

from __future__ import annotations

import re
from urllib.parse import quote, urljoin, urlsplit

import pytest

from diancan.console.redirects import safe_next
from tests.conftest import FakeContext, handler_of
from tests.console.conftest import BASE, PASSWORDS

pytestmark = pytest.mark.handlers

HOSTILE = ["/\t/evil.example/", "/\n/evil.example/", "/\r\n/evil.example", "\t//evil.example", "//evil.example",
           "/\\evil.example", "/\\/evil.example", "\\\\evil.example", "https://evil.example/", "javascript:alert(1)",
           "/%2F/evil.example", "/%5Cevil.example", "/%09/evil.example", "/%252F%252Fevil.example", "%2F%2Fevil.example",
           "/\u3000/evil.example", "/\u2028/evil.example", "/a\nLocation: https://evil.example", "", "s/sh-jingan/"]


def _browser_target(location: str, base_url: str) -> str:
    """Where a browser goes: it strips tabs and line breaks, reads backslashes as slashes."""
    cleaned = re.sub(r"[\t\n\r]", "", location).replace("\\", "/")
    return urljoin(base_url, cleaned)


def _login(client, prefix: str, next_value: str):
    page = client.get(f"{prefix}/login", base_url=BASE).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return client.post(f"{prefix}/login?next={quote(next_value, safe='')}", base_url=BASE,
                       data={"login": "jingan", "password": PASSWORDS["jingan"], "csrf_token": token})


@pytest.mark.parametrize("base_path", ["", "/admin"])
def test_a_hostile_next_falls_back_to_the_console_home(make_app, base_path):
    client = make_app(base_path).test_client()
    went = {}
    for next_value in HOSTILE:
        answer = _login(client, base_path, next_value)
        target = urlsplit(_browser_target(answer.headers.get("Location", ""), BASE + base_path + "/login"))
        went[next_value] = (answer.status_code, answer.headers.get("Location"), target.netloc, target.path)
    assert went == {value: (302, f"{base_path}/", "console.test", f"{base_path}/") for value in HOSTILE}


@pytest.mark.parametrize("next_value", HOSTILE)
def test_safe_next_refuses_every_hostile_target(next_value):
    assert safe_next(next_value) is None


@pytest.mark.parametrize("next_value", ["/", "/s/sh-jingan/orders?", "/s/sh-jingan/orders?day=2026-12-01&q=%E5%AE%AB",
                                        "/s/sh-jingan/orders?q=宫保", "/chain?x=a:b"])
def test_safe_next_keeps_a_path_of_the_console(next_value):
    assert safe_next(next_value) == next_value


@pytest.mark.parametrize("base_path", ["", "/admin"])
def test_a_path_of_the_console_is_followed_with_its_query(make_app, base_path):
    client = make_app(base_path).test_client()
    answer = _login(client, base_path, "/s/sh-jingan/orders?day=2026-12-01&q=%E5%AE%AB%E4%BF%9D")
    assert answer.status_code == 302
    assert answer.headers["Location"] == f"{base_path}/s/sh-jingan/orders?day=2026-12-01&q=%E5%AE%AB%E4%BF%9D"


def test_a_page_asked_without_a_session_comes_back_after_login(make_app):
    client = make_app("/admin").test_client()
    sent = client.get("/admin/s/sh-jingan/orders?day=2026-12-01", base_url=BASE).headers["Location"]
    page = client.get(sent, base_url=BASE).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    answer = client.post(sent, data={"login": "jingan", "password": PASSWORDS["jingan"], "csrf_token": token},
                         base_url=BASE)
    assert answer.headers["Location"] == "/admin/s/sh-jingan/orders?day=2026-12-01"


def _event(method: str, query: str, body: str = "", cookies: list[str] | None = None) -> dict:
    event = {"version": "2.0", "routeKey": "$default", "rawPath": "/login", "rawQueryString": query,
             "headers": {"host": "abc.lambda-url.us-east-1.on.aws", "x-forwarded-proto": "https"},
             "requestContext": {"http": {"method": method, "path": "/login", "protocol": "HTTP/1.1",
                                         "sourceIp": "203.0.113.9", "userAgent": "pytest"},
                                "domainName": "abc.lambda-url.us-east-1.on.aws", "requestId": "r-1",
                                "stage": "$default"}, "isBase64Encoded": False}
    if body:
        event["headers"]["content-type"] = "application/x-www-form-urlencoded"
        event["body"] = body
    if cookies:
        event["cookies"] = cookies
    return event


@pytest.mark.parametrize("query", ["next=%2F%0A%2Fevil.example", "next=%2F%09%2Fevil.example", "next=%2F%5Cevil.example"])
def test_the_deployed_function_answers_a_hostile_next_with_a_redirect_home(console, query):
    """The admin function at the root of its function URL (the deployed base path): no 500, no other site."""
    handler = handler_of("admin")
    page = handler(_event("GET", query), FakeContext())
    token = re.search(r'name="csrf_token" value="([^"]+)"', page["body"]).group(1)
    body = f"login=xuhui&password={PASSWORDS['xuhui']}&csrf_token={token}"
    answer = handler(_event("POST", query, body, cookies=[page["cookies"][0].split(";")[0]]), FakeContext())
    assert answer["statusCode"] == 302 and answer["headers"]["Location"] == "/"
