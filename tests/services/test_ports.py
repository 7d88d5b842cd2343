"""The ports hold: services depend on them only, the real adapters and the fakes match them.

Signatures are compared by parameter name, kind (positional, keyword-only, ...) and whether a default
exists, so a renamed, added or removed parameter on either side fails here before a service meets it.
"""

from __future__ import annotations

import ast
import dataclasses
import enum
import importlib
import inspect
import subprocess
import sys
import typing

import pytest

from diancan.services import ports
from tests.services import fakes
from tests.services.port_usage import ROOT, SERVICES, port_uses

pytestmark = pytest.mark.service

PORTS = {name: port for name, port in vars(ports).items()
         if inspect.isclass(port) and getattr(port, "_is_protocol", False) and port.__module__ == ports.__name__}

# The production implementation of each port (module, class); bootstrap wires these.
ADAPTERS = {
    "OrderRepository": ("repository", "Repository"), "PaymentLedger": ("payment_table", "PaymentTable"),
    "Tables": ("seating_table", "SeatingTable"), "Dispatches": ("delivery_table", "DeliveryTable"),
    "PrintJobQueue": ("print_jobs", "PrintJobs"), "StockLedger": ("stock_table", "StockTable"),
    "Marketing": ("marketing_table", "MarketingTable"), "MemberDirectory": ("member_lookup_table", "MemberLookupTable"),
    "WeChatPayClient": ("wechatpay", "WeChatPayGateway"),
    "Courier": ("courier", "DadaCourier"), "Printer": ("printer", "FeieyunPrinter"),
    "PrinterAccount": ("printer", "FeieyunPrinter"), "MiniProgramCodes": ("wechat_codes", "WeChatCodes"),
    "EventPublisher": ("eventbus", "EventBus"), "Activity": ("activity_table", "ActivityTable"),
    "AuditTrail": ("staff_table", "AuditLog"), "DashboardCounters": ("counters", "Counters"),
    "CursorSeal": ("tokens", "CursorSealer"), "DayOrderIndex": ("order_search", "DayOrders"),
    "LoginAttempts": ("login_guard_table", "LoginGuardTable"), "MenuRepository": ("menu_table", "MenuTable"),
    "NoticeLedger": ("notice_table", "NoticeTable"), "Cipher": ("pii", "PiiCipher"),
    "ReviewRepository": ("review_table", "ReviewTable"), "StaffSessions": ("staff_table", "StaffSessionTable"),
    "SetupRepository": ("setup_table", "SetupTable"), "AlertPublisher": ("alerts", "SnsAlerts"),
    "StaffRepository": ("staff_table", "StaffTable"), "ShiftBook": ("shift_table", "ShiftTable"),
    "VoucherChain": ("payment_table", "PaymentTable"), "InvoiceBook": ("invoice_table", "InvoiceTable"),
    "PersonalData": ("personal_data", "PersonalDataTable"), "Erasures": ("erasure_table", "ErasureTable"),
    "DueQueue": ("due_work", "DueWork"),
    "ProfileBook": ("member_profile_table", "MemberProfileTable"),
    "CampaignBook": ("campaign_table", "CampaignTable"),
    "ServiceStateLedger": ("service_state_table", "ServiceStateTable"), "PictureStorage": ("review_pictures", "ReviewPictureFiles"),
    "SubscribeMessages": ("wechat_messages", "WeChatSubscribeMessages"),
    "WeChatLoginClient": ("wechat", "WeChatLogin"), "TokenIssuer": ("tokens", "TokenSigner"),
    "PushConnections": ("push_table", "PushTable"), "PushChannel": ("websocket", "WebSocketConnections"),
    "TokenVerifier": ("tokens", "TokenSigner"),
    "PushTicketVerifier": ("tokens", "PushTickets"),
}

# Names services may still import from diancan.adapters although they are not plain values, and why.
STILL_FROM_ADAPTERS = {
    "BatchRead": "a key and a decoder of a DynamoDB record that rides along in the order's BatchGetItem",
    "keys": "the key of the console's security audit partition and the login-guard keys (adapters/keys.py)",
    "CategoryRecord": "MenuRepository.category still returns the DynamoDB record (menu_admin edits it)",
    "SweepRecord": "PaymentLedger.due/done and DueQueue.due/done still pass the due-work DynamoDB record around",
    "report_prefix": "the S3 key of a report, a naming rule the report adapters share (a pure function)",
}


def members(port: type) -> dict[str, object]:
    """The port's own members (methods, properties, attributes), its Protocol bases' included."""
    found: dict[str, object] = {}
    for base in reversed(port.__mro__):
        if base in (typing.Protocol, typing.Generic, object):
            continue
        found |= {name: None for name in getattr(base, "__annotations__", {})}
        found |= {name: value for name, value in vars(base).items() if not name.startswith("_")}
    return found


def shape(function) -> list[tuple[str, object, bool]]:
    parameters = list(inspect.signature(function).parameters.values())[1:]  # without self
    return [(p.name, p.kind, p.default is not inspect.Parameter.empty) for p in parameters]


def mismatches(port: type, implementation: type, unfaked: frozenset[str] = frozenset()) -> list[str]:
    problems = []
    for name, declared in members(port).items():
        if name in unfaked:
            continue
        if not hasattr(implementation, name) and name not in getattr(implementation, "__annotations__", {}):
            if not (dataclasses.is_dataclass(implementation) and name in implementation.__dataclass_fields__):
                problems.append(f"{name}: missing")
            continue
        actual = inspect.getattr_static(implementation, name, None)
        if isinstance(declared, property):
            if not isinstance(actual, property) and callable(actual):
                problems.append(f"{name}: a property on the port, a method here")
        elif inspect.isfunction(declared):
            if not inspect.isfunction(actual):
                problems.append(f"{name}: a method on the port, not here")
            elif shape(declared) != shape(actual):
                problems.append(f"{name}: {shape(actual)} != port's {shape(declared)}")
    return problems


def test_every_port_has_a_production_adapter_and_the_list_is_complete():
    assert set(ADAPTERS) == set(PORTS)


@pytest.mark.parametrize("name", sorted(ADAPTERS))
def test_each_adapter_matches_its_port(name):
    module, cls = ADAPTERS[name]
    adapter = getattr(importlib.import_module(f"diancan.adapters.{module}"), cls)
    assert mismatches(PORTS[name], adapter) == []


@pytest.mark.parametrize("name", sorted(fakes.FAKES))
def test_each_fake_matches_its_port(name):
    fake, port = fakes.FAKES[name], PORTS[name]
    unfaked = getattr(fake, "UNFAKED", frozenset())
    assert mismatches(port, fake, unfaked) == []
    assert unfaked <= set(members(port)), "UNFAKED names a member the port does not have"
    assert not {n for n in unfaked if hasattr(fake, n)}, "a faked member is still listed in UNFAKED"
    extra = {n for n in vars(fake) if not n.startswith(("_", "given_")) and n not in members(port) and n != "UNFAKED"}
    assert not extra, "a fake's own helpers start with given_ (or the port lacks these)"


def test_services_call_only_what_their_ports_declare():
    uses = port_uses(set(PORTS))
    undeclared = {f"{port}.{member} ({', '.join(sorted(where))})"
                  for port, called in uses.items() for member, where in called.items()
                  if member not in members(PORTS[port])}
    assert uses["OrderRepository"]["get_order"]  # the reading works (a renamed port would find nothing)
    assert not undeclared, "add these to services/ports.py (with the adapter's signature)"


def _imports_from_adapters():
    for path in sorted(SERVICES.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("diancan.adapters"):
                for alias in node.names:
                    yield path.name, node.module, alias.name
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith("diancan.adapters"):
                        yield path.name, alias.name, None


def _is_value(thing) -> bool:
    """A value passed through a port: a dataclass, an enum, a pydantic model or a type alias, no behaviour."""
    if not inspect.isclass(thing):
        return typing.get_origin(thing) is not None or isinstance(thing, typing.TypeAliasType)
    return (dataclasses.is_dataclass(thing) or issubclass(thing, enum.Enum)
            or any(base.__name__ == "BaseModel" for base in thing.__mro__))


def test_services_import_no_adapter_class_and_no_adapter_exception():
    found = list(_imports_from_adapters())
    assert found, "the reading works: services still import value types from adapters"
    wrong = []
    for module_file, module, name in found:
        imported = importlib.import_module(module)
        thing = imported if name is None else getattr(imported, name, None) or importlib.import_module(f"{module}.{name}")
        if (name or module.rsplit(".", 1)[-1]) in STILL_FROM_ADAPTERS:
            continue
        if inspect.isclass(thing) and issubclass(thing, BaseException):
            wrong.append(f"{module_file}: {name} is an exception: catch the one in diancan.domain.exceptions")
        elif not _is_value(thing):
            wrong.append(f"{module_file}: {module}.{name or ''} is not a value: type it with a port")
    assert wrong == []


def test_ports_load_no_adapter_at_run_time():
    tree = ast.parse((SERVICES / "ports.py").read_text(encoding="utf-8"))
    top_level = [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
    assert not [n for n in top_level if getattr(n, "module", "") and n.module.startswith("diancan.adapters")]


def test_the_tier_and_the_services_it_runs_load_no_aws_library():
    """The fakes stand in for DynamoDB, EventBridge, WeChat Pay and Feieyun: no boto3, pynamodb or moto needed."""
    code = ("import sys, tests.services.fakes, tests.services.scene, diancan.services.payments, "
            "diancan.services.printing, diancan.services.kitchen, diancan.services.completion, "
            "diancan.services.ordering, diancan.services.delivery, diancan.services.tables; "
            "print(' '.join(sorted(sys.modules)))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT,
                            env={"PATH": "/usr/bin:/bin", "PYTHONPATH": f"{ROOT / 'layers/shared/python'}:{ROOT}"},
                            ).stdout.split()
    assert "diancan.services.payments" in loaded
    assert not [m for m in loaded if m.split(".")[0] in ("boto3", "botocore", "pynamodb", "moto", "wechatpayv3")
                or m.startswith("diancan.adapters")]
