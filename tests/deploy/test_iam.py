"""Each function's own role grants the AWS calls its code makes (no AccessDenied at run time) and nothing
it does not use. The calls are recorded while the function answers its sample events under moto; the
grants are read from the packaged template (infra/iam.yml through serverless-iam-roles-per-function)."""

from __future__ import annotations

from fnmatch import fnmatchcase

import pytest

from local.functions import load_functions
from local.slsconfig import load_yaml
from tests.conftest import ROOT, TEST_STACK
from tests.deploy.aws_calls import Need
from tests.deploy.cfn import Evaluator
from tests.deploy.samples import run_samples

pytestmark = pytest.mark.handlers

FUNCTIONS = sorted(load_functions())
# Granted to every role for the runtime (logs, traces) or the event source mapping (polling the trigger
# queue), not for calls of the function's code.
PLATFORM_ACTIONS = {"logs:CreateLogStream", "logs:CreateLogGroup", "logs:PutLogEvents", "xray:PutTraceSegments",
                    "xray:PutTelemetryRecords", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"}


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def grants(template: dict, function: str) -> list[Need]:
    """Every (action, resource pattern) the function's own role allows, with the stack named as in tests."""
    role_id = template["Resources"][_function_logical_id(template, function)]["Properties"]["Role"]["Fn::GetAtt"][0]
    evaluate = Evaluator(template, TEST_STACK)
    statements = [s for policy in template["Resources"][role_id]["Properties"]["Policies"]
                  for s in policy["PolicyDocument"]["Statement"]]
    assert all(s["Effect"] == "Allow" for s in statements)
    return [Need(action, str(resource)) for s in statements for action in _as_list(s["Action"])
            for resource in _as_list(evaluate(s["Resource"]))]


def _function_logical_id(template: dict, function: str) -> str:
    return next(logical_id for logical_id, resource in template["Resources"].items()
                if resource["Type"] == "AWS::Lambda::Function"
                and resource["Properties"]["FunctionName"].endswith(f"-{function}"))


def allows(grant: Need, need: Need) -> bool:
    return fnmatchcase(need.action, grant.action) and fnmatchcase(need.resource, grant.resource)


@pytest.mark.parametrize("function", FUNCTIONS)
def test_the_function_has_a_role_of_its_own(function, template):
    roles = {template["Resources"][_function_logical_id(template, f)]["Properties"]["Role"]["Fn::GetAtt"][0]
             for f in FUNCTIONS}
    assert len(roles) == len(FUNCTIONS), "give every function `iamRoleStatements: ${file(infra/iam.yml):<name>}`"
    assert template["Resources"][_function_logical_id(template, function)]["Properties"]["Role"]["Fn::GetAtt"][0] \
        != "IamRoleLambdaExecution"


@pytest.mark.parametrize("function", FUNCTIONS)
def test_every_call_the_function_makes_is_granted(function, template, demo_chain, monkeypatch, simulators):
    allowed = grants(template, function)
    needs = run_samples(function, demo_chain, monkeypatch, simulators).needs
    missing = sorted({n for n in needs if not any(allows(g, n) for g in allowed)}, key=str)
    assert missing == [], f"add to infra/iam.yml under {function}: {missing}"


def not_reached_by_samples(function: str) -> set[str]:
    """Actions infra/iam.yml declares unreachable from a fixed sample, with the tests that exercise them."""
    exception = (load_yaml(ROOT / "infra" / "iam.yml").get("x-not-reached-by-samples") or {}).get(function)
    if not exception:
        return set()
    assert exception["reason"] and exception["exercised_by"], f"say why and which tests reach {function}'s calls"
    for test_file in exception["exercised_by"]:
        assert (ROOT / test_file).is_file(), f"{test_file} (named for {function} in infra/iam.yml) does not exist"
    return set(exception["actions"])


@pytest.mark.parametrize("function", FUNCTIONS)
def test_every_grant_of_the_function_is_used(function, template, demo_chain, monkeypatch, simulators):
    needs = run_samples(function, demo_chain, monkeypatch, simulators).needs
    excused = not_reached_by_samples(function)
    stale = excused - {g.action for g in grants(template, function)}
    assert not stale, f"infra/iam.yml x-not-reached-by-samples lists {sorted(stale)} for {function}, which it is not granted"
    unused = sorted({g for g in grants(template, function)
                     if g.action not in PLATFORM_ACTIONS | excused and not any(allows(g, n) for n in needs)}, key=str)
    assert unused == [], (f"{function} never used these grants with its sample events: remove them from "
                          f"infra/iam.yml, or add a sample under events/{function}/ that needs them: {unused}")
