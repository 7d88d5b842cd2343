"""Shared fixtures. The environment is fixed before any product module is imported, and moto is
imported first so that every botocore client (pynamodb's too) is patched when a mock is active."""

from __future__ import annotations

import base64
import copy
import importlib.util
import json
import os
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TEST_STACK = "diancan-test"
TEST_ENV = {
    "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1",
    "DIANCAN_TABLE": f"{TEST_STACK}-main", "DIANCAN_BUS": f"{TEST_STACK}-bus",
    "DIANCAN_SECRET_PREFIX": f"diancan/{TEST_STACK}",
    # diancan.settings has no defaults for these; the fixtures that make the bucket, the topic or a simulator
    # set the real ones. Nothing listens at 127.0.0.1:9, so a test that forgets fails rather than go out.
    "DIANCAN_REPORTS_BUCKET": f"{TEST_STACK}-reports", "DIANCAN_ANCHOR_BUCKET": f"{TEST_STACK}-anchors",
    "DIANCAN_PICTURES_BUCKET": f"{TEST_STACK}-pictures",
    "DIANCAN_ALERT_TOPIC_ARN": "",
    "DIANCAN_PUBLIC_BASE_URL": "http://127.0.0.1:9", "WECHAT_API_BASE": "http://127.0.0.1:9/wechat",
    "WECHATPAY_API_BASE": "http://127.0.0.1:9/wxpay", "FEIEYUN_API_BASE": "http://127.0.0.1:9/feieyun",
    "DADA_API_BASE": "http://127.0.0.1:9/dada",
    # the WebSocket API's @connections (moto answers it; tests/deploy/cfn.py REF_IDS names the same API id)
    "DIANCAN_PUSH_ENDPOINT": "https://wsapi12345.execute-api.us-east-1.amazonaws.com/dev",
    "POWERTOOLS_TRACE_DISABLED": "true", "POWERTOOLS_METRICS_NAMESPACE": "diancan",
    "POWERTOOLS_SERVICE_NAME": "diancan", "POWERTOOLS_DEV": "false", "POWERTOOLS_LOG_LEVEL": "WARNING",
    # as the local stack (local/world.py): a moto server answering 100 parallel orders one request at a time
    # is far slower than DynamoDB; the deployed budgets are checked by tests/unit/test_client_timeouts.py
    "DIANCAN_AWS_READ_TIMEOUT_SECONDS": "15", "DIANCAN_AWS_MAX_ATTEMPTS": "3",
}
os.environ.update(TEST_ENV)
os.environ.pop("AWS_ENDPOINT_URL", None)

import botocore.loaders  # noqa: E402
import botocore.session  # noqa: E402
import moto  # noqa: E402  (must precede every botocore client)

# moto's mock_aws gives each test a new default boto3 session, and each botocore session made a loader of its
# own that read and decoded the services' JSON again (3 % of the main run): one loader serves them all.
botocore.session.create_loader = lru_cache(maxsize=None)(botocore.loaders.create_loader)

from local.moto_server import in_process_calls_one_at_a_time, same_answers_faster  # noqa: E402

# moto in-process as in the local stack's server: one call at a time, so a cancelled transaction can be undone
# from a journal of its items instead of a copy of the table; the same answers, made faster.
in_process_calls_one_at_a_time()
same_answers_faster()

from local.lambda_runtime import URL_INVOCATIONS  # noqa: E402
from local.world import LOCAL_NOTICE_TEMPLATES, LOCAL_READY_TEMPLATE  # noqa: E402
from tests.wxpay_fixtures import APPID, MCHID, MERCHANT_SERIAL, PUBLIC_KEY_ID, wxpay_keys  # noqa: E402

TEST_SECRETS = {
    "app": {"token_secret": "test-token-secret-0123456789abcdefghijklmnop",
            "pii_key": base64.b64encode(b"k" * 32).decode()},
    "wechat": {"appid": APPID, "app_secret": "test-app-secret", "ready_template": LOCAL_READY_TEMPLATE,
               "notice_templates": LOCAL_NOTICE_TEMPLATES},
    "wxpay": {"mchid": MCHID, "merchant_private_key": wxpay_keys().merchant_private_pem,
              "merchant_cert_serial": MERCHANT_SERIAL, "apiv3_key": wxpay_keys().apiv3_key,
              "platform_public_key": wxpay_keys().platform_public_pem, "platform_public_key_id": PUBLIC_KEY_ID},
    "feieyun": {"user": "demo@diancan.local", "ukey": "DEMOUKEY0000000000000001"},
    "dada": {"app_key": "test-dada-app", "app_secret": "test-dada-secret", "source_id": "73753", "shop_no": "11047059",
             "callback_secret": "test-dada-callback-secret"},
}


@contextmanager
def aws_stack(monkeypatch):
    """A fresh moto account with every resource of serverless.yml created from infra/ and the secrets; a
    context manager so a module-scoped fixture can build its world once (with its own MonkeyPatch)."""
    from diancan import bootstrap

    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    for name, value in TEST_ENV.items():
        monkeypatch.setenv(name, value)
    with moto.mock_aws():
        resources = _fresh_stack()
        use_stack_names(resources, monkeypatch)
        bootstrap.reset()
        yield resources
    bootstrap.reset()


_STACK_SNAPSHOT: list = []  # (resources, moto snapshot) of this process's first stack


def _fresh_stack():
    """The stack and its secrets in the mock just started: created through moto's CloudFormation the first time
    in a process, a fresh copy of that first one afterwards (tests/moto_snapshot.py says why and how)."""
    import dataclasses

    from moto.core.models import MockAWS

    from local.infra import create_stack
    from tests import moto_snapshot

    # A mock inside another keeps the outer one's state: create as before. DIANCAN_TEST_FRESH_STACKS=1 creates
    # every stack anew (to compare, or to rule the snapshot out).
    alone = MockAWS._nested_count == 1 and not os.environ.get("DIANCAN_TEST_FRESH_STACKS")
    if alone and _STACK_SNAPSHOT:
        resources, snapshot = _STACK_SNAPSHOT[0]
        moto_snapshot.restore(snapshot)
        return dataclasses.replace(resources, secret_names=dict(resources.secret_names))
    resources = create_stack(TEST_STACK)
    resources.put_secrets(TEST_SECRETS)
    if alone:
        _STACK_SNAPSHOT.append((dataclasses.replace(resources, secret_names=dict(resources.secret_names)),
                                moto_snapshot.take()))
    return resources


@pytest.fixture
def aws(monkeypatch):
    with aws_stack(monkeypatch) as resources:
        yield resources


def use_stack_names(resources, monkeypatch) -> None:
    """Point the functions at the physical names the stack created (the bucket name carries the account id
    and the topic is an ARN, so neither can be written down in TEST_ENV)."""
    monkeypatch.setenv("DIANCAN_REPORTS_BUCKET", resources.bucket_name)
    monkeypatch.setenv("DIANCAN_PICTURES_BUCKET", resources.pictures_bucket_name)
    monkeypatch.setenv("DIANCAN_ANCHOR_BUCKET", resources.anchor_bucket_name)
    monkeypatch.setenv("DIANCAN_ALERT_TOPIC_ARN", resources.alert_topic_arn)


@pytest.fixture(scope="session")
def moto_server():
    """One moto server process per test process (local/moto_server.py), started on first use: starting one
    (moto, Flask and the first CloudFormation warmed up) costs seconds, a reset between tests milliseconds."""
    from local.moto_server import MotoServer

    with MotoServer(port=0) as server:
        yield server


@pytest.fixture
def server_aws(moto_server, monkeypatch):
    """Like ``aws`` but against a moto SERVER that serialises requests (local/moto_server.py), the way
    DynamoDB applies conditions atomically: for concurrency tests with many threads. The process's server,
    reset (moto's own /moto-api/reset: every backend emptied) and given the stack anew for each test."""
    import urllib.request

    from diancan import bootstrap
    from local.infra import create_stack

    for name, value in TEST_ENV.items():
        monkeypatch.setenv(name, value)
    reset = urllib.request.Request(f"{moto_server.url}/moto-api/reset", method="POST")
    with urllib.request.urlopen(reset, timeout=60) as answer:
        assert answer.status == 200, answer.status
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server.url)
    resources = create_stack(TEST_STACK, endpoint_url=moto_server.url)
    resources.put_secrets(TEST_SECRETS)
    use_stack_names(resources, monkeypatch)
    bootstrap.reset()
    yield resources
    monkeypatch.delenv("AWS_ENDPOINT_URL")
    bootstrap.reset()


@pytest.fixture
def demo_chain(aws):
    """The demo chain (two stores, 24 dishes each) in the table."""
    from local.demo_data import load

    loaded_once("demo chain", load)
    return aws


_LOADED_ITEMS: dict[str, dict] = {}  # name -> the table's items once that load ran on the table it expects


def loaded_once(name: str, load, after: str | None = None) -> None:
    """Run ``load`` (writes to the table only) the first time in a process and keep the table's items; afterwards
    put a fresh copy of those items in place instead (tests/moto_snapshot.py; ~0.1 s of the product's writes a
    test against ~5 ms). Only on the table ``load`` expects: empty, or (``after``) holding exactly the items
    that load ``after`` left; otherwise (a fixture wrote first), in a mock inside another, against a moto
    server or with DIANCAN_TEST_FRESH_STACKS=1, ``load`` runs itself."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.core.models import MockAWS

    from tests import moto_snapshot

    table = moto_snapshot.table(os.environ["DIANCAN_TABLE"], DEFAULT_ACCOUNT_ID, os.environ["AWS_REGION"])
    expected = (table is not None and MockAWS._nested_count == 1 and not os.environ.get("DIANCAN_TEST_FRESH_STACKS")
                and not os.environ.get("AWS_ENDPOINT_URL")
                and (moto_snapshot.is_empty(table) if after is None
                     else after in _LOADED_ITEMS and table.items == _LOADED_ITEMS[after]))
    if not expected:
        load()
        return
    if name in _LOADED_ITEMS:
        moto_snapshot.restore_items(table, _LOADED_ITEMS[name])
        return
    load()
    _LOADED_ITEMS[name] = moto_snapshot.take_items(table)


@pytest.fixture
def live(demo_chain, monkeypatch):
    with live_gateway(demo_chain, monkeypatch) as running:
        yield running


@contextmanager
def live_gateway(resources, monkeypatch):
    """The functions behind a loopback gateway (in this process, under the same moto) with the WeChat Pay
    WeChat login and Dada simulators mounted at /sim/wxpay, /sim/wechat and /sim/dada (riders step every
    0.2 s): the product reaches the simulators and their notifications and callbacks reach pay_notify and
    courier_callback over real HTTP, as in the local stack."""
    from diancan import bootstrap
    from local.demo_delivery import DADA_SHOPS
    from local.functions import load_functions
    from local.gateway import Gateway
    from local.lambda_runtime import LambdaRuntime
    from local.serve import BackgroundServer
    from local.simulators import dada, wechat, wxpay
    from tests.wxpay_fixtures import make_simulator

    simulator = make_simulator()
    login = wechat.WeChatSimulator(appid=TEST_SECRETS["wechat"]["appid"], secret=TEST_SECRETS["wechat"]["app_secret"])
    secret = TEST_SECRETS["dada"]
    riders = dada.DadaSimulator(app_key=secret["app_key"], app_secret=secret["app_secret"],
                                source_id=secret["source_id"], shops=dict(DADA_SHOPS), step_seconds=0.2)
    gateway = Gateway(LambdaRuntime(load_functions(), stack_name=TEST_STACK),
                      simulators={"wxpay": wxpay.create_app(simulator), "wechat": wechat.create_app(login),
                                  "dada": dada.create_app(riders)})
    answering = InFlight(gateway)
    server = BackgroundServer(answering).start()
    gateway.mark_ready()
    for setting, name in (("WECHATPAY_API_BASE", "wxpay"), ("WECHAT_API_BASE", "wechat"), ("DADA_API_BASE", "dada")):
        monkeypatch.setenv(setting, f"{server.base_url}/sim/{name}")
    monkeypatch.setenv("DIANCAN_PUBLIC_BASE_URL", server.base_url)
    bootstrap.reset()
    try:
        yield Live(server.base_url, simulator, riders, resources)
    finally:
        server.stop()  # no new request; then the ones still running (a late notification, a rider's step)
        wait_for(lambda: answering.count == 0, "the gateway's last requests", timeout=60)  # end in this test's moto


class InFlight:
    """A WSGI app that counts the requests it is answering: a live gateway's teardown waits for them, so that a
    request a simulator sent late in one test never writes into the next test's moto."""

    def __init__(self, app) -> None:
        import threading

        self.app = app
        self.count = 0
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        with self._lock:
            self.count += 1
        try:
            return list(self.app(environ, start_response))  # answered in full before it is counted out
        finally:
            with self._lock:
                self.count -= 1


class Live:
    """What ``live`` gives a test: the gateway URL, the WeChat Pay and Dada simulators, the stack's resources."""

    def __init__(self, base_url: str, wxpay, dada, resources) -> None:
        self.base_url = base_url
        self.wxpay = wxpay
        self.dada = dada
        self.resources = resources


def wait_for(predicate, what: str = "the condition", timeout: float = 60.0):
    """Poll until ``predicate`` returns something truthy (asynchronous notifications and callbacks); ``what``
    names it in the failure."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def load_event(name: str) -> dict:
    """A sample Lambda event from ``events/`` (a deep copy the test may change)."""
    return copy.deepcopy(json.loads((ROOT / "events" / f"{name}.json").read_text(encoding="utf-8")))


_HANDLERS: dict[str, object] = {}


def handler_of(function: str):
    """The ``handler`` callable of ``functions/<function>/handler.py`` (module loaded once per process)."""
    if function not in _HANDLERS:
        path = ROOT / "functions" / function / "handler.py"
        spec = importlib.util.spec_from_file_location(f"fn_{function}_handler", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _HANDLERS[function] = module.handler
    return _HANDLERS[function]


class FakeContext:
    function_name = "diancan-test-fn"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:diancan-test-fn"
    memory_limit_in_mb = 512
    aws_request_id = "00000000-0000-4000-8000-000000000000"
    log_group_name = "/aws/lambda/diancan-test-fn"
    log_stream_name = "2026/11/24/[$LATEST]0000"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 10_000


def http_call(function: str, sample: str, *, body=None, path: str | None = None, query: dict | None = None,
              headers: dict | None = None, raw_body: str | None = None,
              cookies: list[str] | None = None) -> tuple[int, dict]:
    """Invoke an HTTP function with a sample function-URL event, changed as asked; returns (status, json).
    ``cookies`` ("name=value") go where a function URL puts them: the event's cookies list."""
    event = load_event(sample)
    if cookies is not None:
        event["cookies"] = list(cookies)
    if path is not None:
        event["rawPath"] = event["requestContext"]["http"]["path"] = path
    if query is not None:
        event["rawQueryString"] = "&".join(f"{k}={v}" for k, v in query.items())
        event["queryStringParameters"] = {k: str(v) for k, v in query.items()} or None
    if body is not None:
        event["body"] = json.dumps(body, ensure_ascii=False)
    if raw_body is not None:
        event["body"] = raw_body
    for name, value in (headers or {}).items():
        if value is None:
            event["headers"].pop(name.lower(), None)
        else:
            event["headers"][name.lower()] = value
    with URL_INVOCATIONS:  # a live gateway may be invoking another function-URL handler meanwhile
        answer = handler_of(function)(event, FakeContext())
    return answer["statusCode"], json.loads(answer["body"]) if answer.get("body") else {}


@pytest.fixture
def guest_token():
    """A valid session token for a guest name (as auth would issue after WeChat login)."""
    from diancan import bootstrap

    def issue(name: str = "alice") -> str:
        return bootstrap.token_signer().issue(f"openid-{name}")

    return issue


@pytest.fixture(scope="session")
def local_stack():
    """The local stack for e2e tests: one per test session (the e2e suite runs in its own process), on free
    ports, with demo data: ``.base_url``, ``.resources``, ``.pump.drain()``, ``.simulators[name]``.

    It reads no overrides from the test process's environment (``overrides={}``), so the handler tests'
    variables cannot point it elsewhere; while it runs, ``os.environ`` holds the stack's settings.
    """
    from local.stack import LocalStack

    with LocalStack(port=0, moto_port=0, with_demo_data=True, overrides={}) as stack:
        yield stack
