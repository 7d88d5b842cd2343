"""botocore clients made once per container, from one botocore session. botocore, not boto3: it is what
pynamodb already loads, so the guest-facing functions pay for one AWS SDK import, not two.

One session for every client, pynamodb's included (adapters.records): a new session reads the services'
JSON models and lists the data directories again, ~80 ms before its first client, while another client of a
session that has done so costs ~4 ms (docs/performance.md). A session is not safe to make clients from in two
threads at once, so clients are made under ``CLIENT_LOCK``; the clients themselves are thread-safe."""

from __future__ import annotations

import threading
from functools import lru_cache

import botocore.session
from botocore.config import Config

from diancan.settings import get_settings


def client_config() -> Config:
    """Timeouts and attempts from settings: a call's worst case ends inside the function's timeout."""
    settings = get_settings()
    return Config(connect_timeout=settings.aws_connect_timeout_seconds, read_timeout=settings.aws_read_timeout_seconds,
                  retries={"total_max_attempts": settings.aws_max_attempts, "mode": "standard"})


CLIENT_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def session() -> botocore.session.Session:
    """The process's botocore session (kept across ``bootstrap.reset``: it holds no setting of ours)."""
    return botocore.session.get_session()


def _new_client(service: str, region: str, config: Config, endpoint_url: str | None = None):
    with CLIENT_LOCK:
        return session().create_client(service, region_name=region, endpoint_url=endpoint_url, config=config)


@lru_cache(maxsize=16)
def client(service: str, region: str):
    return _new_client(service, region, client_config())


def client_with(service: str, region: str, **config):
    """A client with settings of its own over ``client_config()`` (not cached here: the caller keeps it)."""
    return _new_client(service, region, client_config().merge(Config(**config)))


@lru_cache(maxsize=4)
def client_at(service: str, region: str, endpoint_url: str):
    """A client of an API that lives at an endpoint of our own (the WebSocket API's ``@connections``)."""
    return _new_client(service, region, client_config(), endpoint_url)
