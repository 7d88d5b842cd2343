"""Console settings, read once from the environment and validated (like diancan.settings)."""

from __future__ import annotations

import os

from pydantic import BaseModel, Field, field_validator


class ConsoleSettings(BaseModel):
    model_config = {"populate_by_name": True, "frozen": True}

    base_path: str = Field("", alias="DIANCAN_CONSOLE_BASE_PATH",
                           description="URL prefix the console is served under ('' on its function URL, /admin locally)")
    session_seconds: int = Field(12 * 3600, ge=60, le=7 * 24 * 3600, alias="DIANCAN_CONSOLE_SESSION_SECONDS")
    poll_seconds: int = Field(5, ge=1, le=60, alias="DIANCAN_CONSOLE_POLL_SECONDS")
    push_url: str = Field("", alias="DIANCAN_PUSH_URL",
                          description="the WebSocket API the live pages connect to (wss://...; '' = poll only)")
    trusted_proxies: int = Field(0, ge=0, le=5, alias="DIANCAN_CONSOLE_TRUSTED_PROXIES",
                                 description="proxies in front of the function URL that append to X-Forwarded-For "
                                             "(0: the console is on its function URL; the source address is the client)")

    @field_validator("base_path")
    @classmethod
    def _prefix(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if value and not value.startswith("/"):
            raise ValueError("the base path starts with /")
        return value


def console_settings() -> ConsoleSettings:
    """Read when the app is made (once per container); not cached here, so a new environment is seen."""
    names = {field.alias for field in ConsoleSettings.model_fields.values()}
    return ConsoleSettings.model_validate({k: v for k, v in os.environ.items() if k in names})
