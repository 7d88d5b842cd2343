"""The local stack for e2e tests: one per test session (per xdist worker), on free ports, with demo data."""

from __future__ import annotations

import pytest

from local.stack import LocalStack


@pytest.fixture(scope="session")
def local_stack():
    """A started ``LocalStack``: ``.base_url``, ``.resources``, ``.pump.drain()``, ``.simulators[name]``.

    It reads no overrides from the test process's environment (``overrides={}``), so the handler tests'
    variables cannot point it elsewhere; while it runs, ``os.environ`` holds the stack's settings.
    """
    with LocalStack(port=0, moto_port=0, with_demo_data=True, overrides={}) as stack:
        yield stack
