"""The HTML report renders in headless Chromium with its SVG charts visible and Chinese labels drawn with a CJK
font (screenshot in artifacts/report.png)."""

from __future__ import annotations

import shutil
from datetime import date, timedelta

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

    start, end = date(2026, 11, 16), date(2026, 11, 22)
    book, rng, menu = ReportBook("sh-jingan", start, end), random.Random(1), demo_menu("sh-jingan")
    for n in range(350):
        order = _random_order(rng, "sh-jingan", start + timedelta(days=n % 7), n, menu, ["g1", "g2", "g3"])
        book.add_order(order_fact(order, CostBook(), "Asia/Shanghai"))
    report = {"title": "静安店 周报表 2026-11-16 ~ 2026-11-22", "built_at": "2026-11-23T02:30:00Z",
              "time_zone": "Asia/Shanghai", "start": start.isoformat(), "end": end.isoformat(),
              "sales": book.sales(), "dishes": book.dish_figures(),
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
        charts = page.eval_on_selector_all("figure svg", """svgs => svgs.map(s => ({
            label: s.getAttribute("aria-label"), width: s.getBoundingClientRect().width,
            height: s.getBoundingClientRect().height,
            marks: s.querySelectorAll("rect.bar, circle, polyline").length,
            texts: s.querySelectorAll("text").length}))""")
        cjk_font = page.evaluate("document.fonts.check(\"12px 'Noto Sans CJK SC'\", '宫保鸡丁')")
        page.screenshot(path=str(artifacts / "report.png"), full_page=True)
        browser.close()

    assert [c["label"] for c in charts] == ["分时段订单 Orders per hour", "每日实收 Revenue per day",
                                            "菜品销量前十 Top dishes", "菜单工程矩阵 Menu engineering",
                                            "星期分布 Orders per weekday"]
    assert all(c["width"] > 300 and c["height"] > 150 and c["marks"] >= 7 and c["texts"] > 5 for c in charts)
    assert cjk_font
    assert (artifacts / "report.png").stat().st_size > 10_000
