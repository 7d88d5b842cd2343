"""Everything but JSON bodies, fuzzed on the running local stack: headers, cookies, query strings, path
parameters and form fields of every guest route, every callback and every console route.

Routes are read where they are defined (the resolvers of every function with a URL, as the rights matrix
reads them, and the console's Flask url map), so a new route is fuzzed without a new line here. Each route
gets a fixed number of requests drawn from a seeded generator (the same requests on every run) out of a corpus
of what Python's parsers trip on: non-ASCII and non-decimal digits ('²', '١٢', '１２'), 5,000-digit numbers,
UTF-8 bytes in headers and cookies, bad percent-escapes, content types that are not JSON, forged tokens,
session cookies, CSRF tokens and WeChat Pay signature headers. Each request is sent as a guest, a
signed-in guest, a console manager or the chain's owner (with a valid CSRF token), or with forged credentials.

Every answer must be below 500; every 4xx of the JSON API (guest functions, callbacks, the console asked
for JSON) must be the error format; and a refused request must write nothing (no successful DynamoDB,
EventBridge or SQS write made by a gateway request thread, as tests/e2e/test_fuzz_openapi.py counts them).
"""

from __future__ import annotations

import json
import random
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pytest
import requests

from tests.conftest import load_event
from tests.e2e.test_fuzz_openapi import WriteRecorder, login
from tests.proof.test_rights_matrix import ROWS, resolver_routes

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
SEED = 20261204
GUEST_REQUESTS_PER_ROUTE = 16
CONSOLE_REQUESTS_PER_ROUTE = 5
ERROR_KEYS = {"code", "message", "message_en", "details"}
STORE = "sh-jingan"
CONSOLE_STAFF = {"jingan": "jingan-demo-2026", "boss": "boss-demo-2026"}  # local/demo_staff.py (public)
# Text that Python's own parsers and comparisons trip on, and the usual injection shapes.
NASTY = ["", "0", "-1", "²", "١٢", "１２", "٣٤٥", "9" * 5000, "1e309", "NaN", "-0.0", "null", "true", "é", "中文",
         "🍜", "\u202e", "%", "%E9", "%ZZ", "../../etc/passwd", "' OR '1'='1", "<script>x</script>", '{"$ne":1}',
         "a" * 2000, "2026-02-30", "9999-99-99", "T1", "s-0000", " 12 ", "[" * 3000 + "]" * 3000,
         '[{"n": ' + "7" * 5000 + "}]", '"\\ud800"']
HEADER_NASTY = ["", "0", "²", "١٢", "9" * 5000, "é", "中文", "🍜", "Bearer", "Bearer é.é", "Basic Zm9vOmJhcg==",
                "x" * 4000, "a.b.c", "%00"]
CONTENT_TYPES = ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data",
                 "multipart/form-data; boundary=zz", "application/xml", "application/json; charset=é", "*/*",
                 "application/json", None]
QUERY_NAMES = ["limit", "cursor", "since", "scene", "lat", "lng", "q", "token", "day", "month", "next", "status",
               "mode", "number", "pickup_no", "phone_tail", "table_no", "expired", "format", "period", "date", "store"]
KNOWN = {"store_id": [STORE, "sh-xuhui"], "dish_id": ["d-gongbao", "d-cola"], "template_id": ["tpl-new-guest"],
         "line_id": ["1"], "category_id": ["hot"], "ingredient_id": ["pork", "rice"], "move": ["accept", "ready"]}
SKIP_WITH_SESSION = {"auth.logout"}  # would end the session the other requests use
WRITES_ON_REFUSAL = {"auth.login", "auth.api_session"}  # a refused console login records the attempt (throttling)
HTML_ONLY = {"auth.login"}  # the login form answers with the form again, whatever the client asked for


@dataclass
class Probe:
    """One request and what it was, for the assertion messages."""

    method: str
    url: str
    headers: dict = field(default_factory=dict)
    data: bytes | str | None = None
    json_api: bool = True
    who: str = ""

    def describe(self) -> str:
        body = self.data if isinstance(self.data, str) else (self.data or b"")[:200]
        shown = {k: (v[:60] if isinstance(v, (str, bytes)) else v) for k, v in self.headers.items()}
        return f"{self.method} {self.url[:300]} as {self.who} headers={shown} body={body!r:.200}"


# ---- the routes ------------------------------------------------------------------------------------------

def guest_routes() -> list[tuple[str, str, str]]:
    """(function, method, path) of every route of every function URL but the console (callbacks included)."""
    return sorted(resolver_routes())


def console_routes() -> list[tuple[str, str, str]]:
    """(endpoint, method, rule) of every console route."""
    from diancan.console.app import create_app
    from diancan.console.config import ConsoleSettings
    from diancan.console.wiring import build

    settings = ConsoleSettings()
    app = create_app(lambda: build(settings), settings)  # the routes only: the services are never built
    return sorted((rule.endpoint, method, rule.rule) for rule in app.url_map.iter_rules()
                  for method in sorted(rule.methods & {"GET", "POST"}) if rule.endpoint != "static")


def console_fields() -> list[str]:
    """Every form field name the console's views read (``data.get("x")``, ``fen_field(data, "x")`` ...)."""
    names: set[str] = set()
    for source in (ROOT / "layers/shared/python/diancan/console/blueprints").glob("*.py"):
        text = source.read_text(encoding="utf-8")
        names |= set(re.findall(r"\.get(?:list)?\(\"([a-z_]+)\"", text))
        names |= {f"{n}_{unit}" for n in re.findall(r"fen_field\(\w+(?:\(\))?, \"([a-z_]+)\"\)", text)
                  for unit in ("fen", "yuan")}
    return sorted(names)


# ---- the generator ---------------------------------------------------------------------------------------

def _path(rule: str, rng: random.Random, known: dict) -> str:
    def value(match: re.Match) -> str:
        name = match.group(1).split(":")[-1]
        if known.get(name) and rng.random() < 0.5:
            return rng.choice(known[name])
        return quote(rng.choice(NASTY), safe="")

    return re.sub(r"<([^>]+)>", value, rule)


def _query(rng: random.Random) -> str:
    pairs = []
    for name in rng.sample(QUERY_NAMES, rng.randint(0, 3)):
        raw = rng.choice(NASTY)
        pairs.append(f"{name}={raw if raw.startswith('%') else quote(raw, safe='')}")
    return ("?" + "&".join(pairs)) if pairs else ""


def _header_value(rng: random.Random) -> bytes:
    return rng.choice(HEADER_NASTY).encode("utf-8")  # bytes: sent as UTF-8, not latin-1, as a hostile client may


def _form(rng: random.Random, names: list[str], extra: dict | None = None) -> str:
    fields = {name: rng.choice(NASTY) for name in rng.sample(names, min(len(names), rng.randint(1, 6)))}
    return "&".join(f"{quote(k)}={quote(v, safe='')}" for k, v in ({**fields, **(extra or {})}).items())


@dataclass
class World:
    base: str
    guest_tokens: dict           # who → token (None: anonymous)
    staff: dict                  # who → (cookie header, csrf token)
    known: dict


def guest_probes(world: World, route: tuple[str, str, str], rng: random.Random) -> list[Probe]:
    function, method, rule = route
    sample = load_event(ROWS[route].sample) if route in ROWS else {}
    sample_body = sample.get("body") or ""
    probes = []
    for _ in range(GUEST_REQUESTS_PER_ROUTE):
        who = rng.choice(list(world.guest_tokens))
        token = world.guest_tokens[who]
        headers: dict = {"Idempotency-Key": uuid.UUID(int=rng.getrandbits(128)).hex}
        if token:
            headers["Authorization"] = f"Bearer {token}".encode()
        for name in rng.sample(["Authorization", "Idempotency-Key", "Cookie", "Content-Type", "Wechatpay-Timestamp",
                                "Wechatpay-Nonce", "Wechatpay-Signature", "Wechatpay-Serial",
                                "Wechatpay-Signature-Type", "X-Forwarded-For", "Accept-Language"], rng.randint(1, 4)):
            headers[name] = (rng.choice(CONTENT_TYPES) or "").encode() if name == "Content-Type" \
                else (b"dc_session=" + _header_value(rng)) if name == "Cookie" else _header_value(rng)
        data = None
        if method in ("POST", "PUT"):
            if rng.random() < 0.3:
                data = _form(rng, ["code", "store_id", "qty", "version", "scene", "birthday", "text", "kind"])
                headers["Content-Type"] = b"application/x-www-form-urlencoded"
            else:
                data = sample_body.encode("utf-8")
        probes.append(Probe(method, f"{world.base}/{function}{_path(rule, rng, world.known)}{_query(rng)}",
                            headers, data, json_api=True, who=who))
    return probes


def console_probes(world: World, route: tuple[str, str, str], rng: random.Random, fields: list[str]) -> list[Probe]:
    endpoint, method, rule = route
    probes = []
    principals = ["anonymous", "forged", *world.staff]
    for _ in range(CONSOLE_REQUESTS_PER_ROUTE):
        who = rng.choice(principals)
        if who in world.staff and endpoint in SKIP_WITH_SESSION:
            who = "forged"
        headers: dict = {}
        csrf = ""
        if who in world.staff:
            headers["Cookie"], csrf = world.staff[who]
        elif who == "forged":
            headers["Cookie"] = b"dc_session=" + _header_value(rng) + b"; dc_login_csrf=" + _header_value(rng)
        fetch = rng.random() < 0.5
        if fetch:
            headers["X-Requested-With"] = "fetch"
        if rng.random() < 0.3:
            headers["X-CSRF-Token"] = _header_value(rng)
        data = None
        if method == "POST":
            token = csrf if (csrf and rng.random() < 0.8) else rng.choice(NASTY)
            if fetch and rng.random() < 0.5:  # a script's JSON body, its CSRF token in the header
                headers["X-CSRF-Token"] = token.strip().encode("utf-8")[:4000]
                data = json.dumps({name: rng.choice(NASTY) for name in rng.sample(fields, 4)}, ensure_ascii=False) \
                    if rng.random() < 0.7 else rng.choice(NASTY)  # or no JSON object at all
                headers["Content-Type"] = "application/json"
            else:
                data = _form(rng, fields, {"csrf_token": token})
                headers["Content-Type"] = "application/x-www-form-urlencoded"
        probes.append(Probe(method, f"{world.base}/admin{_path(rule, rng, world.known)}{_query(rng)}", headers, data,
                            json_api=fetch and endpoint not in HTML_ONLY, who=who))
    return probes


# ---- the world -------------------------------------------------------------------------------------------

def staff_session(base: str, name: str) -> tuple[str, str]:
    """(Cookie header, CSRF token) of a console session opened through the login form."""
    page = requests.get(f"{base}/admin/login", timeout=30)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    jar = "; ".join(f"{c.name}={c.value}" for c in page.cookies)
    answer = requests.post(f"{base}/admin/login", timeout=30, allow_redirects=False, headers={"Cookie": jar},
                           data={"login": name, "password": CONSOLE_STAFF[name], "csrf_token": token})
    assert answer.status_code == 302, answer.text[:300]
    cookie = f"dc_session={answer.cookies['dc_session']}"
    url = f"{base}/admin/"
    for _ in range(3):  # requests drops a Cookie header on redirects: follow them by hand
        home = requests.get(url, headers={"Cookie": cookie}, timeout=30, allow_redirects=False)
        if home.status_code != 302:
            break
        url = base + home.headers["Location"]
    return cookie, re.search(r'name="csrf-token" content="([^"]+)"', home.text).group(1)


@pytest.fixture(scope="module")
def world(local_stack):
    base = local_stack.base_url
    token = login(base, "edges")
    placed = requests.post(f"{base}/place_order/orders", timeout=30,
                           headers={"Authorization": f"Bearer {token}", "Idempotency-Key": uuid.uuid4().hex},
                           json={"store_id": STORE, "mode": "takeout", "items": [{"dish_id": "d-cola", "qty": 1}]})
    assert placed.status_code == 201, placed.text
    known = dict(KNOWN, order_id=[placed.json()["order_id"]], session_id=["s-0000"])
    return World(base, {"anonymous": None, "guest": token, "forged guest": token[:-4] + "AAAA"},
                 {name: staff_session(base, name) for name in CONSOLE_STAFF}, known)


# ---- the checks ------------------------------------------------------------------------------------------

def exchange(probe: Probe, recorder: WriteRecorder, *, writes_allowed: bool = False) -> None:
    recorder.take()
    answer = requests.request(probe.method, probe.url, headers=probe.headers, data=probe.data, timeout=60,
                              allow_redirects=False)
    writes = recorder.take()
    status = answer.status_code
    assert status < 500, f"{probe.describe()} → {status} {answer.text[:300]}"
    if 400 <= status < 500:
        if probe.json_api:
            try:
                body = answer.json()
            except ValueError:
                raise AssertionError(f"{probe.describe()} → {status} not JSON: {answer.text[:300]}") from None
            assert isinstance(body, dict) and isinstance(body.get("code"), str) \
                and isinstance(body.get("message"), str) and set(body) <= ERROR_KEYS, (probe.describe(), body)
        assert writes_allowed or not writes, f"{probe.describe()} was refused ({status}) but wrote {writes}"


GUEST_ROUTES = guest_routes()
CONSOLE_ROUTES = console_routes()


@pytest.mark.parametrize("route", GUEST_ROUTES, ids=[f"{f}:{m} {p}" for f, m, p in GUEST_ROUTES])
def test_guest_routes_and_callbacks_answer_hostile_headers_queries_and_paths_with_a_4xx_that_writes_nothing(
        local_stack, world, route):
    rng = random.Random(f"{SEED}:{route}")
    recorder = WriteRecorder(local_stack.runtime)
    with recorder.installed():
        for probe in guest_probes(world, route, rng):
            exchange(probe, recorder)


@pytest.mark.parametrize("route", CONSOLE_ROUTES, ids=[f"{m} {r}" for _, m, r in CONSOLE_ROUTES])
def test_console_routes_answer_hostile_cookies_queries_paths_and_form_fields_with_a_4xx_that_writes_nothing(
        local_stack, world, route):
    rng = random.Random(f"{SEED}:{route}")
    recorder = WriteRecorder(local_stack.runtime)
    fields = console_fields()
    with recorder.installed():
        for probe in console_probes(world, route, rng, fields):
            exchange(probe, recorder, writes_allowed=route[0] in WRITES_ON_REFUSAL)


def test_the_fuzzer_reaches_every_route_and_knows_the_console_form_fields():
    assert {route[0] for route in GUEST_ROUTES} >= {"auth", "menu", "place_order", "orders", "tables", "pay_notify",
                                                    "courier_callback"}
    assert len(CONSOLE_ROUTES) > 40
    assert {"counted", "price_fen", "price_yuan", "reason_id", "portions_left", "radius_m"} <= set(console_fields())


def test_the_corpus_is_the_same_on_every_run(world):
    route = GUEST_ROUTES[0]
    first = [p.describe() for p in guest_probes(world, route, random.Random(f"{SEED}:{route}"))]
    again = [p.describe() for p in guest_probes(world, route, random.Random(f"{SEED}:{route}"))]
    assert first == again and json.dumps(first)
