"""Every AWS and HTTP client gets its timeouts and attempts from settings, and a client's worst case (every
attempt timing out, backoff included) ends inside each function's timeout from serverless.yml with room to
answer. pynamodb's own defaults (15 s connect, 30 s read) outlasted a 10 s function."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from diancan.settings import REQUIRED_VARIABLES, Settings, answer_room_seconds
from local.functions import load_functions
from tests.conftest import ROOT

FUNCTIONS = load_functions()
ALIASES = {field.alias for field in Settings.model_fields.values()}


REFERENCED = {name: "set-by-cloudformation" for name in REQUIRED_VARIABLES}  # names and ARNs: no timeouts


def _settings_of(environment: dict) -> Settings:
    """The settings a function runs with: its serverless.yml environment (plain values) over the defaults."""
    plain = {k: str(v) for k, v in environment.items()
             if k in ALIASES and isinstance(v, str | int | float) and "${" not in str(v)}
    return Settings.model_validate({**REFERENCED, **plain})


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_every_clients_worst_case_fits_the_functions_timeout(name):
    spec = FUNCTIONS[name]
    settings = _settings_of(spec.environment)
    budget = spec.timeout - answer_room_seconds(spec.timeout)
    worst = {"aws (botocore and pynamodb)": settings.aws_worst_case_seconds,
             "WeChat Pay / Feieyun / Dada (requests)": settings.http_worst_case_seconds,
             "WeChat server API (token, call, refresh, retry)": settings.wechat_worst_case_seconds,
             "WeChat login (urllib: connect and read each up to the timeout)": 2 * settings.http_timeout_seconds}
    too_slow = {client: seconds for client, seconds in worst.items() if seconds > budget}
    assert too_slow == {}, f"{name} times out after {spec.timeout} s: {too_slow} leave less than its room to answer"


def test_the_worst_cases_count_every_attempt_and_the_backoff():
    settings = Settings(**REFERENCED, DIANCAN_AWS_CONNECT_TIMEOUT_SECONDS=1, DIANCAN_AWS_READ_TIMEOUT_SECONDS=2,
                        DIANCAN_AWS_MAX_ATTEMPTS=3)
    assert settings.aws_worst_case_seconds == 3 * (1 + 2) + (1 + 2)
    assert Settings(**REFERENCED, DIANCAN_WECHAT_CALL_BUDGET_SECONDS=4).wechat_worst_case_seconds == 8


def test_aws_clients_use_the_settings(aws):
    from diancan import bootstrap
    from diancan.adapters import records
    from diancan.adapters.aws import client

    settings = bootstrap.settings()
    config = client("dynamodb", settings.region).meta.config
    assert (config.connect_timeout, config.read_timeout, config.retries) == (
        settings.aws_connect_timeout_seconds, settings.aws_read_timeout_seconds,
        {"total_max_attempts": settings.aws_max_attempts, "mode": "standard"})
    meta = records.configured()
    assert (meta.connect_timeout_seconds, meta.read_timeout_seconds, meta.max_retry_attempts + 1) == (
        settings.aws_connect_timeout_seconds, settings.aws_read_timeout_seconds, settings.aws_max_attempts)


def _stores():
    from diancan.adapters.marketing_table import MarketingTable
    from diancan.adapters.payment_table import PaymentTable
    from diancan.adapters.repository import Repository
    from diancan.adapters.review_table import ReviewTable
    from diancan.adapters.seating_table import SeatingTable
    from diancan.adapters.sold_out_log import SoldOutLog
    from diancan.adapters.staff_table import StaffTable
    from diancan.adapters.stock_table import StockTable

    return [Repository(), StockTable(), SeatingTable(), ReviewTable(), MarketingTable(), PaymentTable(),
            SoldOutLog("Asia/Shanghai"), StaffTable()]


def test_every_hand_built_pynamodb_connection_uses_the_settings(aws):
    from diancan import bootstrap

    settings = bootstrap.settings()
    for store in _stores():
        connection = store._connection
        assert (connection._connect_timeout_seconds, connection._read_timeout_seconds,
                connection._max_retry_attempts_exception + 1) == (
            settings.aws_connect_timeout_seconds, settings.aws_read_timeout_seconds, settings.aws_max_attempts), \
            type(store).__name__
        botocore_config = connection.client.meta.config
        assert botocore_config.retries == {"total_max_attempts": settings.aws_max_attempts, "mode": "standard"}


def test_every_record_class_and_table_adapter_share_one_connection_on_the_process_botocore_session(aws):
    """A botocore session of its own reads the service models again: ~80 ms for each on a cold function's first
    request (docs/performance.md), which pynamodb would pay once per record class and per connection."""
    from diancan.adapters import aws as aws_clients
    from diancan.adapters.records import DishRecord, OrderRecord, StoreRecord, table_connection

    assert len({id(record._get_connection()) for record in (StoreRecord, DishRecord, OrderRecord)}) == 1
    assert table_connection() is StoreRecord._get_connection().connection
    assert {id(store._connection) for store in _stores()} == {id(table_connection())}
    assert table_connection().session is aws_clients.session()
    assert table_connection().client is table_connection().client


def test_http_clients_use_the_settings(aws, monkeypatch):
    from diancan import bootstrap

    monkeypatch.setenv("DIANCAN_HTTP_CONNECT_TIMEOUT_SECONDS", "1.25")
    monkeypatch.setenv("DIANCAN_HTTP_TIMEOUT_SECONDS", "2.5")
    monkeypatch.setenv("DIANCAN_WECHAT_CALL_BUDGET_SECONDS", "3.5")
    bootstrap.reset()
    assert bootstrap.printer()._timeout == (1.25, 2.5)
    assert bootstrap.courier()._timeout == (1.25, 2.5)
    assert bootstrap.wechatpay()._sdk._core._timeout == (1.25, 2.5)
    assert bootstrap.wechat_login()._timeout == 2.5
    assert bootstrap.wechat_access_token()._timeout == 2.5
    assert bootstrap.privacy()._phones._api._budget == 3.5
    assert bootstrap.ready_notices()._messages._api._budget == 3.5
    assert bootstrap.table_codes()._codes._api._budget == 3.5


def test_a_wechat_call_stops_at_its_budget(monkeypatch):
    """The requests of one WeChat call share the budget: none starts once it is spent."""
    from diancan.adapters import wechat_token
    from diancan.domain.errors import UpstreamUnavailable

    now = [100.0]
    monkeypatch.setattr(wechat_token.time, "monotonic", lambda: now[0])
    assert wechat_token.within(3.0, None) == 3.0
    assert wechat_token.within(3.0, 102.0) == 2.0
    now[0] = 102.0
    with pytest.raises(UpstreamUnavailable) as spent:
        wechat_token.within(3.0, 102.0)
    assert spent.value.code == "WECHAT_TIMEOUT"


def test_changed_settings_reach_the_models_and_connections_at_reset(aws, monkeypatch):
    """The local stack loosens the AWS timeouts for its shared moto server after the models were imported."""
    from diancan import bootstrap
    from diancan.adapters.records import Record, StoreRecord, configured, table_connection

    with monkeypatch.context() as patch:
        patch.setenv("DIANCAN_AWS_READ_TIMEOUT_SECONDS", "7")
        patch.setenv("DIANCAN_AWS_MAX_ATTEMPTS", "3")
        patch.setenv("DIANCAN_TABLE", "another-table")
        bootstrap.reset()
        connection = table_connection()
        assert (connection._read_timeout_seconds, connection._max_retry_attempts_exception) == (7, 2)
        assert (Record.Meta.read_timeout_seconds, Record.Meta.max_retry_attempts) == (7, 2)
        assert StoreRecord._get_connection().table_name == "another-table"
    bootstrap.reset()
    assert StoreRecord._get_connection().table_name == bootstrap.settings().table_name
    assert configured().read_timeout_seconds == bootstrap.settings().aws_read_timeout_seconds


def test_the_models_import_without_a_deployment_environment():
    """Settings are read on the first call, not at import: a process without the deployment variables (a
    tool, a stopped local stack) can import the adapters."""
    bare = {name: value for name, value in os.environ.items() if name not in REQUIRED_VARIABLES}
    code = ("from diancan.adapters import records\n"
            "from diancan import bootstrap\n"
            "bootstrap.reset()\n"
            "assert records.Record.Meta.table_name is None\n")
    done = subprocess.run([sys.executable, "-c", code], env={**bare, "PYTHONPATH": str(ROOT / "layers/shared/python")},
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
