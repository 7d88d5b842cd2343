"""Generate the OpenAPI document of every HTTP function from its code (``python -m local.openapi``).

Each function's Powertools resolver knows its routes, typed bodies and query parameters; this writes
``docs/openapi/<function>.json`` from them, so the API reference cannot drift from the handlers
(tests/unit/test_openapi_docs.py fails when a document is stale).
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path

from local.functions import load_functions

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "openapi"
VERSION = "1.0"
ERROR_SCHEMA = {
    "type": "object", "required": ["code", "message"],
    "properties": {"code": {"type": "string", "description": "stable machine code, e.g. DISH_UNAVAILABLE"},
                   "message": {"type": "string", "description": "for people, Chinese"},
                   "message_en": {"type": "string", "description": "for people, English"},
                   "details": {"type": "object"}},
}


def resolver_of(handler_file: Path):
    spec = importlib.util.spec_from_file_location(f"openapi_{handler_file.parent.name}", handler_file)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, "app", None)


def documents() -> dict[str, dict]:
    """The OpenAPI document of each function-URL function whose app is a Powertools resolver."""
    found = {}
    for name, spec in sorted(load_functions().items()):
        if not spec.has_url:
            continue
        app = resolver_of(spec.handler_file)
        if app is None or not hasattr(app, "get_openapi_schema"):
            continue  # the admin console is a Flask app with its own pages
        document = json.loads(app.get_openapi_json_schema(
            title=f"diancan {name}", version=VERSION,
            description=f"Function URL of `{name}`. Money is integer fen in fields ending `_fen`. Every refusal "
                        "is a 4xx with the Error body."))
        document.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
        found[name] = document
    found["admin"] = admin_document()
    return found


def admin_document() -> dict:
    """The console's management API (``diancan.console.blueprints.setup.API``): each route, its body model
    and the right it needs, under the console's path (``/admin`` locally and behind the front door)."""
    import re

    from diancan.console.blueprints.setup import API

    schemas: dict[str, dict] = {"Error": ERROR_SCHEMA}
    paths: dict[str, dict] = {}
    refusals = {"400": "bad input (nothing written)", "401": "no session", "403": "not your right or store",
                "404": "not found", "409": "exists or changed meanwhile"}
    for route in API:
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route.path)
        who = "owners only (chain-wide)" if route.chain else (
            f"right `{route.action.value}` in the store" if route.action else "any staff member")
        operation: dict = {
            "summary": route.summary, "description": f"Needs {who}. Audited when it writes.",
            "parameters": [{"name": n, "in": "path", "required": True, "schema": {"type": "string"}}
                           for n in re.findall(r"{(\w+)}", path)],
            "responses": {"200": {"description": "done"},
                          **{code: {"description": what, "content": {"application/json": {
                              "schema": {"$ref": "#/components/schemas/Error"}}}} for code, what in refusals.items()}},
        }
        if route.body is not None:
            schema = route.body.model_json_schema(ref_template="#/components/schemas/{model}")
            schemas.update(schema.pop("$defs", {}))
            schemas[route.body.__name__] = schema
            operation["requestBody"] = {"required": True, "content": {"application/json": {
                "schema": {"$ref": f"#/components/schemas/{route.body.__name__}"}}}}
        paths.setdefault(path, {})[route.method.lower()] = operation
    for method, path, operation in console_routes({(r.method, r.path) for r in API}):
        paths.setdefault(path, {})[method] = operation
    return {"openapi": "3.0.3", "info": {"title": "diancan admin (management API)", "version": VERSION,
            "description": "The console's JSON API under `/admin`: `POST /admin/api/session` {login, password} → "
                           "{token}; send `Authorization: Bearer <token>` (or use the console's session cookie "
                           "and its `X-CSRF-Token`). Money is integer fen. Every refusal is a 4xx with the "
                           "Error body, nothing written."},
            "servers": [{"url": "/admin"}], "paths": paths, "components": {"schemas": schemas}}


FORM_BODY = {"description": "the page form's fields as a JSON object (a script; with `X-CSRF-Token` on the console "
             "session, or a bearer session); the page itself posts the same fields form-encoded with its `csrf_token`",
             "content": {"application/json": {"schema": {"type": "object"}}}}
# What each console route does, where its view's docstring does not say it in a line (endpoint → summary).
SUMMARIES = {
    "auth.health": "Liveness: 200 {status: ok}, no session needed",
    "auth.home": "Landing: owners to the chain page, others to their first store's dashboard or kitchen",
    "auth.logout": "End the session (the cookie's session is deleted)",
    "auth.push_ticket": "A live page's WebSocket ticket {ticket, expires_in: 60} for `<wsBase>?ticket=`",
    "chain.figures": "The chain's figures of the day per store (JSON)",
    "dashboard.page": "A store's dashboard: today's orders, revenue, alerts",
    "shifts.page": "A store's shifts (交班): the current one and the recent ones the caller may see",
    "shifts.listing": "The shifts one may see, with the current one (JSON)",
    "shifts.detail": "One shift's handover: orders, takings by method, refunds, voids, the cash difference",
    "shifts.read": "One shift's handover (JSON)",
    "shifts.open_shift": "Open a cashier's shift with a float (a manager may open one for a cashier)",
    "shifts.close": "Close a shift with the cash counted; a second close answers the first handover",
    "shifts.print_again": "Print a closed shift's handover again on the counter printer",
    "invoices.page": "Guests' invoice requests (发票) waiting to be issued",
    "invoices.pending": "Invoice requests waiting to be issued (JSON)",
    "invoices.issue": "Mark an invoice request issued with the tax platform's invoice number",
    "invoices.reverse": "Record the red invoice (冲红) that reverses an issued invoice",
    "counter.page": "The counter (收银点餐): categories and dishes as big buttons, options, quantities, takeout or a table, a member (phone tail or member code) with their coupon, and payment",
    "settlement.days": "A store's daily settlements (日结): the recent days, balanced or not, and which are closed",
    "settlement.day_page": "One day's settlement: by method and channel, reconciled, with each difference and its order",
    "dashboard.figures": "A store's dashboard figures (JSON, polled by the page)",
    "orders.page": "A store's orders: search by day, status, mode, number",
    "orders.search": "Search a store's orders (JSON)",
    "orders.detail": "One order: lines, status history, tickets, payment, refunds, delivery",
    "orders.move": "Move an order on: accept, ready or complete (`move` is the action)",
    "delivery.page": "A store's delivery orders and their couriers",
    "delivery.active": "A store's active deliveries (JSON)",
    "delivery.redispatch": "Book a courier again for a delivery order",
    "delivery.tip": "Add a tip for the courier (fen; once per request key)",
    "delivery.cancel": "Cancel the courier booking with the platform's reason",
    "delivery.own_staff": "Deliver with the store's own staff (rider name and phone)",
    "delivery.own_delivered": "Mark an own-staff delivery delivered",
    "kitchen.page": "The kitchen: open tickets per station",
    "kitchen.queue": "Open kitchen tickets of every station (JSON)",
    "kitchen.station_page": "One station's kitchen screen",
    "kitchen.station_tickets": "One station's open tickets (JSON, polled by its screen)",
    "kitchen.pickup_page": "The pickup board shown to guests",
    "kitchen.pickup_board": "Numbers preparing and ready (JSON, polled by the board)",
    "tables.page": "Tables: live sessions, calls, open tabs",
    "tables.live": "Live table sessions and calls (JSON)",
    "tables.code_sheet": "The printable sheet of the tables' mini-program codes (PNG)",
    "tables.open_table": "Open a table session at the counter",
    "tables.answer_call": "Answer a table's call for service",
    "tables.close": "Close a table session",
    "menu.page": "The menu: dishes by category, prices, shelf, portions, combos",
    "menu.set_price": "Change a dish's price (new orders only)",
    "menu.set_shelf": "Put a dish on or off the shelf",
    "menu.define_combo": "Create or change a combo: parts and price",
    "menu.edit_recipe": "A dish's (or one option's) recipe: ingredient units per portion",
    "menu.create_dish": "Create a dish: id, name, category, price, station, specs, pictures",
    "menu.edit_dish": "Change a dish's details (name, English name, category, station, specs, pictures, packing fee, "
                      "daily limit); fields left out keep their value",
    "menu.create_category": "Create a category (name, English name, sort, station)",
    "stock.page": "Stock: ingredients, quantities, thresholds",
    "stock.stock_take": "A stock-take: the counted quantity replaces the book one",
    "stock.restock": "Goods received: add units to an ingredient",
    "stock.ledger": "An ingredient's movements",
    "stores.page": "A store's profile, hours, tables, stations and printers at a glance",
    "stores.printers": "The store's stations' printers and their live status (JSON)",
    "reports.page": "A store's daily, weekly and monthly reports",
    "audit.page": "A store's audit log",
    "audit.erasures": "Guests' \"delete my data\" requests and their state, newest first (JSON, owners)",
    "staff.store_page": "A store's staff accounts",
    "staff.create": "Create a staff account of the store (login, name, role, password of 10+, refund limits)",
    "staff.set_active": "Disable or enable an account (its sessions end)",
    "staff.reset_password": "Reset an account's password: a one-time password shown once, to be changed at the "
                            "next login",
    "marketing.page": "Coupon templates and campaigns (owners)",
    "marketing.create_template": "Create a coupon template",
    "marketing.issue": "Issue coupons of a template to members",
    "marketing.offers_page": "A store's offers: full reductions, member discount",
    "marketing.save_offers": "Save a store's offers",
    "members.page": "Members: points, levels, spend",
    "members.listing": "Members (JSON, paged)",
    "members.segments_page": "Member segments: sizes over time, week-to-week flows, spend share",
    "members.segments_overview": "Member segments (JSON): sizes over time, flows, per-segment figures",
    "members.segment_members": "A segment's members by member code (page, or CSV/XLSX export)",
    "members.segment_members_json": "A segment's members by member code (JSON)",
    "members.segment_settings": "Save segment thresholds and custom segments",
    "members.segment_campaign": "Issue a coupon template to a segment (now or scheduled; control group, cap)",
    "members.segment_campaign_report": "A segment campaign's uplift: targeted vs control orders and spend",
    "store_profile.page": "The store profile form: name, address, location, hours, closures, order modes, time zone",
    "store_profile.save": "Save the store profile (checked by the API's StoreEdit; text hours and dates, yuan)",
    "reviews.page": "A store's reviews",
    "reviews.reply": "Reply to a review (shown with it on the dish)",
    "store_settings.page": "Delivery settings (area, fee tiers, minimum, courier shop) and ordering limits",
    "store_settings.save": "Save delivery settings and ordering limits",
    "setup_pages.stores": "The chain's stores, and the new-store form (owners)",
    "setup_pages.create_store": "Create a store (the form of POST /api/stores)",
    "setup_pages.retire_store": "Retire a store (owners; the form of POST /api/s/{store_id}/store/retire)",
    "setup_pages.page": "A store's setup: tables, printers, stations, ingredients",
    "setup_pages.add_tables": "Add tables in bulk (the form of the API route)",
    "setup_pages.edit_table": "Change or retire a table (the form of the API route)",
    "setup_pages.add_printer": "Add a printer, registered at Feieyun (the form of the API route)",
    "setup_pages.test_page": "Print a test page (the form of the API route)",
    "setup_pages.remove_printer": "Remove a printer (the form of the API route)",
    "setup_pages.save_station": "Create or change a station (`station_id` in the form)",
    "setup_pages.retire_station": "Retire a station, optionally moving its dishes (`move_to`; the form of the API route)",
    "setup_pages.add_ingredient": "Add an ingredient (the form of the API route)",
    "setup_pages.edit_ingredient": "Change an ingredient (the form of the API route)",
}


def console_app_rules():
    """Every (method, Flask rule, endpoint, view) of the console: its blueprints on a bare Flask app, so the list
    does not depend on how the real app is wired or configured."""
    from flask import Flask

    from diancan.console.blueprints import BLUEPRINTS

    app = Flask("openapi")
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods & {"GET", "POST"}):
            yield method, rule.rule, rule.endpoint, app.view_functions[rule.endpoint]


def openapi_path(rule: str) -> str:
    import re

    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule)


def console_routes(documented: set[tuple[str, str]]):
    """The console's other routes (pages, their forms and JSON reads) as operations: a summary (SUMMARIES, else
    the view's docstring), the right it needs (``requires``), form-or-JSON bodies (the API's model where the form
    is the page of an API route), and what a form post and a script each get back."""
    import re

    from diancan.console.blueprints.setup import API
    from diancan.domain.setup import StoreEdit

    rules = list(console_app_rules())
    api_bodies = {(r.method, r.path): r.body for r in API if r.body}
    bodies = {"setup_pages." + endpoint.split(".")[1]: api_bodies[(method, rule)] for method, rule, endpoint, _ in rules
              if endpoint.startswith("setup.") and (method, rule) in api_bodies}
    bodies["store_profile.save"] = StoreEdit
    for method, rule, endpoint, view in rules:
        if (method, rule) in documented:
            continue
        path = openapi_path(rule)
        doc = " ".join((view.__doc__ or "").split())
        summary = SUMMARIES.get(endpoint) or doc.split(". ")[0].rstrip(".")
        action = getattr(view, "required_action", None)
        who = f"right `{action.value}` in the store" if action else "a session (any staff member)"
        if rule in ("/login", "/healthz", "/api/session"):
            who = "no session"
        operation: dict = {
            "summary": summary, "tags": ["console"],
            "description": f"Console route. Needs {who}. " + (
                "A page: HTML, or JSON where the view has a JSON form (`X-Requested-With: fetch`)."
                if method == "GET" else
                "A form post: a redirect back to the page (302), or for a script (a JSON body, or `X-Requested-With: "
                "fetch`) a JSON answer; refusals in the Error format. Audited."),
            "parameters": [{"name": n, "in": "path", "required": True, "schema": {"type": "string"}}
                           for n in re.findall(r"{(\w+)}", path)],
            "responses": {"200": {"description": "the page, or the JSON answer"},
                          **({"302": {"description": "back to the page (form posts)"}} if method == "POST" else {}),
                          "4XX": {"description": "refused (nothing written)", "content": {"application/json": {
                              "schema": {"$ref": "#/components/schemas/Error"}}}}},
        }
        if method == "POST":
            model = bodies.get(endpoint)
            operation["requestBody"] = FORM_BODY if model is None else {**FORM_BODY, "content": {
                kind: {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}} for kind in FORM_BODY["content"]}}
        yield method.lower(), path, operation


def render(document: dict) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


API_MD = ROOT / "docs" / "api.md"
API_INTRO = """# API reference

Generated by `python -m local.openapi` from the handlers; the full schemas are in `docs/openapi/<function>.json`.

Conventions, for every function:
- Paths are relative to the function's URL (locally `http://127.0.0.1:8000/<function>`; deployed
  `<base>/<function>` behind the HTTP API front, or the function's own URL: `python -m tools.endpoints`).
- Behind the HTTP API front a client over its route's rate limit gets API Gateway's
  `429 {"message": "Too Many Requests"}` (not the format below): wait a moment and retry.
- Money is an integer number of fen in fields ending `_fen`. Times are ISO 8601 with an offset.
- Guests send `Authorization: Bearer <token>` from `POST /auth/login`. Placing an order also needs an
  `Idempotency-Key` header (8-64 of `A-Za-z0-9_-:.`): the same key from the same guest returns the same order.
- Every refusal is a 4xx with `{"code", "message", "message_en", "details"?}`: `code` is stable and
  machine-readable (e.g. `DISH_UNAVAILABLE`, `INSUFFICIENT_PORTIONS`, `STORE_CLOSED`, `INVALID_TOKEN`),
  `message` is Chinese and `message_en` English for people. Outside-service trouble is a 503 the client may retry
  (`UPSTREAM_UNAVAILABLE`, `WECHAT_BUSY`, `WECHAT_TIMEOUT`, `WECHAT_TOKEN_REFRESHING`, `WECHAT_TOKEN_REJECTED`;
  `WECHAT_CREDENTIALS_REJECTED` when WeChat refuses the deployment's appid, secret or IP: an operator's fix).
- Bodies are JSON objects of at most 64 KiB: a larger one is `400 BODY_TOO_LARGE`, one that is not JSON, a
  missing body where one is required, or JSON that is no object (`[1]`, `7`, `null`) `400 MALFORMED_JSON`
  (not UTF-8: `MALFORMED_BODY`), wrong fields `400 INVALID_REQUEST` with `details.errors`.
- A body is sent as `Content-Type: application/json` (any `charset`) or with no Content-Type, which is read
  as JSON (`wx.request`'s default); any other type (a form, `text/plain`, multipart) is
  `415 UNSUPPORTED_MEDIA_TYPE`. With curl, pass `-H 'Content-Type: application/json'` along with `-d`.
- JSON is also `400 MALFORMED_JSON` (`details.problem` says which) when it nests objects and arrays more than
  32 deep, has an integer literal of more than 18 digits, `NaN`/`Infinity`, or a `\\uD800`-style unpaired
  surrogate escape.
- Numbers in query strings (`limit`, `since`) are 1-15 ASCII digits: `²`, `١٢` or `１２` are refused like any
  other non-number (`400 INVALID_LIMIT`, `400 INVALID_VERSION`), as are numbers typed into console forms;
  `lat`/`lng` are finite decimal numbers in ASCII within ±180 (`400 INVALID_LOCATION`).
- Tokens, cookies and signatures with non-ASCII characters are refused as invalid (`401 INVALID_TOKEN`; a
  console session cookie is no session), never an error.
- `GET /orders` pages with `next_cursor`: pass it back unchanged as `cursor`. Cursors are signed and bound to
  the guest they were issued to: any other value, or another guest's cursor, is `400 INVALID_CURSOR`.
- WeChat Pay notifications (`pay_notify`) answer 204 when applied or already applied, and 4xx/5xx with
  `{"code": "FAIL", "message"}` otherwise, as WeChat Pay expects.

Offers (`/quote`, `/orders`, a table's bill): the server chooses the allowed combination of full reduction,
coupon, member discount and points that saves the guest most, under two rules:
- the order stays payable: the offers together leave at least 0.01 to pay after packing and delivery fees
  (the later offers in that order give way first), so offers never cause `TOTAL_TOO_LOW`;
- a coupon is spent automatically only for its whole face value (a fixed coupon's amount; a percent
  coupon's percentage of its scope up to its cap): one that would save less (a ¥10 coupon on an ¥8 order)
  stays in the wallet. A coupon the guest names (`coupon_id`) is spent anyway, for what the order allows.
A coupon's `valid_until` (claim answer, `GET /me`) is its own expiry, set when it was issued.

Review pictures (`orders`): `POST /review-pictures` `{"content_type": "image/jpeg"|"image/png"|"image/webp",
"size": bytes ≤ 5 MB}` → `{"key", "url", "fields", "file_field": "file", "expires_in": 300, "max_bytes"}`: POST
`fields` and then the file as `file` (multipart, e.g. `wx.uploadFile({url, name: file_field, formData:
fields})`) to `url` within 5 minutes; S3 answers 204. A review (`POST /orders/{id}/review`) names at most 3
such keys in `pictures`: a key not under the caller's own prefix, repeated or more than 3 is
`400 INVALID_PICTURE`, one with nothing (or not an image of at most 5 MB) stored is `400 PICTURE_NOT_UPLOADED`;
anything but a key is `400 INVALID_REQUEST`. The review answer's `picture_urls` and a dish's `reviews[].pictures`
are presigned GET URLs valid for an hour (older reviews' https pictures are shown as they are).

Push (WebSocket API, docs/push.md): connect to `<wsBase>?token=<guest token>` (a guest) or
`<wsBase>?ticket=<push ticket>` (staff: `POST /admin/api/push-ticket` with the console session, cookie + CSRF
token or bearer, answers `{"ticket", "expires_in": 60}`; ask for a new one before each connect);
locally `ws://127.0.0.1:<port>/ws` (the stack prints it). Without a valid one (a forged or expired ticket
included) the handshake is refused `401`.
Send `{"action": "subscribe", "topic": ...}`: `order:<order_id>` (a guest, their own orders), and for staff of
that store `kitchen:<store_id>:<station_id>` and `board:<store_id>` (right `kitchen.view`), `dashboard:<store_id>`
(`dashboard.view`); at most 20 topics per connection. Answer `{"type": "subscribed", "topic"}` or `{"type":
"error", "code", "message", "message_en"}` with `INVALID_TOPIC`, `TOPIC_FORBIDDEN`, `TOO_MANY_TOPICS` or
`CONNECTION_GONE` (connect again). Pushed: `{"type": "order", "order_id", "status", "at"}` on every status change
(`PAID`, `PREPARING` when accepted or when its kitchen tickets are out, `READY`, `DELIVERING`, `COMPLETED`, `CANCELLED`, `REFUNDED`; store topics add
`store_id`), `{"type": "rider", "order_id", "lat", "lng", "eta_at"|null, "at"}` to the order's guest. A message
says what changed, not the whole order: read the order (or the screen's data) again on it. API Gateway closes a
connection after 2 hours (10 minutes idle): reconnect, and poll while the socket is closed.

Store limits (`Store.settings.limits`, edited in the console's store settings): `max_line_qty` (default 50,
1-99) portions of one dish with the same options, and `max_order_qty` (default 200) portions in one order
or one table round. Past them, quote, order, the table cart and table rounds answer
`422 LINE_QTY_TOO_HIGH` (`details`: `dish_id`, `qty`, `limit`) or `422 ORDER_QTY_TOO_HIGH` (`qty`, `limit`).

Pre-orders (`pickup_at` on `/quote` and `/orders`; takeout and delivery, within the store's `preorder_days`):
- `GET /place_order/slots?store_id=&mode=takeout|delivery&date=YYYY-MM-DD` (public; `date` is the store's local
  day, default today) lists the 15-minute pickup slots a guest may choose: the store is open at their start,
  they start at least the mode's lead time from now, within the pre-order window. Each has `slot` (local
  start), `pickup_at` (send it as the order's `pickup_at`), `taken`, `capacity`, `free`. Bad query:
  `400 INVALID_SLOT_QUERY`; a mode the store does not offer `422 MODE_NOT_OFFERED`; `404 STORE_NOT_FOUND`.
- Every order with a `pickup_at` takes one place in its slot, in the order's own write. A full slot is
  `409 SLOT_FULL` ("该时段预约已满，请选择其他时间" / "This time slot is full; choose another time") with
  `details.slot` and `details.next_free`: up to 4 free slots' `pickup_at` after it (that day and the next).
  A cancelled or expired order gives its place back (a refund does not: the food may be made).
- Capacity (`Store.settings.preorder`, console store settings): `slot_capacity` pre-orders per 15 minutes,
  all modes together (default 10, 0-500; 0 closes pre-orders); while the store is busy (busy mode, below)
  every slot holds `floor(slot_capacity * busy_slot_factor)`, in the slot list and when an order takes its
  place. `lead_minutes` per mode (default takeout 20, delivery 45; 0-1440): how long before the
  pickup (delivery) time the kitchen gets the order.
- The order carries `release_at` (pickup time minus the lead time) and `slot`. Paid before `release_at`, it
  is `SCHEDULED` (guest: "已预约，到时制作" / "Scheduled"), and goes to the kitchen (`PAID`, tickets print, a
  delivery's courier is booked) at its release minute; paid after it, it is `PAID` at once. A `SCHEDULED`
  order may be refunded like any paid one.

Busy mode and waiting times (`Store.settings.kitchen`, edited in the console's store settings:
`busy_ticket_limit` (none: never automatic, else 1-1000), `busy_slot_factor` (default 0.5, 0-1),
`default_prep_minutes` (default 15, 1-240), `lanes` (default 2, 1-50: orders the kitchen cooks at once); a
dish's `prep_minutes` (1-240, none: the store's default) in the console's dish form and the menu API):
- `GET /menu/stores/{id}/menu` carries `service`: `{"busy", "busy_reason": "staff"|"tickets"|null,
  "busy_notice": {"message", "message_en"}|null, "busy_slot_factor", "delivery_paused",
  "delivery_paused_notice": {"message", "message_en"}|null}`. Busy is switched by staff (console kitchen page,
  `POST /admin/s/{id}/service/busy {"on": true|false}`: cashiers, managers, owners) or automatic while more
  kitchen tickets are open (printed, not bumped) than `busy_ticket_limit`. Show the notice as a banner.
- Pre-order slots while busy: a slot's capacity is `floor(capacity * busy_slot_factor)`
  (`domain/service_state.slot_capacity(capacity, busy, KitchenSettings.of(store))`; the busy flag is
  `ServiceState.busy(settings, now)` of `ServiceStateLedger.read(store_id)`, or the menu's `service.busy`).
- Delivery paused alone (`POST /admin/s/{id}/service/delivery-paused {"on": ...}`: managers, owners):
  `/quote` and `/orders` refuse `mode: "delivery"` with `409 DELIVERY_PAUSED` (zh 外卖暂停接单，可选择自取或堂食);
  takeout and dine-in stay open. A switch is written only when it changes (`changed` in the answer) and audited.
- `GET /orders/orders/{id}` carries `orders_ahead` and `estimated_ready_at` while the order is `PAID` or
  `PREPARING` (both `null` otherwise): the orders whose kitchen tickets went in earlier and are not bumped
  yet, and when this one should be ready (each order ahead holds one of the kitchen's `lanes` for what is
  left of its preparation time, then this order takes its own: its slowest dish's `prep_minutes`; a
  pre-order not before its `pickup_at`). Computed at every read: each bump makes it more precise. The
  guest's "accepted" message uses the same estimate.
- `GET /orders/orders/{id}` of a delivery order carries `rider` while the order is `DELIVERING` and a courier
  platform's rider has the food (`null` otherwise, and for an order the store's own person delivers):
  `{"name": "赵**", "phone": "139****5678", "lat", "lng", "located_at", "eta_at"}`, the name and phone masked,
  `lat`/`lng` (GCJ-02) and `located_at` the latest position the courier reported (`null` until it reports one),
  `eta_at` the estimated arrival (straight line to the address × 1.3 at 250 m a minute, whole minutes up).
  Only the latest position is kept, never a trail; it is asked of the courier on each of its callbacks and once
  a minute by the order sweeper, and each new place is pushed as a `rider` message on the guest's
  `order:<id>` WebSocket topic (event `RiderMoved`). It is deleted with the order's address (retention, erasure).
  The map's store marker takes the store's `lat`/`lng` from `GET /menu/stores`.

Console (`admin`) money-moving actions (refund, reject, refund-and-close, courier tip, counter payment) need
a request key, the `request_key` form field each form gets when the page renders (scripts: an
`Idempotency-Key` header); the same key repeats the first answer and moves no money again. Refusals:
`400 IDEMPOTENCY_KEY_REQUIRED` (none or malformed), `409 IDEMPOTENCY_KEY_REUSED` (the key with other fields),
`409 REQUEST_IN_PROGRESS` (the first request still running). A cashier refunds at most their per-refund
limit at a time (`403 REFUND_LIMIT`) and at most their limit per order per business day, all their refunds
of it together (`403 REFUND_DAY_LIMIT`, `details`: `limit_fen`, `refunded_today_fen`, `amount_fen`).
A refund (`POST /admin/s/{store_id}/orders/{order_id}/refund`) may name the order's lines it is for: `lines`
(JSON: a list of indexes in the order's `lines`; the page's form: `line` fields), alone (the amount is their
share) or with `amount_fen`/`amount_yuan`; they are kept on the refund (`line_indexes`) and its
`OrderRefunded`, and the kitchen's cancel ticket (退单) lists them. An index the order does not have is
`400 INVALID_LINES`; without `lines` the refund is of an amount only.

Orders nobody accepts: in a store whose tickets print on accept, a paid order not accepted within the store's
`Store.settings.unaccepted.cancel_after_min` minutes (default 15; console store settings, with
`alarm_after_min`, default 5, for the managers' alarm; alarm 1-120, cancel 2-240, alarm first, else
`400 INVALID_STORE_SETTINGS`) is refunded in full automatically: the guest sees it go `REFUNDING` then
`REFUNDED` and gets the refund notice, as for any refund.

Invoices (`POST /orders/{order_id}/invoice`, the guest's own order): `{"kind": "company" | "personal", "title",
"tax_number", "email"}`. A company's `tax_number` is its 18-character unified social credit code (统一社会信用代码,
check character verified; lower case is accepted and stored upper case); a personal invoice has none. Wrong
fields are `400 INVALID_REQUEST` (`details.errors[].field`: `tax_number`, `email`, `title`). The answer (201) is
the request with `status` `requested`, `amount_fen` (paid less refunded) and, once staff issued it,
`invoice_no`; `GET /orders/{order_id}` carries it as `invoice` (null when none). One request per order: the
same body again answers the first; another body is `409 INVOICE_ALREADY_REQUESTED`. An unpaid, cancelled or
fully refunded order is `409 ORDER_NOT_INVOICEABLE`; another guest's order `404 ORDER_NOT_FOUND`. In the
console (`/s/{store_id}/invoices`, managers and owners) staff mark a request issued with the tax platform's
number (`invoice_no`, 8-32 of `0-9A-Za-z-`, else `400 INVALID_INVOICE_NO`); the same number again is a replay,
another is `409 INVOICE_ALREADY_ISSUED`, an order without a request `404 INVOICE_NOT_FOUND`. A red invoice
(冲红) reverses an issued one for its whole amount: `POST /s/{store_id}/invoices/{order_id}/reverse`
`{"red_invoice_no"}` (same format; the blue number again is `400 INVALID_INVOICE_NO`); the same red number again
is a replay, another is `409 INVOICE_ALREADY_REVERSED`, a request not issued yet `409 INVOICE_NOT_ISSUED`. The
day's settlement counts each issued invoice on the day it was issued and each red one (negative) on its own day.

Delete my data (`POST /me/erase`, `{"confirm": true}`, else `400 INVALID_REQUEST` and nothing recorded): `202`
with `reference` (`ER` + 12 characters), `status` (`requested`), `requested_at`, `updated_at`, `done_at` (null),
`counts`, `erased` (what will be erased) and `kept` (`what`, `why`, `why_en`). Nothing is erased in the request:
the erasure worker does it within minutes, in steps. Asked again while under way, the same request is answered;
once done, a new request starts. `GET /me/erase` → `{"erasure": null | the same object}`, `status` `requested`,
`working` or `done`, `counts` of `addresses`, `reviews`, `review_pictures`, `nicknames`, `points`. In the console
`GET /api/privacy/erasures` (owners) lists the requests by member code (docs/operations.md, "Personal data").

Shifts (console `/s/{store_id}/shifts`, JSON with `Accept: application/json` or a bearer token):
`POST .../shifts/open` `{"float_fen" | "float_yuan", "staff_id"?}` (a manager may name a cashier of the store),
`POST .../shifts/{shift_id}/close` `{"counted_fen" | "counted_yuan"}`, `POST .../shifts/{shift_id}/print`,
`GET /api/s/{store_id}/shifts` (`current` and the recent shifts one may see), `GET /api/s/{store_id}/shifts/{shift_id}`.
Refusals: `400 INVALID_AMOUNT` (missing, malformed or out of range: float up to 10,000 yuan), `409
SHIFT_ALREADY_OPEN` (one open shift per cashier and store), `403 SHIFT_NOT_YOURS` (a cashier and another's
shift), `404 SHIFT_NOT_FOUND`, `400 NOT_A_CASHIER_HERE`, `400 SHIFT_OPEN` (printing an open shift). Closing
a closed shift answers its handover unchanged.

Counter (POS) routes (`admin`, right `orders.counter_pay`): `POST /admin/api/s/{store_id}/counter/orders` takes
`{"items", "remark", "payment": "cash"|"card"|"other"|"table", "tendered_fen" (cash), "transaction_id" (other:
the payment code's, 6-64 of `[0-9A-Za-z_-]`), "session_id" (table)}` and a request key (above); it answers
`{"payment", "order"}` with `tendered_fen` and `change_fen` for cash and `transaction_id` for other, or
`{"payment", "session_id", "round"}` for a table. Refusals: `400 INVALID_COUNTER_ORDER` (`details.fields`; an
unknown field such as a price or total is refused, a line's price is never read), `400 TENDERED_REQUIRED`,
`400 TRANSACTION_ID_REQUIRED`, `400 TABLE_REQUIRED`, `422 CASH_SHORT` (`details`: `total_fen`, `tendered_fen`;
nothing written), `400 TABLE_NOT_OPEN` (not an open table of this store), `409 TABLE_CLOSED`/`TABLE_SETTLING`,
and every refusal of placing an order (`STORE_CLOSED`, `MODE_NOT_OFFERED` when the store offers no takeout,
`DISH_UNAVAILABLE`, `INSUFFICIENT_PORTIONS`, `OPTION_REQUIRED`, ...). `POST .../counter/quote` takes
`{"items", "remark"}` and answers the quote (`total_fen`, `discounts`, `offers`); `GET .../counter/menu` the
menu as the mini-program gets it.
A member at the counter: `GET /admin/api/s/{store_id}/counter/members?q=` (`q`: the last 4 ASCII digits of the
phone the member bound, or their member code `M` + 8 of `A-Z2-7`, any case) answers `{"members": [{"member_code",
"phone": "138****1234" (empty: none bound), "level", "level_name", "points"}], "more"}`, at most 10 rows (`more`:
others share the tail; ask for the code), chain-wide, never an openid; `400 INVALID_MEMBER_QUERY` otherwise.
`GET .../counter/members/{member_code}` answers one row with `coupons` (the member's usable coupons valid in this
store, as the guest's wallet shows them); `404 MEMBER_NOT_FOUND`, `400 INVALID_MEMBER_CODE`, `409
MEMBER_CODE_AMBIGUOUS` (two members share a code: find them by phone tail). Quote and sale take `member_code` and
`coupon_id` (one of that member's coupons): the order is the member's (their level, their coupon, their points on
completion), priced and checked as their own order (`COUPON_NOT_FOUND`, `COUPON_NOT_APPLICABLE`, ... as in
place_order); the sale answers `member_code` too. `400 COUPON_NEEDS_MEMBER` (a coupon without a member),
`400 MEMBER_NOT_FOR_TABLE` (a member on a table's bill). A coupon is spent once: the same request key answers the
first sale; another sale with it is refused. Orders carry `channel` (`miniprogram`, `table`, `counter`) everywhere they
are shown; the console's order search takes `channel=`.
Console daily settlement (日结, `docs/reports.md` "Settlement"): `GET /admin/s/{store_id}/settlement[/{day}]`
(right `reports.view`) and `POST /admin/s/{store_id}/settlement/{day}/close` (right `day.close`: managers and
owners), which seals the day once → `{"day", "status", "seal"}` (the closing checkpoint, also anchored outside the
table). Refusals: `400 INVALID_DAY` (not `yyyy-mm-dd`), `400 DAY_NOT_BEGUN`, `409 DAY_CLOSED` (closed already;
`details`: the seal), `409 CHAIN_BROKEN` (run verify-chain), `409 LATER_DAY_SETTLED` (settle days in order).

Console management API (`admin`, `docs/openapi/admin.json`): scripts sign in with `POST /admin/api/session`
`{"login", "password"}` → `{"token", "expires_at"}` and send `Authorization: Bearer <token>` (no CSRF token;
the console's own pages use the session cookie and `X-CSRF-Token`). A person on a one-time password (the first
owner's, or one a manager or owner reset) is answered `"must_change_password": true, "code":
"PASSWORD_CHANGE_REQUIRED", "change_password": "/password"` at login and gets `403 PASSWORD_CHANGE_REQUIRED` on
every other route until `POST /admin/password` `{"old_password", "new_password"}` sets their own. Bodies are JSON objects whose
fields are checked strictly (an unknown field is refused): `400 INVALID_STORE` / `INVALID_TABLES` /
`INVALID_TABLE` / `INVALID_PRINTER` / `INVALID_STATION` / `INVALID_INGREDIENT` / `INVALID_QUANTITY` with
`details.fields`, `400 TABLE_RANGE` (a table range that is not `A1-A20`), `400 TOO_MANY_TABLES` (over 100 at
once), `400 PRINTER_REFUSED` (Feieyun refused the SN and key), `400 PRINTER_NOT_FOUND`, `409 STORE_EXISTS`,
`409 STORE_CHANGED`, `409 TABLE_EXISTS` (`details.tables`; none added), `409 PRINTER_EXISTS`,
`409 PRINTER_IN_USE` (`details.stations`), `409 INGREDIENT_CHANGED`. Retiring a station:
`409 STATION_IN_USE` while dishes or categories print there (`details.dishes`, `details.categories`; send
`move_to`, another active station, to move them in the same call), `409 LAST_STATION` (the only station of a
store with dishes), `404 STATION_NOT_FOUND`; a dish or category given a retired station is
`400 STATION_RETIRED`. Creating and retiring stores is for owners (`403` for anyone else); every other write
needs the right in that store. The document also lists every other console route (pages, their forms and JSON
reads: tag `console`); a form route takes the page's fields or the same fields as JSON and answers JSON to a
script.
"""


def api_markdown(found: dict[str, dict]) -> str:
    lines = [API_INTRO]
    for name, document in found.items():
        lines += [f"## {name}", "", "| method | path | what |", "| --- | --- | --- |"]
        for path, operations in sorted(document.get("paths", {}).items()):
            for method, operation in sorted(operations.items()):
                lines.append(f"| {method.upper()} | `{path}` | {operation.get('summary', '')} |")
        lines.append("")
    return "\n".join(lines)


def main() -> int:
    sys.path.insert(0, str(ROOT / "layers" / "shared" / "python"))
    from diancan.settings import REQUIRED_VARIABLES

    for name in REQUIRED_VARIABLES:  # the handlers read settings when imported; nothing here calls out
        os.environ.setdefault(name, "us-east-1" if name == "AWS_REGION" else "unused-by-local.openapi")
    OUT.mkdir(parents=True, exist_ok=True)
    found = documents()
    for name, document in found.items():
        (OUT / f"{name}.json").write_text(render(document), encoding="utf-8")
        print(f"docs/openapi/{name}.json: {len(document.get('paths', {}))} paths")
    API_MD.write_text(api_markdown(found), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
