"""The live pages (dashboard, pickup board, station screen) name their push topic and the WebSocket API with the
viewer's session, so console.js refreshes on pushed changes; without a configured API they only poll."""

from __future__ import annotations

import html
import re

import pytest

from tests.console.conftest import BASE, login

pytestmark = pytest.mark.handlers
PUSH = "wss://ws.diancan.example.com/dev"


def push_meta(page: str) -> tuple[str, str] | None:
    found = re.search(r'<meta name="push-url" content="([^"]+)" data-topic="([^"]+)">', page)
    return (html.unescape(found[1]), found[2]) if found else None


@pytest.mark.parametrize(("path", "topic"), [
    ("/s/sh-jingan/", "dashboard:sh-jingan"),
    ("/s/sh-jingan/pickup", "board:sh-jingan"),
    ("/s/sh-jingan/kitchen/wok", "kitchen:sh-jingan:wok"),
])
def test_a_live_page_names_its_topic_and_the_socket_with_the_session(make_app, path, topic):
    from local.demo_stations import load

    load()
    client = make_app(push_url=PUSH).test_client()
    login(client, "jingan")
    page = client.get(path, base_url=BASE)
    assert page.status_code == 200
    url, named = push_meta(page.get_data(as_text=True))
    session = client.get_cookie("dc_session", domain="console.test").value
    assert named == topic
    assert url.startswith(f"{PUSH}?session=") and url.endswith(session.replace("=", "%3D"))


def test_without_a_websocket_api_or_on_other_pages_there_is_nothing_to_connect_to(make_app):
    client = make_app().test_client()
    login(client, "jingan")
    assert push_meta(client.get("/s/sh-jingan/", base_url=BASE).get_data(as_text=True)) is None
    pushed = make_app(push_url=PUSH).test_client()
    login(pushed, "jingan")
    assert push_meta(pushed.get("/s/sh-jingan/orders", base_url=BASE).get_data(as_text=True)) is None
