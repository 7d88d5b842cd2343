"""The report charts are well-formed SVG whose marks sit where the numbers say (pure Python, no matplotlib)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from diancan.services.svg_charts import Point, bar_chart, hbar_chart, line_chart, nice_ticks, scatter_chart

pytestmark = pytest.mark.unit

NS = {"svg": "http://www.w3.org/2000/svg"}


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iterfind(".//svg:text", NS)]


def test_ticks_are_round_steps_that_cover_the_range_from_zero():
    assert nice_ticks(0, 68) == [0, 20, 40, 60, 80]
    assert nice_ticks(0, 3.3) == [0, 1, 2, 3, 4]
    assert nice_ticks(0, 0.3) == [0, 0.1, 0.2, 0.3]
    assert nice_ticks(0, 0) == [0, 0.2, 0.4, 0.6, 0.8, 1.0]


def test_bar_heights_are_proportional_to_the_values_and_every_label_and_title_is_drawn():
    root = parse(bar_chart("订单", ["周一", "周二", "周三"], [10, 20, 40], x_title="星期", y_title="订单 orders",
                           colour="#d9534f"))

    heights = [float(r.get("height")) for r in root.iterfind(".//svg:rect[@class='bar']", NS)]
    assert heights[1] == pytest.approx(2 * heights[0], abs=0.2)
    assert heights[2] == pytest.approx(4 * heights[0], abs=0.2)
    assert {"周一", "周二", "周三", "星期", "订单 orders", "0", "40"} <= set(texts(root))
    assert root.get("aria-label") == "订单"


def test_many_category_labels_are_thinned_so_they_do_not_overlap():
    labels = [f"label-{n:03d}" for n in range(200)]
    root = parse(bar_chart("t", labels, list(range(200)), x_title="x", y_title="y", colour="#000"))

    shown = [t for t in texts(root) if t.startswith("label-")]
    assert 5 < len(shown) < 60 and "label-000" in shown


def test_text_is_escaped():
    root = parse(hbar_chart("<b>", ["鱼 & <虾>"], [3], x_title="份数", colour="#5cb85c"))

    assert "鱼 & <虾>" in texts(root) and root.get("aria-label") == "<b>"


def test_horizontal_bars_keep_the_given_order_and_end_at_their_value():
    root = parse(hbar_chart("top", ["宫保鸡丁", "米饭"], [50, 25], x_title="份数", colour="#5cb85c"))

    widths = [float(r.get("width")) for r in root.iterfind(".//svg:rect[@class='bar']", NS)]
    assert widths[0] == pytest.approx(2 * widths[1], abs=0.2)
    assert texts(root).index("宫保鸡丁") < texts(root).index("米饭")


def test_a_line_has_one_point_per_value_rising_where_the_values_rise():
    root = parse(line_chart("days", ["11-01", "11-02", "11-03"], [1, 3, 2], x_title="日期", y_title="元",
                            colour="#337ab7"))

    points = [tuple(map(float, p.split(","))) for p in root.find(".//svg:polyline", NS).get("points").split()]
    assert len(points) == 3 == len(root.findall(".//svg:circle", NS))
    assert points[0][1] > points[2][1] > points[1][1]  # SVG y grows downwards


def test_the_scatter_draws_its_quadrant_lines_at_the_thresholds():
    chart = scatter_chart("matrix", [Point("明星", 10, 30, "#f0ad4e"), Point("瘦狗", 0, 0, "#999")], x_line=5, y_line=15,
                          x_title="%", y_title="元", legend=[("明星 star", "#f0ad4e")])
    root = parse(chart)

    vertical, horizontal = root.findall(".//svg:line[@class='quadrant']", NS)
    star, dog = root.findall(".//svg:circle[@class='dot']", NS)
    assert float(vertical.get("x1")) == pytest.approx((float(star.get("cx")) + float(dog.get("cx"))) / 2, abs=0.2)
    assert float(horizontal.get("y1")) == pytest.approx((float(star.get("cy")) + float(dog.get("cy"))) / 2, abs=0.2)
    assert {"明星", "瘦狗", "明星 star"} <= set(texts(root))
