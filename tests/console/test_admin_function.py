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


def _api_event(path: str, host: str = "api.diancan.example.cn") -> dict:
    """The HTTP API front's event for ``path`` on the public URL (route ``ANY /admin/{proxy+}``)."""
    event = _event(path)
    event.update(routeKey="ANY /admin/{proxy+}", headers={**event["headers"], "host": host})
    event["requestContext"].update(routeKey="ANY /admin/{proxy+}", domainName=host)
    return event


@pytest.mark.parametrize("mapping_key_in_path", ["/v1", ""])
@pytest.mark.parametrize("host", ["api.diancan.example.cn", "a1b2c3d4e5.execute-api.cn-north-1.amazonaws.com.cn"])
def test_behind_the_http_api_the_console_serves_under_its_public_prefix(make_app, host, mapping_key_in_path):
    """The HTTP API passes /admin/... through, with or without the custom domain's mapping key (v1) in
    front: the page is found and every link and redirect carries the public prefix /v1/admin; on the API's
    own host serverless-wsgi's stage habit ("/$default" as SCRIPT_NAME) does not leak into the links."""
    import serverless_wsgi

    app = make_app("/v1/admin")

    def _http_api_event(path: str, host: str) -> dict:
        return _api_event(path.replace("/v1", mapping_key_in_path, 1), host)

    page = serverless_wsgi.handle_request(app, _http_api_event("/v1/admin/login", host), FakeContext())
    assert page["statusCode"] == 200, page["body"][:300]
    assert 'href="/v1/admin/static/console.css"' in page["body"] and "$default" not in page["body"]
    answer = serverless_wsgi.handle_request(app, _http_api_event("/v1/admin/s/sh-jingan/", host), FakeContext())
    assert answer["statusCode"] == 302 and answer["headers"]["Location"].startswith("/v1/admin/login")
    missing = serverless_wsgi.handle_request(app, _http_api_event("/v1/admin/admin/login", host), FakeContext())
    assert missing["statusCode"] == 404


def test_the_console_services_are_built_on_the_first_request_not_at_import(demo_chain, monkeypatch):
    """Cold start: importing the admin function reads no secret; its first request builds the services once."""
    import importlib.util

    from diancan.console import wiring
    from tests.conftest import ROOT

    built, real = [], wiring.build
    monkeypatch.setattr(wiring, "build", lambda settings, **kw: built.append(settings) or real(settings, **kw))
    spec = importlib.util.spec_from_file_location("admin_fresh_import", ROOT / "functions" / "admin" / "handler.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.handler(_event("/login"), FakeContext())["statusCode"] == 200  # the login page needs none
    assert built == []
    for _ in range(2):  # a page behind the session check looks the session up
        assert module.handler(_event("/s/sh-jingan/orders"), FakeContext())["statusCode"] == 302
    assert len(built) == 1
