"""The local "outside world" in one place: the keys and secrets both sides share, the simulators that
stand in for outside services, and the environment the functions run with.

Everything can be overridden from the environment the stack starts in:

| variable | default (local) | what it is |
| --- | --- | --- |
| `PORT` | 8000 (`python -m local.stack`), free port when tests pass `port=0` | gateway port on 127.0.0.1 |
| `MOTO_PORT` | a free port | port of the moto server (child process, 127.0.0.1) |
| `AWS_ENDPOINT_URL` | the moto server's URL | set it to use an AWS-compatible endpoint that is already running; no moto is started |
| `DIANCAN_STACK` | `diancan-local` | stack name; resources are named `<stack>-main`, `<stack>-bus`, `<stack>-stock`, ... |
| `AWS_REGION`, `AWS_DEFAULT_REGION` | `us-east-1` | region of every client |
| `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_SECURITY_TOKEN` | `testing` | fake credentials for moto |
| `DIANCAN_TABLE`, `DIANCAN_BUS`, `DIANCAN_REPORTS_BUCKET`, `DIANCAN_ANCHOR_BUCKET`, `DIANCAN_PICTURES_BUCKET`, `DIANCAN_ALERT_TOPIC_ARN` | from the created stack | overriding them points the functions away from what the stack created (a warning is logged) |
| `DIANCAN_SECRET_PREFIX` | `diancan/<stack>` | secrets are `<prefix>/<name>` (`app`, `wechat`, ...) |
| `DIANCAN_SECRET_<NAME>` | generated (see `generate_secrets`) | JSON object replacing secret `<name>` (e.g. `DIANCAN_SECRET_WECHAT='{"appid":"wx…","app_secret":"…"}'`); simulators are built from the final secrets, so both sides agree |
| `DIANCAN_PUBLIC_BASE_URL` | the gateway URL | base of the URLs the product hands out (notify and callback URLs) |
| `WECHAT_API_BASE` | `<gateway>/sim/wechat` | WeChat API; when set, the product uses it (the simulator stays mounted but unused) |
| `DIANCAN_BUSINESS_TZ`, `POWERTOOLS_SERVICE_NAME`, `POWERTOOLS_METRICS_NAMESPACE`, `POWERTOOLS_LOG_LEVEL` | from serverless.yml (`provider.environment`, stage `local`) | as deployed |
| `POWERTOOLS_TRACE_DISABLED` | `true` | no X-Ray locally |
| `POWERTOOLS_METRICS_DISABLED` | `true` | no EMF metric lines on the console |
| `DIANCAN_PUMP_RETRY_SECONDS` | `1` | a failed SQS message comes back after this × its receive count |

Extension points for the other integrations: add a ``SimulatorMount`` to ``SIMULATORS`` (its ``setting``
is the product's base-URL variable, e.g. ``WECHATPAY_API_BASE``) and the keys both sides need to
``generate_secrets``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from local.infra import StackResources
from local.simulators import dada as dada_sim
from local.simulators import feieyun, wechat, wxpay
from local.simulators.wxpay_crypto import generate_keys

logger = logging.getLogger(__name__)

DEFAULT_STACK_NAME = "diancan-local"
DEFAULT_REGION = "us-east-1"
SECRET_OVERRIDE_PREFIX = "DIANCAN_SECRET_"
SIMULATOR_ONLY = "_simulator_only"
RESOURCE_VARIABLES = ("DIANCAN_TABLE", "DIANCAN_BUS", "DIANCAN_REPORTS_BUCKET", "DIANCAN_ANCHOR_BUCKET",
                      "DIANCAN_PICTURES_BUCKET",
                      "DIANCAN_ALERT_TOPIC_ARN")

WsgiApp = Callable[..., Any]
LOCAL_READY_TEMPLATE = {  # as an operator would copy it from the WeChat admin (订阅消息 → 我的模板 → 详情)
    "template_id": "rDyLocalTemplate-OrderReady-0000000000000000",
    "fields": {"pickup_no": "character_string1", "store": "thing2", "dishes": "thing3", "time": "time4",
               "note": "thing5"},
    "page": "pages/index/index",
    "state": "developer",
}
LOCAL_NOTICE_TEMPLATES = {  # the other status messages, one template each (domain/guest_notices.py KINDS)
    "ACCEPTED": {"template_id": "rDyLocalTemplate-OrderAccepted-00000000000000", "page": "pages/index/index",
                 "state": "developer", "fields": {"store": "thing1", "status": "phrase2", "eta": "time3",
                                                  "dishes": "thing4", "note": "thing5"}},
    "DELIVERING": {"template_id": "rDyLocalTemplate-OrderDelivering-000000000000", "page": "pages/index/index",
                   "state": "developer", "fields": {"store": "thing1", "status": "phrase2", "time": "time3",
                                                    "dishes": "thing4", "note": "thing5"}},
    "DELIVERED": {"template_id": "rDyLocalTemplate-OrderDelivered-0000000000000", "page": "pages/index/index",
                  "state": "developer", "fields": {"store": "thing1", "status": "phrase2", "time": "time3",
                                                   "dishes": "thing4"}},
    "REFUNDED": {"template_id": "rDyLocalTemplate-OrderRefunded-00000000000000", "page": "pages/index/index",
                 "state": "developer", "fields": {"order_no": "character_string1", "amount": "amount2",
                                                  "time": "time3", "note": "thing4"}},
}


@dataclass(frozen=True)
class SimulatorMount:
    """A simulator served at ``/sim/<name>``; ``build(secrets)`` returns (state object, WSGI app)."""

    name: str
    build: Callable[[dict[str, dict[str, Any]]], tuple[Any, WsgiApp]]
    setting: str | None = None  # the product's base-URL variable pointed at the mount
    dev_pages: tuple[tuple[str, str], ...] = ()  # (title, path under the mount) for /dev/


def _build_wechat(shared: dict[str, dict[str, Any]]) -> tuple[Any, WsgiApp]:
    """The mini-program of the ``wechat`` secret, with the subscribe template its ``ready_template`` names
    (picked in the WeChat admin, so WeChat knows its keys)."""
    given = [shared["wechat"].get("ready_template") or {}, *(shared["wechat"].get("notice_templates") or {}).values()]
    templates = {t["template_id"]: frozenset(t["fields"].values()) for t in given if t}
    sim = wechat.WeChatSimulator(appid=shared["wechat"]["appid"], secret=shared["wechat"]["app_secret"],
                                 templates=templates)
    return sim, wechat.create_app(sim)


def _build_feieyun(shared: dict[str, dict[str, Any]]) -> tuple[Any, WsgiApp]:
    """The demo printers (local/demo_stations.py uses their serials), bound to the ``feieyun`` secret's user."""
    user, ukey = shared["feieyun"]["user"], shared["feieyun"]["ukey"]
    printers = [feieyun.SimPrinter(p["sn"], user, p["name"], p["columns"])
                for p in feieyun.demo_simulator().state()["printers"]]
    sim = feieyun.FeieyunSimulator({user: ukey}, printers)
    return sim, feieyun.create_app(sim)


def _build_wxpay(shared: dict[str, dict[str, Any]]) -> tuple[Any, WsgiApp]:
    """WeChat Pay's side: its platform private key (never a product secret) and the merchant it knows."""
    product, own = shared["wxpay"], shared[SIMULATOR_ONLY]["wxpay"]
    merchant = wxpay.Merchant(product["mchid"], frozenset({shared["wechat"]["appid"]}), own["merchant_public_key"],
                              product["merchant_cert_serial"], product["apiv3_key"])
    sim = wxpay.WxPaySimulator(platform_private_key_pem=own["platform_private_key"],
                               public_key_id=product["platform_public_key_id"], merchants=[merchant])
    return sim, wxpay.create_app(sim)


def _build_dada(shared: dict[str, dict[str, Any]]) -> tuple[Any, WsgiApp]:
    """Dada's side: the app key and secret of the ``dada`` secret, and the demo stores' shops."""
    from local.demo_delivery import DADA_SHOPS

    dada = shared["dada"]
    sim = dada_sim.DadaSimulator(app_key=dada["app_key"], app_secret=dada["app_secret"], source_id=dada["source_id"],
                                 shops=dict(DADA_SHOPS), step_seconds=5.0)
    return sim, dada_sim.create_app(sim)


SIMULATORS: list[SimulatorMount] = [
    SimulatorMount(
        "wechat",
        _build_wechat,
        setting="WECHAT_API_BASE",
        dev_pages=(("WeChat login calls", "/_control/state"), ("WeChat subscribe messages", "/messages")),
    ),
    SimulatorMount("wxpay", _build_wxpay, setting="WECHATPAY_API_BASE",
                   dev_pages=(("WeChat Pay transactions", "/_control/state"),)),
    SimulatorMount("feieyun", _build_feieyun, setting="FEIEYUN_API_BASE",
                   dev_pages=(("Printer paper rolls", "/rolls"), ("Printer queues", "/_control/state"))),
    SimulatorMount("dada", _build_dada, setting="DADA_API_BASE", dev_pages=(("Riders", "/riders"),)),
]


def generate_secrets() -> dict[str, dict[str, Any]]:
    """Fresh values of every secret the product reads (``<prefix>/<name>``), shared with the simulators.

    ``app``: ``token_secret`` (signs guest tokens) and ``pii_key`` (base64 of a 32-byte AES-256 key).
    ``wechat``: the mini-program ``appid`` (stable, so test openids are stable) and its ``app_secret``;
    ``ready_template`` (optional): the "order ready" subscribe template, its id and which of its keys carries
    the pickup number, store, dishes, time and note (domain/guest_notices.py ``NoticeTemplate``);
    ``notice_templates`` (optional): the other status messages' templates by kind (ACCEPTED, DELIVERING, DELIVERED, REFUNDED).
    ``feieyun``: the printer account ``user`` and its ``ukey`` (those of the simulator's demo account).
    ``wxpay``: merchant id, API private key and serial, APIv3 key, WeChat Pay public key and its id.
    ``dada``: the Dada developer ``app_key``/``app_secret``, merchant ``source_id``, default ``shop_no``, and
    ``callback_secret`` (ours alone: it signs the per-order token in the callback URL).
    ``SIMULATOR_ONLY``: keys of the outside services' own side (WeChat Pay's platform private key); they
    build the simulators and are never written to Secrets Manager.
    """
    pay = generate_keys()
    return {
        "wxpay": {
            "mchid": "1900000109", "merchant_private_key": pay.merchant_private_pem,
            "merchant_cert_serial": secrets.token_hex(20).upper(), "apiv3_key": pay.apiv3_key,
            "platform_public_key": pay.platform_public_pem,
            "platform_public_key_id": "PUB_KEY_ID_" + secrets.token_hex(16).upper(),
        },
        SIMULATOR_ONLY: {"wxpay": {"platform_private_key": pay.platform_private_pem,
                                   "merchant_public_key": pay.merchant_public_pem}},
        "app": {
            "token_secret": secrets.token_urlsafe(48),
            "pii_key": base64.b64encode(secrets.token_bytes(32)).decode(),
        },
        "wechat": {
            "appid": "wx" + hashlib.sha256(b"diancan-local-miniprogram").hexdigest()[:16],
            "app_secret": secrets.token_hex(16),
            "ready_template": LOCAL_READY_TEMPLATE,
            "notice_templates": LOCAL_NOTICE_TEMPLATES,
        },
        "feieyun": {"user": "demo@diancan.local", "ukey": "DEMOUKEY0000000000000001"},
        "dada": {"app_key": "dada" + secrets.token_hex(8), "app_secret": secrets.token_hex(16), "source_id": "73753",
                 "shop_no": "11047059", "callback_secret": secrets.token_urlsafe(32)},
    }


def resolve_secrets(environ: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    """Generated secrets, each replaced by ``DIANCAN_SECRET_<NAME>`` (a JSON object) when that is set."""
    values = generate_secrets()
    for variable, raw in environ.items():
        if not variable.startswith(SECRET_OVERRIDE_PREFIX):
            continue
        name = variable.removeprefix(SECRET_OVERRIDE_PREFIX).lower()
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as error:
            raise ValueError(f"{variable} must hold a JSON object: {error}") from error
        if not isinstance(value, dict):
            raise ValueError(f"{variable} must hold a JSON object")
        values[name] = value
    return values


@dataclass
class World:
    """The secrets, the simulators (state objects and apps) and what /dev/ links to."""

    secrets: dict[str, dict[str, Any]]

    @property
    def product_secrets(self) -> dict[str, dict[str, Any]]:
        """What goes to Secrets Manager: everything but the outside services' own keys."""
        return {name: value for name, value in self.secrets.items() if name != SIMULATOR_ONLY}

    simulators: dict[str, Any] = field(default_factory=dict)
    apps: dict[str, WsgiApp] = field(default_factory=dict)
    settings: dict[str, str] = field(default_factory=dict)  # product base-URL variable -> mount name
    dev_links: list[tuple[str, str]] = field(default_factory=list)


def build_world(environ: Mapping[str, str]) -> World:
    """Resolve the secrets first, then build every simulator from them, so both sides agree."""
    world = World(secrets=resolve_secrets(environ))
    for mount in SIMULATORS:
        world.simulators[mount.name], world.apps[mount.name] = mount.build(world.secrets)
        if mount.setting:
            world.settings[mount.setting] = mount.name
        world.dev_links.extend((title, f"/sim/{mount.name}{path}") for title, path in mount.dev_pages)
    return world


def function_environment(
    world: World,
    resources: StackResources,
    *,
    gateway_url: str,
    aws_endpoint_url: str,
    from_serverless: Mapping[str, str],
    environ: Mapping[str, str],
) -> dict[str, str]:
    """The process environment the functions run with: local defaults, then whatever ``environ`` overrides."""
    defaults = {
        **from_serverless,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_SECURITY_TOKEN": "testing",
        "AWS_REGION": resources.region,
        "AWS_DEFAULT_REGION": resources.region,
        "AWS_ENDPOINT_URL": aws_endpoint_url,
        "DIANCAN_TABLE": resources.table_name,
        "DIANCAN_BUS": resources.bus_name,
        "DIANCAN_REPORTS_BUCKET": resources.bucket_name,
        "DIANCAN_PICTURES_BUCKET": resources.pictures_bucket_name,
        "DIANCAN_ANCHOR_BUCKET": resources.anchor_bucket_name,
        "DIANCAN_ALERT_TOPIC_ARN": resources.alert_topic_arn,
        "DIANCAN_SECRET_PREFIX": resources.secret_prefix,
        "DIANCAN_PUBLIC_BASE_URL": gateway_url,
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_DISABLED": "true",
        # One shared moto server answers every function at once, far slower under load than DynamoDB: the
        # deployed budgets (settings, sized for a 10 s Lambda) would time out the local bench and e2e runs.
        "DIANCAN_AWS_READ_TIMEOUT_SECONDS": "15",
        "DIANCAN_AWS_MAX_ATTEMPTS": "3",
        **{setting: f"{gateway_url}/sim/{name}" for setting, name in world.settings.items()},
    }
    overridden = {key: environ[key] for key in defaults if key in environ}
    for key in overridden.keys() & set(RESOURCE_VARIABLES):
        logger.warning("resource variable overridden from the environment", extra={"variable": key})
    return {**defaults, **overridden}
