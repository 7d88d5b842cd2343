"""Settings read once from the environment and validated, so a bad deployment fails at start-up.

What a deployment must set (the resources' names, the secrets' prefix, the outside services' endpoints and
the public base URL) has no default: serverless.yml sets it for every stage, the local stack
(local/world.py) and the tests (tests/conftest.py) set it themselves. A missing one stops the container at
its first use of the settings with a message naming the variable. Defaults remain only for tuning knobs
(timeouts, attempts, expiries) that hold for every deployment.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import lru_cache

from pydantic import BaseModel, Field, ValidationError


class Settings(BaseModel):
    """Every setting of the functions. Environment variable names are the field aliases."""

    model_config = {"populate_by_name": True, "frozen": True}

    # Required: Lambda sets AWS_REGION itself; serverless.yml's provider.environment sets the others.
    region: str = Field(min_length=1, alias="AWS_REGION")
    table_name: str = Field(min_length=1, alias="DIANCAN_TABLE")
    bus_name: str = Field(min_length=1, alias="DIANCAN_BUS")
    reports_bucket: str = Field(min_length=1, alias="DIANCAN_REPORTS_BUCKET")
    anchor_bucket: str = Field(min_length=1, alias="DIANCAN_ANCHOR_BUCKET")  # Object Lock: chain anchors
    pictures_bucket: str = Field(min_length=1, alias="DIANCAN_PICTURES_BUCKET")  # guests' review pictures
    alert_topic_arn: str = Field(alias="DIANCAN_ALERT_TOPIC_ARN",
                                 description="SNS topic of operational alerts; '' (tests only) logs them instead")
    secret_prefix: str = Field(min_length=1, alias="DIANCAN_SECRET_PREFIX")
    secrets_max_age_seconds: float = Field(300.0, ge=1, le=3600, alias="DIANCAN_SECRETS_MAX_AGE_SECONDS")
    public_base_url: str = Field(min_length=1, alias="DIANCAN_PUBLIC_BASE_URL")
    wechat_api_base: str = Field(min_length=1, alias="WECHAT_API_BASE")
    wechatpay_api_base: str = Field(min_length=1, alias="WECHATPAY_API_BASE")
    feieyun_api_base: str = Field(min_length=1, alias="FEIEYUN_API_BASE")
    dada_api_base: str = Field(min_length=1, alias="DADA_API_BASE")
    business_tz: str = Field("Asia/Shanghai", alias="DIANCAN_BUSINESS_TZ")
    order_expiry_minutes: int = Field(15, ge=1, le=120, alias="DIANCAN_ORDER_EXPIRY_MINUTES")
    token_ttl_seconds: int = Field(7 * 24 * 3600, ge=60, alias="DIANCAN_TOKEN_TTL_SECONDS")
    # How long personal data is kept (days); stage params in serverless.yml, enforced by privacy_retention.
    retain_address_days: int = Field(30, ge=1, le=3650, alias="DIANCAN_RETAIN_ADDRESS_DAYS")
    retain_phone_days: int = Field(365, ge=1, le=3650, alias="DIANCAN_RETAIN_PHONE_DAYS")
    retain_review_picture_days: int = Field(365, ge=1, le=3650, alias="DIANCAN_RETAIN_REVIEW_PICTURE_DAYS")
    # Timeouts and retries of every client, sized so a client's worst case (every attempt timing out, with
    # the SDK's backoff between attempts) ends inside the shortest function timeout (serverless.yml: 10 s)
    # with ``answer_room_seconds`` left to answer; tests/unit/test_client_timeouts.py checks each function.
    aws_connect_timeout_seconds: float = Field(1.0, gt=0, le=10, alias="DIANCAN_AWS_CONNECT_TIMEOUT_SECONDS")
    aws_read_timeout_seconds: float = Field(2.0, gt=0, le=60, alias="DIANCAN_AWS_READ_TIMEOUT_SECONDS")
    aws_max_attempts: int = Field(2, ge=1, le=5, alias="DIANCAN_AWS_MAX_ATTEMPTS")
    http_connect_timeout_seconds: float = Field(1.5, gt=0, le=10, alias="DIANCAN_HTTP_CONNECT_TIMEOUT_SECONDS")
    http_timeout_seconds: float = Field(3.0, gt=0, le=30, alias="DIANCAN_HTTP_TIMEOUT_SECONDS")  # read
    wechat_call_budget_seconds: float = Field(4.0, gt=0, le=60, alias="DIANCAN_WECHAT_CALL_BUDGET_SECONDS")
    pay_notify_url_override: str = Field("", alias="DIANCAN_PAY_NOTIFY_URL")

    @property
    def pay_notify_url(self) -> str:
        """Where WeChat Pay sends payment and refund notifications (the pay_notify function's URL)."""
        return self.pay_notify_url_override or f"{self.public_base_url.rstrip('/')}/pay_notify/notify"

    @property
    def http_timeouts(self) -> tuple[float, float]:
        """(connect, read) for requests-based clients (WeChat Pay, Feieyun, Dada)."""
        return self.http_connect_timeout_seconds, self.http_timeout_seconds

    @property
    def aws_worst_case_seconds(self) -> float:
        """One AWS call whose every attempt times out: botocore's standard mode sleeps up to 2**(n-1) s
        before retry n (random jitter below that)."""
        backoff = sum(2 ** (n - 1) for n in range(1, self.aws_max_attempts))
        return self.aws_max_attempts * (self.aws_connect_timeout_seconds + self.aws_read_timeout_seconds) + backoff

    @property
    def http_worst_case_seconds(self) -> float:
        """One outside HTTP request (no client retries: callers retry through SQS or the guest)."""
        return self.http_connect_timeout_seconds + self.http_timeout_seconds

    @property
    def wechat_worst_case_seconds(self) -> float:
        """A WeChat server API call, token fetch and one refresh included: its requests share the budget, the
        last one may overrun it by one connect and one read of what was left (urllib times each)."""
        return 2 * self.wechat_call_budget_seconds


def answer_room_seconds(function_timeout: float) -> float:
    """What a function keeps, after a client's worst case, to log, count and answer."""
    return max(1.0, 0.1 * function_timeout)


class SettingsError(RuntimeError):
    """The environment lacks a required variable or holds a bad value: the deployment is broken."""


REQUIRED_VARIABLES: tuple[str, ...] = tuple(
    field.alias for field in Settings.model_fields.values() if field.is_required() and field.alias)


def read_settings(environ: Mapping[str, str]) -> Settings:
    """Settings from ``environ``; a missing or bad variable raises SettingsError naming every such variable."""
    names = {field.alias for field in Settings.model_fields.values()}
    try:
        return Settings.model_validate({k: v for k, v in environ.items() if k in names})
    except ValidationError as error:
        missing = sorted(str(e["loc"][0]) for e in error.errors() if e["type"] == "missing")
        bad = sorted(f"{e['loc'][0]} ({e['msg']})" for e in error.errors() if e["type"] != "missing")
        parts = ([f"missing environment variable(s): {', '.join(missing)}"] if missing else []) + (
            [f"bad environment variable(s): {'; '.join(bad)}"] if bad else [])
        raise SettingsError(". ".join(parts) + " (serverless.yml's provider.environment sets them when deployed; "
                            "the local stack, local/world.py, sets them locally)") from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this container, read from the environment on first use."""
    return read_settings(os.environ)
