"""Run a function's sample events (events/<function>/*.json) the way Lambda would, in a world where they
can succeed: the demo chain in moto, every simulator of the local world serving on loopback with the
same secrets as the product, a guest with a session token and one order of theirs, and then whatever
state a real invocation of that function meets (tests/deploy/sample_setups.py: a paid order, a booked
courier, a table session, a staff session, ...), made through the product's own code.

Sample events use placeholders that are replaced here: ``<token>`` (a guest's bearer token), the sample
order ids below (replaced by the id of the guest's order) and whatever a function's setup names (ids of
its table session, cart line, ...); a setup may also give a sample event fresh fields (a notification
signed at run time)."""

from __future__ import annotations

import contextlib
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field

from local.serve import serving
from local.world import World, build_world
from tests.conftest import ROOT, TEST_SECRETS, FakeContext, handler_of, load_event
from tests.deploy.aws_calls import Need, recorded_needs
from tests.wxpay_fixtures import NotificationReceiver

TOKEN_PLACEHOLDER = "<token>"
SAMPLE_ORDER_IDS = ("261124083000A1B2C3D4", "261124123000A1B2C3D4")
GUEST_OPENID = "openid-sample-guest"


def sample_names(function: str) -> list[str]:
    """``<function>/<file stem>`` of every sample event of the function."""
    return sorted(f"{function}/{path.stem}" for path in (ROOT / "events" / function).glob("*.json"))


@dataclass
class SampleWorld:
    token: str
    order_id: str
    replacements: dict[str, str] = field(default_factory=dict)  # text of the sample events -> this world's
    fields: dict[str, dict] = field(default_factory=dict)  # sample -> event fields it gets (headers merge)

    def event(self, sample: str) -> dict:
        text = json.dumps(load_event(sample), ensure_ascii=False).replace(TOKEN_PLACEHOLDER, self.token)
        for placeholder, value in self.replacements.items():  # first: a setup may give a sample order id its own order
            text = text.replace(placeholder, value)
        for sample_id in SAMPLE_ORDER_IDS:
            text = text.replace(sample_id, self.order_id)
        event = json.loads(text)
        for name, value in self.fields.get(sample, {}).items():
            event[name] = {**event[name], **value} if name == "headers" else value
        return event

    def invoke(self, function: str, sample: str) -> dict:
        """The handler's answer to the prepared sample (the handler raising fails the caller)."""
        return handler_of(function)(self.event(sample), FakeContext())


def answered(event: dict, answer: object) -> bool:
    """An HTTP sample answered below 500, an SQS batch reported per message, anything else returned."""
    if "requestContext" in event and "http" in event["requestContext"]:
        return isinstance(answer, dict) and int(answer["statusCode"]) < 500
    if "Records" in event:
        return isinstance(answer, dict) and "batchItemFailures" in answer
    return True


@dataclass(frozen=True)
class Simulators:
    """The local world's simulators on loopback, and a stand-in for our notify URL that keeps what WeChat Pay
    sends (so a setup hands pay_notify the simulator's own notification, signed at run time)."""

    world: World
    urls: dict[str, str]  # product setting -> base URL
    notifications: NotificationReceiver
    notify_url: str


@contextlib.contextmanager
def served_simulators() -> Iterator[Simulators]:
    """Every simulator of the local world on loopback."""
    world = build_world({})
    world.simulators["feieyun"].print_delay_seconds = 0  # printers print at once: no sample run waits for paper
    receiver = NotificationReceiver()
    with contextlib.ExitStack() as servers:
        urls = {setting: servers.enter_context(serving(world.apps[name])).base_url
                for setting, name in world.settings.items()}
        notify = servers.enter_context(serving(receiver.app()))
        yield Simulators(world, urls, receiver, f"{notify.base_url}/notify")


def reset_simulators(simulators: Simulators) -> None:
    for url in simulators.urls.values():
        _reset(url)
    while not simulators.notifications.arrivals.empty():  # late deliveries of the previous function's run
        simulators.notifications.arrivals.get_nowait()


def _reset(base_url: str) -> None:
    """Forget what the simulator saw (a code used once stays used otherwise); one without the route is left."""
    request = urllib.request.Request(f"{base_url}/_control/reset", data=b"{}", method="POST",
                                     headers={"Content-Type": "application/json"})
    with contextlib.suppress(urllib.error.HTTPError), urllib.request.urlopen(request, timeout=5):
        pass


@contextlib.contextmanager
def sample_world(function: str, aws, monkeypatch, simulators: Simulators) -> Iterator[SampleWorld]:
    """Secrets shared with the simulators, a guest and their order (placed through place_order), then the
    function's own setup."""
    from diancan import bootstrap
    from tests.deploy.sample_setups import SETUPS, Scene

    aws.put_secrets({**TEST_SECRETS, **simulators.world.product_secrets})
    reset_simulators(simulators)
    for setting, url in simulators.urls.items():
        monkeypatch.setenv(setting, url)
    monkeypatch.setenv("DIANCAN_PAY_NOTIFY_URL", simulators.notify_url)
    bootstrap.reset()
    token = bootstrap.token_signer().issue(GUEST_OPENID)
    scene = Scene(SampleWorld(token, order_id=""), simulators, aws)
    scene.base_order = scene.place()
    scene.world.order_id = scene.base_order["order_id"]
    if function in SETUPS:
        SETUPS[function](scene)
    bootstrap.reset()  # each function under test starts like a fresh container
    yield scene.world


@dataclass(frozen=True)
class SampleRun:
    """What running a function's samples twice gave: the second pass is a replay of every event, after the
    simulators forgot the first (so a login is a returning guest's, with a fresh wx.login code)."""

    unanswered: list[str]  # "<sample>: <answer>" for each sample not answered
    needs: list[Need]      # the IAM needs of the AWS calls the function made


_RUNS: dict[str, SampleRun] = {}


def run_samples(function: str, aws, monkeypatch, simulators) -> SampleRun:
    """Run once per process and function (test_samples and test_iam share it)."""
    if function not in _RUNS:
        unanswered = []
        with sample_world(function, aws, monkeypatch, simulators) as world, recorded_needs() as needs:
            for replay in (False, True):
                if replay:
                    reset_simulators(simulators)
                for sample in sample_names(function):
                    answer = world.invoke(function, sample)
                    if not answered(world.event(sample), answer):
                        unanswered.append(f"{sample}: {answer}")
        _RUNS[function] = SampleRun(unanswered, needs)
    return _RUNS[function]
