"""report_build: the reports of a finished period for every store and the chain, written to S3 and indexed.

Triggers: the daily schedule after close (the plain EventBridge ``Scheduled Event``: yesterday's
reports and reconciliation, then its settlement), the weekly and monthly schedules (input
``{"period": "week"|"month"}``: the last complete week or month), the hourly WeChat Pay schedule from
10:00 (input ``{"task": "wechatpay_bill"}``: settle again each day whose trade bill has come; metric
TradeBillMissing past the deadline), and on demand (``{"store_id"?, "period", "date"?}``).
"""

from datetime import date as Date
from typing import Literal

from pydantic import BaseModel, Field

from diancan import bootstrap
from diancan.domain.clock import parse_iso, utcnow
from diancan.observability import tools

logger, metrics, tracer = tools("report_build")


class BuildRequest(BaseModel):
    model_config = {"extra": "ignore"}

    store_id: str | None = Field(None, min_length=1, max_length=64)
    period: Literal["day", "week", "month"] = "day"
    date: Date | None = None


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict, context) -> dict:
    if event.get("task") == "wechatpay_bill":
        return _collect_bills()
    reports = bootstrap.reports()
    if event.get("detail-type") == "Scheduled Event":
        request = BuildRequest(date=reports.last_complete("day", parse_iso(event["time"])))
    else:
        request = BuildRequest.model_validate(event)
        if request.date is None:
            request.date = reports.last_complete(request.period, utcnow())
    entries = reports.build(request.period, request.date, request.store_id)
    settled = None
    if request.period == "day" and request.store_id is None:
        settled = bootstrap.settlement().settle(request.date)["status"]
        metrics.add_metric(name="DaysUnbalanced", unit="Count", value=int(settled == "unbalanced"))
    metrics.add_metric(name="ReportsBuilt", unit="Count", value=len(entries))
    mismatches = sum(entry["headline"].get("mismatches", 0) for entry in entries)
    if mismatches:
        metrics.add_metric(name="ReconciliationMismatches", unit="Count", value=mismatches)
    logger.info("reports built", extra={"period": request.period, "date": request.date.isoformat(),
                                        "reports": len(entries), "mismatches": mismatches, "settlement": settled})
    return {"period": request.period, "date": request.date.isoformat(), "settlement": settled,
            "reports": [{"scope": e["scope"], "files": sorted(e["files"])} for e in entries]}


def _collect_bills() -> dict:
    """Each day still waiting for WeChat Pay's bill: its reports and settlement again once the bill is there."""
    collected = bootstrap.settlement().collect_bills()
    for day in collected["reconciled"]:
        bootstrap.reports().build("day", Date.fromisoformat(day))
    metrics.add_metric(name="TradeBillMissing", unit="Count", value=len(collected["missing"]))
    logger.info("trade bills collected", extra=collected)
    return collected
