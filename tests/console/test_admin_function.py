"""The admin function answers function-URL events through serverless-wsgi, at / and under a prefix."""

from __future__ import annotations

import pytest

from tests.conftest import FakeContext, handler_of

pytestmark = pytest.mark.handlers


def _event(path: str, cookies: list[str] | None = None) -> dict:
    event = {"version": "2.0", "routeKey": "$default", "rawPath": path, "rawQueryString": "",
             "headers": {"host": "abc.lambda-url.us-east-1.on.aws", "x-forwarded-proto": "https"},
             "requestContext": {"http": {"method": "GET", "path": path, "protocol": "HTTP/1.1",
                                         "sourceIp": "127.0.0.1", "userAgent": "pytest"},
                                "domainName": "abc.lambda-url.us-east-1.on.aws", "requestId": "r-1",
                                "stage": "$default"}, "isBase64Encoded": False}
    if cookies:
        event["cookies"] = cookies
    return event


def test_the_login_page_is_served_with_a_login_csrf_cookie(demo_chain):
    answer = handler_of("admin")(_event("/login"), FakeContext())
    assert answer["statusCode"] == 200 and "点餐管理后台" in answer["body"]
    assert any(c.startswith("dc_login_csrf=") and "HttpOnly" in c and "Secure" in c for c in answer["cookies"])


def test_a_page_without_a_session_redirects_to_login(demo_chain):
    answer = handler_of("admin")(_event("/s/sh-jingan/orders"), FakeContext())
    assert answer["statusCode"] == 302 and "/login?next=" in answer["headers"]["Location"]


def test_under_a_base_path_every_generated_url_carries_it(make_app):
    client = make_app("/admin").test_client()
    page = client.get("/login", base_url="https://console.test").get_data(as_text=True)
    assert 'href="/admin/static/console.css"' in page
    proxied = client.get("/admin/login", base_url="https://console.test")
    assert proxied.status_code == 200
    answer = client.get("/s/sh-jingan/", base_url="https://console.test")
    assert answer.headers["Location"].startswith("/admin/login")


def test_a_login_sets_the_session_and_clears_the_login_token_as_two_cookies(demo_chain, make_app):
    import re

    from tests.console.conftest import PASSWORDS

    handler = handler_of("admin")
    page = handler(_event("/login"), FakeContext())
    token = re.search(r'name="csrf_token" value="([^"]+)"', page["body"]).group(1)
    event = _event("/login", cookies=[page["cookies"][0].split(";")[0]])
    event["requestContext"]["http"]["method"] = "POST"
    event["headers"]["content-type"] = "application/x-www-form-urlencoded"
    event["body"] = f"login=xuhui&password={PASSWORDS['xuhui']}&csrf_token={token}"
    answer = handler(event, FakeContext())
    assert answer["statusCode"] == 302
    assert sorted(c.split("=")[0] for c in answer["cookies"]) == ["dc_login_csrf", "dc_session"]
    assert not any(name.lower() == "set-cookie" for name in answer["headers"])
