"""report_build: the reports of a finished period for every store and the chain, written to S3 and indexed.

Triggers: the daily schedule after close (the plain EventBridge ``Scheduled Event``: yesterday's
reports and reconciliation), the weekly and monthly schedules (input ``{"period": "week"|"month"}``:
the last complete week or month), and on demand (``{"store_id"?, "period", "date"?}``).
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
    reports = bootstrap.reports()
    if event.get("detail-type") == "Scheduled Event":
        request = BuildRequest(date=reports.last_complete("day", parse_iso(event["time"])))
    else:
        request = BuildRequest.model_validate(event)
        if request.date is None:
            request.date = reports.last_complete(request.period, utcnow())
    entries = reports.build(request.period, request.date, request.store_id)
    metrics.add_metric(name="ReportsBuilt", unit="Count", value=len(entries))
    mismatches = sum(entry["headline"].get("mismatches", 0) for entry in entries)
    if mismatches:
        metrics.add_metric(name="ReconciliationMismatches", unit="Count", value=mismatches)
    logger.info("reports built", extra={"period": request.period, "date": request.date.isoformat(),
                                        "reports": len(entries), "mismatches": mismatches})
    return {"period": request.period, "date": request.date.isoformat(),
            "reports": [{"scope": e["scope"], "files": sorted(e["files"])} for e in entries]}
