"""Setting a store up through the console pages in headless Chromium (the happy path; the API and form tests
cover refusals): the owner creates a store, adds tables in bulk, binds a printer at the Feieyun simulator and
prints its test page, makes a station of it and adds an ingredient. Screenshots go to artifacts/console/."""

from __future__ import annotations

import pytest

from tests.console.test_console_browser import SHOTS, page, stack  # noqa: F401 - the fixtures

pytestmark = [pytest.mark.slow, pytest.mark.e2e]
NEW = "sh-songjiang"
SN = "940000001"


def test_an_owner_sets_a_store_up_in_the_console(stack, page):  # noqa: F811
    from playwright.sync_api import expect

    base = f"{stack.base_url}/admin"
    page.goto(f"{base}/login")
    page.fill("input[name=login]", "boss")
    page.fill("input[name=password]", "boss-demo-2026")
    page.click("button.primary")
    page.goto(f"{base}/stores")
    form = page.locator("#create-store")
    form.locator("input[name=store_id]").fill(NEW)
    form.locator("input[name=name]").fill("松江店")
    form.locator("input[name=address]").fill("松江区1号")
    form.locator("textarea[name=hours]").fill("一二三四五 10:00-14:00\n一二三四五 17:00-22:00\n六日 09:00-23:00")
    form.locator("button.primary").click()
    page.wait_for_url(f"**/admin/s/{NEW}/setup")
    page.locator("#add-tables input[name=tables]").fill("A1-A3")
    page.locator("#add-tables button").click()
    page.wait_for_url(f"**/admin/s/{NEW}/setup")
    expect(page.locator("#tables")).to_contain_text("A3")
    page.locator("#add-printer input[name=sn]").fill(SN)
    page.locator("#add-printer input[name=key]").fill("ABCD1234")
    page.locator("#add-printer input[name=name]").fill("热菜")
    page.locator("#add-printer button").click()
    expect(page.locator("#printers")).to_contain_text("在线")
    page.locator("#printers button:has-text('打印测试页')").click()
    page.wait_for_url(f"**/admin/s/{NEW}/setup")
    page.locator("#save-station input[name=station_id]").fill("hot")
    page.locator("#save-station input[name=name]").fill("热菜档")
    page.locator("#save-station button.primary").click()
    expect(page.locator("#stations")).to_contain_text("热菜档")
    form = page.locator("#add-ingredient")
    form.locator("input[name=ingredient_id]").fill("pork")
    form.locator("input[name=name]").fill("猪肉")
    form.locator("input[name=quantity]").fill("5000")
    form.locator("input[name=threshold]").fill("1000")
    form.locator("input[name=cost_fen_per_unit]").fill("3000")
    form.locator("button.primary").click()
    expect(page.locator("#ingredients")).to_contain_text("猪肉")
    page.screenshot(path=SHOTS / "20-store-setup.png", full_page=True)
    printed = [j for p in stack.simulators["feieyun"].state()["printers"] if p["sn"] == SN for j in p["jobs"]]
    assert printed and "打印测试" in printed[0]["content"]
