"""A report's files: HTML with charts (inline SVG, drawn in pure Python by svg_charts), the JSON of every
figure, CSV exports and one Excel workbook (both written by services.spreadsheets, which keeps typed text from
becoming a formula; openpyxl is imported there, lazily: only report_build renders, so no other function pays for it).
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Mapping

from diancan.domain.money import yuan
from diancan.services.spreadsheets import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE, csv_text, xlsx_bytes
from diancan.services.svg_charts import Point, bar_chart, hbar_chart, line_chart, scatter_chart


def render(report: dict) -> dict[str, tuple[bytes | str, str]]:
    """Every file of a report: name → (body, content type)."""
    tables = _tables(report)
    files: dict[str, tuple[bytes | str, str]] = {
        "report.html": (render_html(report, tables), "text/html; charset=utf-8"),
        "report.json": (json.dumps(report, ensure_ascii=False, indent=1, default=str), "application/json"),
    }
    for name, rows in tables.items():
        if rows:
            files[f"{name}.csv"] = (csv_text(rows), CSV_MEDIA_TYPE)
    files["report.xlsx"] = (xlsx_bytes(tables), XLSX_MEDIA_TYPE)
    return files


def _tables(report: dict) -> dict[str, list[dict]]:
    """The report's tables (each a list of flat rows) for CSV, Excel and the HTML."""
    sales, dishes = report["sales"], report["dishes"]
    tables = {
        "sales_by_hour": [r for r in sales["by_hour"] if r["orders"]],
        "sales_by_day": sales["by_day"],
        "sales_by_mode": [{"mode": m, **c} for m, c in sales["by_mode"].items()],
        "sales_by_channel": [{"channel": c, **n} for c, n in sales["by_channel"].items()],
        "dishes": dishes["by_qty"],
        "menu_engineering": [{k: v for k, v in r.items()} for r in dishes["menu_engineering"]["dishes"]],
        "weekdays": report["time"]["by_weekday"],
        "coupons": report["marketing"]["coupons"],
        "ratings": report["feedback"]["ratings"],
        "refunds_by_reason": report["operations"]["refunds_by_reason"],
    }
    if "stores" in report:
        tables["stores"] = report["stores"]
    if "forecast" in report:
        tables["forecast_prep"] = report["forecast"]["prep"]
    if "central_kitchen_prep" in report:
        tables["central_kitchen_prep"] = report["central_kitchen_prep"]["dishes"]
    if "reconciliation" in report:
        tables["reconciliation"] = report["reconciliation"]["mismatches"]
    return tables


# ---- charts --------------------------------------------------------------------------------------------

QUADRANT_COLOURS = {"star": ("明星 star", "#f0ad4e"), "plowhorse": ("耕马 plowhorse", "#5bc0de"),
                    "puzzle": ("谜题 puzzle", "#9b59b6"), "dog": ("瘦狗 dog", "#999999")}


def _charts(report: dict) -> list[tuple[str, str]]:
    """(title, inline SVG) of each chart the report's data can fill."""
    charts = []
    hours = report["time"]["by_hour"]
    if any(r["orders"] for r in hours):
        title = "分时段订单 Orders per hour"
        charts.append((title, bar_chart(title, [f"{r['hour']:02d}" for r in hours], [r["orders"] for r in hours],
                                        x_title="小时 hour", y_title="订单 orders", colour="#d9534f")))
    days = report["sales"]["by_day"]
    if len(days) > 1:
        title = "每日实收 Revenue per day"
        charts.append((title, line_chart(title, [d["day"][5:] for d in days], [d["paid_fen"] / 100 for d in days],
                                         x_title="日期 day", y_title="实收 元 yuan", colour="#337ab7")))
    top = report["dishes"]["by_qty"][:10]
    if top:
        title = "菜品销量前十 Top dishes"
        charts.append((title, hbar_chart(title, [d["name"] for d in top], [d["qty"] for d in top],
                                         x_title="份数 portions", colour="#5cb85c")))
    matrix = report["dishes"]["menu_engineering"]
    if matrix["dishes"]:
        title = "菜单工程矩阵 Menu engineering"
        points = [Point(r["name"], r["share"] * 100, r["unit_margin_fen"] / 100, QUADRANT_COLOURS[r["quadrant"]][1])
                  for r in matrix["dishes"]]
        charts.append((title, scatter_chart(title, points, x_line=matrix["popularity_threshold"] * 100,
                                            y_line=matrix["average_margin_fen"] / 100,
                                            x_title="销量占比 % popularity", y_title="单份毛利 元 margin",
                                            legend=list(QUADRANT_COLOURS.values()))))
    weekdays = report["time"]["by_weekday"]
    if sum(w["orders"] for w in weekdays) and report["start"] != report["end"]:
        title = "星期分布 Orders per weekday"
        charts.append((title, line_chart(title, [w["name"] for w in weekdays], [w["orders"] for w in weekdays],
                                         x_title="星期 weekday", y_title="订单 orders", colour="#8e44ad")))
    return charts


# ---- HTML ----------------------------------------------------------------------------------------------

_MONEY_KEYS = ("_fen",)


def _fmt(key: str, value) -> str:
    if isinstance(value, int) and key.endswith(_MONEY_KEYS) and not isinstance(value, bool):
        return yuan(value)
    if isinstance(value, float) and (key.endswith("rate") or key == "share"):
        return f"{value * 100:.1f}%"
    if isinstance(value, (list, dict)):
        return html.escape(json.dumps(value, ensure_ascii=False))
    return html.escape("" if value is None else str(value))


def _table(rows: Iterable[dict]) -> str:
    rows = list(rows)
    if not rows:
        return "<p class=empty>无数据 no data</p>"
    head = "".join(f"<th>{html.escape(k)}</th>" for k in rows[0])
    body = "".join("<tr>" + "".join(f"<td>{_fmt(k, v)}</td>" for k, v in row.items()) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _figures(values: Mapping) -> str:
    """A two-column table of the scalar figures of a section (money in yuan, rates in %)."""
    rows = "".join(f"<tr><th>{html.escape(k)}</th><td>{_fmt(k, v)}</td></tr>" for k, v in values.items()
                   if not isinstance(v, (list, dict)))
    return f"<table class=figures><tbody>{rows}</tbody></table>"


_SECTIONS = [("sales_by_mode", "按就餐方式 By mode"), ("sales_by_channel", "按渠道 By channel (小程序/扫码桌台/收银台)"),
             ("dishes", "菜品排行 Dish ranking"),
             ("menu_engineering", "菜单工程 Menu engineering"), ("weekdays", "星期 Weekdays"),
             ("coupons", "优惠券 Coupons"), ("ratings", "菜品评分 Ratings"),
             ("refunds_by_reason", "退款原因 Refunds by reason"), ("stores", "门店对比 Stores side by side"),
             ("forecast_prep", "下周同日备货建议 Prep for the next same weekday"),
             ("central_kitchen_prep", "中央厨房明日备货 Central kitchen prep for tomorrow"),
             ("reconciliation", "对账差异 Reconciliation mismatches")]


def render_html(report: dict, tables: Mapping[str, list[dict]] | None = None) -> str:
    tables = tables if tables is not None else _tables(report)
    charts = "".join(f"<figure>{svg}<figcaption>{html.escape(t)}</figcaption></figure>" for t, svg in _charts(report))
    parts = [f"<h1>{html.escape(report['title'])}</h1>",
             f"<p>生成于 built {html.escape(report['built_at'])} · 金额单位 元 (CNY) · 时区 {html.escape(report['time_zone'])}</p>",
             "<h2>营业概况 Sales</h2>", _figures(report["sales"]),
             f"<p>高峰时段 Peak hours: {', '.join(f'{h:02d}:00' for h in report['time']['peak_hours']) or '-'}</p>",
             f'<section class="charts">{charts}</section>',
             "<h2>营销 Marketing</h2>", _figures(report["marketing"]),
             "<h2>会员 Members</h2>", _figures(report["members"]),
             "<h2>运营 Operations</h2>", _figures(report["operations"] | report["operations"]["delivery"])]
    feedback = report["feedback"]
    parts += ["<h2>评价关键词 Review keywords</h2>",
              "<p>好评 positive: " + html.escape("、".join(k["word"] for k in feedback["positive_keywords"]) or "-")
              + "</p><p>差评 negative: " + html.escape("、".join(k["word"] for k in feedback["negative_keywords"]) or "-")
              + "</p>"]
    if "forecast" in report:
        fc = report["forecast"]
        parts += [f"<h2>排班建议 Staffing for {fc['target_day']}</h2>",
                  _table([{"hour": h, "expected_orders": n, "staff": fc["staff_by_hour"].get(h, 0)}
                          for h, n in fc["expected_orders_by_hour"].items()])]
    if "reconciliation" in report:
        recon = report["reconciliation"]
        parts += ["<h2>对账 Reconciliation</h2>",
                  _figures({"balanced": recon["balanced"], "bill_available": recon["bill_available"],
                            **{f"voucher_{k}": v for k, v in recon["vouchers"].items()},
                            **{f"bill_{k}": v for k, v in recon["bill"].items()}}),
                  _table([{"store_id": s, **c} for s, c in recon["chains"].items()])]
    for name, title in _SECTIONS:
        if name in tables:
            parts += [f"<h2>{title}</h2>", _table(tables[name])]
    return ("<!doctype html><html lang=zh-CN><head><meta charset=utf-8>"
            f"<title>{html.escape(report['title'])}</title><style>{_CSS}</style></head><body>"
            + "".join(parts) + "</body></html>")


_CSS = ("body{font-family:'Noto Sans CJK SC','PingFang SC','Microsoft YaHei',sans-serif;margin:24px;color:#222}"
        "table{border-collapse:collapse;margin:8px 0;font-size:13px}td,th{border:1px solid #ccc;padding:3px 8px}"
        "th{background:#f4f4f4}figure{display:inline-block;margin:8px;vertical-align:top}svg{max-width:100%;height:auto}.empty{color:#888}")
