"""The HTML report renders in headless Chromium with its charts visible (screenshot in artifacts/)."""

from __future__ import annotations

import shutil
from datetime import date

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _report() -> dict:
    import random

    from diancan.domain.report_facts import CostBook, order_fact
    from diancan.domain.reports import ReportBook
    from diancan.services.report_render import render_html
    from local.demo_history import _random_order, demo_menu

    day = date(2026, 11, 24)
    book, rng, menu = ReportBook("sh-jingan", day, day), random.Random(1), demo_menu("sh-jingan")
    for n in range(200):
        book.add_order(order_fact(_random_order(rng, "sh-jingan", day, n, menu, ["g1", "g2", "g3"]), CostBook(),
                                  "Asia/Shanghai"))
    report = {"title": "静安店 日报表 2026-11-24", "built_at": "2026-11-25T02:30:00Z", "time_zone": "Asia/Shanghai",
              "start": "2026-11-24", "end": "2026-11-24", "sales": book.sales(), "dishes": book.dish_figures(),
              "time": book.time_figures(), "marketing": book.marketing([], {}), "members": book.members({}),
              "feedback": book.feedback(), "operations": book.operations()}
    return render_html(report)


def test_the_html_report_shows_its_charts_in_chromium():
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (apt-get install -y chromium fonts-noto-cjk)")
    playwright = pytest.importorskip("playwright.sync_api")
    artifacts = ROOT / "artifacts"
    artifacts.mkdir(exist_ok=True)
    page_file = artifacts / "report.html"
    page_file.write_text(_report(), encoding="utf-8")

    with playwright.sync_playwright() as p:
        try:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        except Exception as error:  # the browser cannot start here (no display libs, sandbox)
            print(f"chromium could not start: {error}")
            pytest.skip(f"chromium could not start: {error}")
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        page.goto(page_file.as_uri())
        images = page.eval_on_selector_all("img", "imgs => imgs.map(i => [i.complete, i.naturalWidth, i.alt])")
        page.screenshot(path=str(artifacts / "report.png"), full_page=True)
        browser.close()

    assert len(images) >= 3  # orders per hour, top dishes, menu engineering
    assert all(complete and width > 100 for complete, width, _alt in images)
    assert (artifacts / "report.png").stat().st_size > 10_000
