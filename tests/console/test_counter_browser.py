"""The counter page in headless Chromium against the whole local stack: a cashier taps a category and dishes
(an options popup for a dish with specs), types the cash given, pays, and sees the change the server computed;
the order is paid with channel counter. Screenshots go to artifacts/console/."""

from __future__ import annotations

import pytest

from tests.console.test_console_browser import SHOTS, STORE, page, stack  # noqa: F401  (module fixtures)

pytestmark = [pytest.mark.slow, pytest.mark.e2e]


def test_a_cashier_takes_a_cash_order_on_the_counter_page_and_sees_the_change(stack, page):  # noqa: F811
    from playwright.sync_api import expect

    page.goto(f"{stack.base_url}/admin/login")
    page.fill("input[name=login]", "cashier")
    page.fill("input[name=password]", "cashier-demo-2026")
    page.click("button.primary")
    page.wait_for_url(f"**/admin/s/{STORE}/**")
    page.goto(f"{stack.base_url}/admin/s/{STORE}/counter")

    page.click("[data-cat=hot]")
    expect(page.locator("[data-dish=d-cola]")).to_be_hidden()  # one category's dishes at a time
    expect(page.locator("#transaction-id")).to_be_hidden()  # the fields of other payments stay out of the way
    page.click("[data-dish=d-gongbao]")  # has a required spice group: the popup
    expect(page.locator("#options-dialog")).to_be_visible()
    page.locator("#options-groups input[value=spicy-mild]").check()
    page.click("#options-add")
    page.click("[data-cat=drink]")
    page.click("[data-dish=d-cola]")
    page.click("[data-dish=d-cola]")
    expect(page.locator("#cart-lines li")).to_have_count(2)
    expect(page.locator("#quote")).to_contain_text("应收 ¥")
    expect(page.locator("#submit-sale")).to_be_enabled()
    page.fill("#tendered", "100")
    page.screenshot(path=SHOTS / "20-counter-cart.png", full_page=True)

    with page.expect_response(lambda r: r.url.endswith("/counter/orders") and r.request.method == "POST",
                              timeout=60_000) as sold:
        page.click("#submit-sale")
    answer = sold.value.json()
    assert sold.value.ok, answer
    order = answer["order"]
    assert (order["status"], order["channel"]) == ("PAID", "counter")
    assert answer["change_fen"] == 10000 - order["total_fen"]
    expect(page.locator("#receipt .change")).to_contain_text(f"¥{answer['change_fen'] / 100:.2f}")
    assert [line["qty"] for line in order["lines"]] == [1, 2]
    page.screenshot(path=SHOTS / "21-counter-paid.png", full_page=True)
