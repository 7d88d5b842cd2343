"""The live pages (dashboard, pickup board, station screen) name their push topic, the WebSocket API and where
to ask for a short-lived push ticket (never the session token: it stays in its httponly cookie), so console.js
refreshes on pushed changes; without a configured API they only poll."""

from __future__ import annotations

import html
import re

import pytest

from tests.console.conftest import BASE, login

pytestmark = pytest.mark.handlers
PUSH = "wss://ws.diancan.example.com/dev"


def push_meta(page: str) -> tuple[str, str, str] | None:
    found = re.search(r'<meta name="push-url" content="([^"]+)" data-topic="([^"]+)" data-ticket="([^"]+)">', page)
    return (html.unescape(found[1]), found[2], html.unescape(found[3])) if found else None


@pytest.mark.parametrize(("path", "topic"), [
    ("/s/sh-jingan/", "dashboard:sh-jingan"),
    ("/s/sh-jingan/pickup", "board:sh-jingan"),
    ("/s/sh-jingan/kitchen/wok", "kitchen:sh-jingan:wok"),
])
def test_a_live_page_names_its_topic_and_the_socket_but_never_the_session_token(make_app, path, topic):
    from local.demo_stations import load

    load()
    client = make_app(push_url=PUSH).test_client()
    login(client, "jingan")
    page = client.get(path, base_url=BASE)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    url, named, ticket_route = push_meta(text)
    session = client.get_cookie("dc_session", domain="console.test").value
    assert (url, named, ticket_route) == (PUSH, topic, "/api/push-ticket")
    assert session not in text and session.replace("=", "%3D") not in text and "?session=" not in text


def test_a_signed_in_page_gets_a_ticket_naming_its_staff_role_and_stores(make_app, console):
    client = make_app(push_url=PUSH).test_client()
    csrf = login(client, "cashier")
    answer = client.post("/api/push-ticket", headers={"X-CSRF-Token": csrf}, base_url=BASE)
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["expires_in"] == 60
    assert console.push_tickets().verify(body["ticket"]) == ("cashier-jingan", "cashier", ("sh-jingan",))
    session = client.get_cookie("dc_session", domain="console.test").value
    assert session not in body["ticket"]


def test_a_ticket_needs_a_session_and_the_csrf_token(make_app):
    client = make_app(push_url=PUSH).test_client()
    assert client.post("/api/push-ticket", headers={"X-Requested-With": "fetch"}, base_url=BASE).status_code == 401
    login(client, "cashier")
    assert client.post("/api/push-ticket", headers={"X-Requested-With": "fetch"}, base_url=BASE).status_code == 403


def test_without_a_websocket_api_or_on_other_pages_there_is_nothing_to_connect_to(make_app):
    client = make_app().test_client()
    login(client, "jingan")
    assert push_meta(client.get("/s/sh-jingan/", base_url=BASE).get_data(as_text=True)) is None
    pushed = make_app(push_url=PUSH).test_client()
    login(pushed, "jingan")
    assert push_meta(pushed.get("/s/sh-jingan/orders", base_url=BASE).get_data(as_text=True)) is None
