"""The console in headless Chromium against the whole local stack (gateway at /admin): a manager logs
in, changes a price, sees a new paid order arrive on the dashboard, refunds it and reprints its tickets.
Screenshots go to artifacts/console/."""

from __future__ import annotations

import shutil
import time
import uuid
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "console"
STORE = "sh-jingan"


def _why_no_browser() -> str | None:
    if shutil.which(CHROMIUM) is None:
        return f"{CHROMIUM} is not installed (apt-get install -y chromium fonts-noto-cjk)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -r requirements-dev.txt)"
    return None


@pytest.fixture(scope="module")
def stack(local_stack):
    """The e2e session's local stack, with the demo staff (cheap hashes: a test does not need slow scrypt)."""
    from diancan import bootstrap
    from diancan.console.config import ConsoleSettings
    from diancan.console.wiring import build
    from local import demo_staff
    from tests.console.conftest import FAST

    bootstrap.reset()
    demo_staff.load(build(ConsoleSettings(), cost=FAST).accounts, cost=FAST)
    return local_stack


@pytest.fixture(scope="module")
def page(stack):
    reason = _why_no_browser()
    if reason:
        print(f"SKIPPED console browser tests: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        tab = browser.new_page(viewport={"width": 1180, "height": 820}, locale="zh-CN")
        tab.set_default_timeout(15_000)
        yield tab
        browser.close()


def _pay_an_order(stack) -> dict:
    """A guest orders and pays through the gateway and the WeChat Pay simulator (as ``make demo`` does)."""
    from local.demo import CART, Client, Journey

    journey = Journey(stack.base_url)
    status, order = journey.guest("dana").call("POST", "/place_order/orders",
                                               {"store_id": STORE, "mode": "takeout", "items": CART},
                                               {"Idempotency-Key": str(uuid.uuid4())})
    assert status == 201, order
    prepay_id = order["pay_params"]["package"].removeprefix("prepay_id=")
    assert Client(stack.base_url).call("POST", "/sim/wxpay/pay", {"prepay_id": prepay_id})[0] == 200

    def paid():
        code, current = journey.guest("dana").call("GET", f"/orders/orders/{order['order_id']}")
        return current if code == 200 and current["status"] != "PENDING_PAYMENT" else None

    journey.wait_for("the payment notification", paid)  # pay_notify counted it (PaymentService.on_paid)
    return order


def _open(page, url: str) -> None:
    """Go to ``url``. The console's pages reload themselves (after an action's answer, a station screen when its
    tickets change): a reload that starts while the test navigates aborts the test's navigation
    (net::ERR_ABORTED) on a busy machine. Then let the page's own load finish and go again."""
    from playwright.sync_api import Error

    for attempt in range(5):
        try:
            page.goto(url)
            return
        except Error as error:
            if "ERR_ABORTED" not in str(error) or attempt == 4:
                raise
            page.wait_for_load_state()


def _log_in(stack, page) -> None:
    _open(page, f"{stack.base_url}/admin/")
    page.fill("input[name=login]", "jingan")
    page.fill("input[name=password]", "jingan-demo-2026")
    page.screenshot(path=SHOTS / "01-login.png")
    page.click("button.primary")
    page.wait_for_url(f"**/admin/s/{STORE}/")
    assert page.locator("h1").first.inner_text().startswith("小馆子·静安店")
    page.wait_for_selector("#updated:has-text('更新于')")
    page.screenshot(path=SHOTS / "02-dashboard.png", full_page=True)


def _change_a_price(stack, page) -> None:
    _open(page, f"{stack.base_url}/admin/s/{STORE}/menu")
    row = page.locator("#dish-d-cola")
    row.locator("input[name=price_yuan]").fill("6.50")
    row.locator(".price-form button").click()
    page.wait_for_url(f"**/admin/s/{STORE}/menu")
    assert page.locator("#dish-d-cola input[name=price_yuan]").input_value() == "6.50"
    page.screenshot(path=SHOTS / "03-menu-price.png")


def _see_a_new_order_arrive(stack, page) -> str:
    _open(page, f"{stack.base_url}/admin/s/{STORE}/")
    page.wait_for_selector("#updated:has-text('更新于')")
    before = int(page.locator("[data-num=orders]").inner_text())
    order = _pay_an_order(stack)
    from playwright.sync_api import expect

    expect(page.locator("[data-num=orders]")).to_have_text(str(before + 1), timeout=20_000)
    assert page.locator("#banner").is_visible() and "新订单" in page.locator("#banner").inner_text()
    page.screenshot(path=SHOTS / "04-new-order.png", full_page=True)
    _open(page, f"{stack.base_url}/admin/s/{STORE}/orders")
    assert order["order_id"] in page.locator("table.orders").inner_text()
    page.screenshot(path=SHOTS / "05-orders.png", full_page=True)
    return order["order_id"]


def _reprint_and_refund(stack, page, order_id: str) -> None:
    """Each action is judged by the answer to the request the page sends and by the order afterwards, never by
    a message the page shows for half a second before it reloads itself (on a busy machine the reload can come
    first). Every wait is on a condition with a generous ceiling."""
    from playwright.sync_api import expect

    detail = f"{stack.base_url}/admin/s/{STORE}/orders/{order_id}"
    _open(page, detail)
    deadline = time.monotonic() + 90  # tickets are printed by print_dispatch once OrderPaid went through the queue
    while not page.locator("button[data-ticket]").count():
        assert time.monotonic() < deadline, "the order's tickets never appeared"
        page.wait_for_timeout(500)  # poll interval, not a wait for the outcome
        page.reload()
    # each action reloads the page after its answer: wait for that reload, so it cannot land on the next step
    with page.expect_navigation(timeout=60_000), page.expect_response(
            lambda r: r.url.endswith("/reprint") and r.request.method == "POST", timeout=60_000) as reprinted:
        page.locator("button[data-action=reprint]").first.click()
    assert reprinted.value.ok, reprinted.value.text()
    page.screenshot(path=SHOTS / "06-reprinted.png", full_page=True)
    page.on("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation(timeout=60_000), page.expect_response(
            lambda r: r.url.endswith("/refund") and r.request.method == "POST", timeout=60_000) as refunded:
        page.locator("form.refund button").click()
    assert refunded.value.ok, refunded.value.text()
    _open(page, detail)
    expect(page.locator("#order-status")).to_contain_text("退款", timeout=30_000)
    page.screenshot(path=SHOTS / "07-refunded.png", full_page=True)


def _kitchen_and_pickup_screens(stack, page) -> None:
    """The station screens and the pickup board render on a tablet (no waiting on timing: screenshots only)."""
    page.set_viewport_size({"width": 1024, "height": 768})
    _open(page, f"{stack.base_url}/admin/s/{STORE}/kitchen")
    page.screenshot(path=SHOTS / "08-kitchen.png", full_page=True)
    station = page.locator(".subnav a").first
    station.click()
    page.wait_for_selector("#station-tickets")
    page.screenshot(path=SHOTS / "09-station.png", full_page=True)
    _open(page, f"{stack.base_url}/admin/s/{STORE}/pickup")
    page.wait_for_selector("#updated:has-text('更新于')")
    page.screenshot(path=SHOTS / "10-pickup-board.png", full_page=True)
    _open(page, f"{stack.base_url}/admin/s/{STORE}/tables")
    page.screenshot(path=SHOTS / "11-tables.png", full_page=True)


def test_a_manager_logs_in_changes_a_price_sees_a_new_order_reprints_and_refunds_it(stack, page):
    _log_in(stack, page)
    _change_a_price(stack, page)
    order_id = _see_a_new_order_arrive(stack, page)
    _reprint_and_refund(stack, page, order_id)
    _kitchen_and_pickup_screens(stack, page)
