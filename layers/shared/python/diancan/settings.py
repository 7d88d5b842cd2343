"""Settings read once from the environment and validated, so a bad deployment fails at start-up."""

from __future__ import annotations

import os
from functools import lru_cache

from pydantic import BaseModel, Field


class Settings(BaseModel):
    """Every setting of the functions. Environment variable names are the field aliases."""

    model_config = {"populate_by_name": True, "frozen": True}

    region: str = Field("us-east-1", alias="AWS_REGION")
    table_name: str = Field("diancan-local-main", alias="DIANCAN_TABLE")
    bus_name: str = Field("diancan-local-bus", alias="DIANCAN_BUS")
    reports_bucket: str = Field("diancan-local-reports", alias="DIANCAN_REPORTS_BUCKET")
    alert_topic_arn: str = Field("", alias="DIANCAN_ALERT_TOPIC_ARN")
    secret_prefix: str = Field("diancan/local", alias="DIANCAN_SECRET_PREFIX")
    secrets_max_age_seconds: float = Field(300.0, ge=1, le=3600, alias="DIANCAN_SECRETS_MAX_AGE_SECONDS")
    public_base_url: str = Field("http://127.0.0.1:8000", alias="DIANCAN_PUBLIC_BASE_URL")
    wechat_api_base: str = Field("https://api.weixin.qq.com", alias="WECHAT_API_BASE")
    wechatpay_api_base: str = Field("https://api.mch.weixin.qq.com", alias="WECHATPAY_API_BASE")
    feieyun_api_base: str = Field("https://api.feieyun.cn", alias="FEIEYUN_API_BASE")
    dada_api_base: str = Field("https://newopen.imdada.cn", alias="DADA_API_BASE")
    business_tz: str = Field("Asia/Shanghai", alias="DIANCAN_BUSINESS_TZ")
    order_expiry_minutes: int = Field(15, ge=1, le=120, alias="DIANCAN_ORDER_EXPIRY_MINUTES")
    token_ttl_seconds: int = Field(7 * 24 * 3600, ge=60, alias="DIANCAN_TOKEN_TTL_SECONDS")
    http_timeout_seconds: float = Field(5.0, gt=0, le=30, alias="DIANCAN_HTTP_TIMEOUT_SECONDS")
    pay_notify_url_override: str = Field("", alias="DIANCAN_PAY_NOTIFY_URL")

    @property
    def pay_notify_url(self) -> str:
        """Where WeChat Pay sends payment and refund notifications (the pay_notify function's URL)."""
        return self.pay_notify_url_override or f"{self.public_base_url.rstrip('/')}/pay_notify/notify"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this container, read from the environment on first use."""
    names = {field.alias for field in Settings.model_fields.values()}
    return Settings.model_validate({k: v for k, v in os.environ.items() if k in names})
