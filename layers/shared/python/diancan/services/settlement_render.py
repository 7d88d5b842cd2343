"""A day's settlement as files beside the day's reports: JSON (every figure), CSVs and one workbook, all written
through ``services.spreadsheets`` (no live formula in any cell). openpyxl is imported only for the workbook,
so only report_build (which has the reports layer) renders."""

from __future__ import annotations

import json

from diancan.services.spreadsheets import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE, csv_text, xlsx_bytes


def tables(doc: dict) -> dict[str, list[dict]]:
    """The settlement's tables: summary, per method (with its reconciliation), per channel, discounts by offer,
    adjustments, differences (each with its order) and the day's invoice lines (blue issued, red reversed)."""
    summary = [{"figure": name, "fen": doc[name]} for name in
               ("gross_fen", "discount_fen", "paid_fen", "refund_fen", "net_fen", "invoiced_fen", "not_invoiced_fen",
                "packing_fee_fen", "delivery_fee_fen", "courier_fee_fen", "courier_tip_fen")]
    summary.append({"figure": "status", "fen": doc["status"]})
    methods = [{"method": method, **sums, "against": doc["reconciliation"][method]["against"],
                "status": doc["reconciliation"][method]["status"]} for method, sums in doc["by_method"].items()]
    channels = [{"channel": channel, **sums} for channel, sums in doc["by_channel"].items()]
    differences = [{key: row.get(key) for key in ("problem", "kind", "method", "order_id", "reference", "our_fen",
                                                  "other_fen")} for row in doc["differences"]]
    return {"settlement_summary": summary, "settlement_methods": methods, "settlement_channels": channels,
            "settlement_offers": doc["discounts_by_offer"], "settlement_adjustments": doc["adjustments"],
            "settlement_differences": differences, "settlement_invoices": doc["invoices"]["lines"]}


def render(doc: dict) -> dict[str, tuple[bytes | str, str]]:
    sheets = tables(doc)
    files: dict[str, tuple[bytes | str, str]] = {
        "settlement.json": (json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True), "application/json"),
        "settlement.xlsx": (xlsx_bytes(sheets), XLSX_MEDIA_TYPE)}
    for name, rows in sheets.items():
        files[f"{name}.csv"] = (csv_text(rows), CSV_MEDIA_TYPE)
    return files
