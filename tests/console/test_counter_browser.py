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


def test_a_cashier_finds_a_member_by_phone_tail_applies_their_coupon_and_sells_to_them(stack, page):  # noqa: F811
    from datetime import UTC, datetime

    from playwright.sync_api import expect

    from diancan import bootstrap
    from diancan.domain.coupons import CouponTemplate
    from diancan.domain.member_codes import member_code
    from diancan.domain.promotions import CouponRule

    openid, now = "openid-browser-member", datetime.now(UTC)
    bootstrap.repository().record_login(openid, now.isoformat(), now.date().isoformat())
    bootstrap.activity_table().set_phone(openid, bootstrap.pii_cipher().encrypt("13855554321"), "4321",
                                         now.isoformat(), now.date().isoformat())
    template = CouponTemplate(template_id="tpl-browser-5", stock=5, per_guest_limit=1, valid_days=30,
                              rule=CouponRule(name="立减5元", kind="fixed", amount_fen=500))
    bootstrap.marketing_table().put_template(template)
    bootstrap.marketing_table().claim(openid, template, template.issue(now))

    page.goto(f"{stack.base_url}/admin/s/{STORE}/counter")  # still signed in as the cashier
    page.click("[data-cat=drink]")
    page.click("[data-dish=d-cola]")
    expect(page.locator("#quote")).to_contain_text("应收 ¥")
    plain = page.locator("#quote").inner_text()

    page.fill("#member-q", "4321")
    page.click("#member-search")
    match = page.locator("#member-matches button")
    expect(match).to_have_count(1)
    expect(match).to_contain_text("138****4321")
    expect(match).not_to_contain_text("openid")
    match.click()
    expect(page.locator("#member-label")).to_contain_text(member_code(openid))
    page.select_option("#coupon-id", label=page.locator("#coupon-id option").nth(1).inner_text())
    expect(page.locator("#quote")).not_to_have_text(plain)
    page.check("input[name=payment][value=card]")
    page.screenshot(path=SHOTS / "22-counter-member.png", full_page=True)

    with page.expect_response(lambda r: r.url.endswith("/counter/orders") and r.request.method == "POST",
                              timeout=60_000) as sold:
        page.click("#submit-sale")
    answer = sold.value.json()
    assert sold.value.ok, answer
    assert answer["member_code"] == member_code(openid) and "openid" not in str(answer)
    assert [d["kind"] for d in answer["order"]["discounts"]].count("coupon") == 1
    expect(page.locator("#receipt")).to_contain_text(member_code(openid))
    assert bootstrap.repository().get_order(answer["order"]["order_id"], consistent=True).openid == openid
