"""botocore clients made once per container. botocore, not boto3: it is what pynamodb already loads,
so the guest-facing functions pay for one AWS SDK import, not two."""

from __future__ import annotations

from functools import lru_cache

import botocore.session
from botocore.config import Config

from diancan.settings import get_settings


def client_config() -> Config:
    """Timeouts and attempts from settings: a call's worst case ends inside the function's timeout."""
    settings = get_settings()
    return Config(connect_timeout=settings.aws_connect_timeout_seconds, read_timeout=settings.aws_read_timeout_seconds,
                  retries={"total_max_attempts": settings.aws_max_attempts, "mode": "standard"})


@lru_cache(maxsize=1)
def _session() -> botocore.session.Session:
    return botocore.session.get_session()


@lru_cache(maxsize=16)
def client(service: str, region: str):
    return _session().create_client(service, region_name=region, config=client_config())


def client_with(service: str, region: str, **config):
    """A client with settings of its own over ``client_config()`` (not cached here: the caller keeps it)."""
    return _session().create_client(service, region_name=region, config=client_config().merge(Config(**config)))
