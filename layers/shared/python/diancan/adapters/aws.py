"""botocore clients made once per container. botocore, not boto3: it is what pynamodb already loads,
so the guest-facing functions pay for one AWS SDK import, not two."""

from __future__ import annotations

from functools import lru_cache

import botocore.session
from botocore.config import Config

_CONFIG = Config(connect_timeout=2, read_timeout=5, retries={"max_attempts": 3, "mode": "standard"})


@lru_cache(maxsize=1)
def _session() -> botocore.session.Session:
    return botocore.session.get_session()


@lru_cache(maxsize=16)
def client(service: str, region: str):
    return _session().create_client(service, region_name=region, config=_CONFIG)
