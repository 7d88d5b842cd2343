"""The table restore (tools/restore.py) rehearsed against moto: a stack created from the packaged template,
an order in its table, a restore into a new table that holds it with TTL and point-in-time recovery on
again; and the stage re-pointed through the RestoredTableName stack parameter (the update call as sent, and
the template evaluated under it: every function's DIANCAN_TABLE and every table grant move)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import boto3
import moto
import pytest
from botocore.stub import Stubber

from tests.conftest import TEST_STACK
from tests.deploy.cfn import ACCOUNT, Evaluator
from tests.deploy.test_iam import FUNCTIONS, grants
from tests.deploy.test_stack import _for_moto, _of_type
from tools import restore

pytestmark = pytest.mark.handlers

STACK = "diancan-dev"
REGION = "us-east-1"


@pytest.fixture
def deployed(template, monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with moto.mock_aws():
        cfn = boto3.client("cloudformation", region_name=REGION)
        cfn.create_stack(StackName=STACK, TemplateBody=json.dumps(_for_moto(template)),
                         Capabilities=["CAPABILITY_NAMED_IAM"])
        assert cfn.describe_stacks(StackName=STACK)["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"
        yield cfn, boto3.client("dynamodb", region_name=REGION)


def _environment(function: str) -> dict:
    configuration = boto3.client("lambda", region_name=REGION).get_function(FunctionName=f"{STACK}-{function}")
    return configuration["Configuration"]["Environment"]["Variables"]


def test_the_stage_uses_its_own_table_until_it_is_pointed_elsewhere(deployed):
    cfn, _ = deployed
    assert restore.current_table(cfn, STACK) == f"{STACK}-main"
    assert _environment("menu")["DIANCAN_TABLE"] == f"{STACK}-main"


def test_a_restore_makes_a_new_table_with_the_data_ttl_and_pitr(deployed):
    cfn, dynamodb = deployed
    item = {"PK": {"S": "ORDER#261204101500ABCDEF01"}, "SK": {"S": "ORDER"}, "total_fen": {"N": "3800"}}
    dynamodb.put_item(TableName=f"{STACK}-main", Item=item)
    target = restore.default_target(STACK, datetime(2026, 12, 4, 3, 0, tzinfo=UTC))
    assert target == f"{STACK}-main-r202612040300"
    done = restore.restore(dynamodb, restore.current_table(cfn, STACK), target, wait_seconds=60)
    assert (done.source, done.target) == (f"{STACK}-main", target)
    table = dynamodb.describe_table(TableName=target)["Table"]
    assert table["TableStatus"] == "ACTIVE"
    assert {i["IndexName"] for i in table["GlobalSecondaryIndexes"]} == {"GSI1", "GSI2"}
    assert dynamodb.get_item(TableName=target, Key={"PK": item["PK"], "SK": item["SK"]})["Item"] == item
    ttl = dynamodb.describe_time_to_live(TableName=target)["TimeToLiveDescription"]
    assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == ("ENABLED", "expires_at")
    backups = dynamodb.describe_continuous_backups(TableName=target)["ContinuousBackupsDescription"]
    assert backups["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"


def test_a_backup_restores_into_a_new_table_too(deployed):
    _cfn, dynamodb = deployed
    dynamodb.put_item(TableName=f"{STACK}-main", Item={"PK": {"S": "STORE#sh-jingan"}, "SK": {"S": "PROFILE"}})
    backup = dynamodb.create_backup(TableName=f"{STACK}-main", BackupName="before-migration")["BackupDetails"]
    restore.restore(dynamodb, f"{STACK}-main", f"{STACK}-main-b1", backup_arn=backup["BackupArn"], wait_seconds=60)
    assert dynamodb.get_item(TableName=f"{STACK}-main-b1",
                             Key={"PK": {"S": "STORE#sh-jingan"}, "SK": {"S": "PROFILE"}}).get("Item")


def test_repoint_updates_the_deployed_stack_with_the_parameter_and_its_own_template():
    """moto's CloudFormation cannot update functions that have layers, so the call is checked as sent."""
    cfn = boto3.client("cloudformation", region_name=REGION)
    with Stubber(cfn) as stub:
        stub.add_response("describe_stacks", {"Stacks": [{
            "StackName": STACK, "CreationTime": datetime(2026, 12, 1, tzinfo=UTC), "StackStatus": "UPDATE_COMPLETE",
            "Parameters": [{"ParameterKey": "RestoredTableName", "ParameterValue": ""},
                           {"ParameterKey": "Other", "ParameterValue": "x"}]}]}, {"StackName": STACK})
        stub.add_response("update_stack", {"StackId": "id"}, {
            "StackName": STACK, "UsePreviousTemplate": True,
            "Parameters": [{"ParameterKey": "Other", "UsePreviousValue": True},
                           {"ParameterKey": "RestoredTableName", "ParameterValue": f"{STACK}-main-r1"}],
            "Capabilities": ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"]})
        restore.repoint(cfn, STACK, f"{STACK}-main-r1")
        stub.assert_no_pending_responses()


def test_under_the_parameter_every_function_and_every_table_grant_use_the_restored_table(template):
    target = f"{TEST_STACK}-main-r1"
    repointed = {**template, "Parameters": {**template["Parameters"],
                                            "RestoredTableName": {"Type": "String", "Default": target}}}
    before, after = Evaluator(template, TEST_STACK), Evaluator(repointed, TEST_STACK)
    for function in _of_type(template, "AWS::Lambda::Function").values():
        variables = function["Properties"]["Environment"]["Variables"]
        assert before(variables["DIANCAN_TABLE"]) == f"{TEST_STACK}-main"
        assert after(variables["DIANCAN_TABLE"]) == target
    table_arn = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/"
    for function in FUNCTIONS:
        tables = {g.resource for g in grants(repointed, function) if g.action.startswith("dynamodb:")}
        assert all(r.startswith(table_arn + target) for r in tables), (function, tables)
        assert tables == {r.replace(f"table/{TEST_STACK}-main", f"table/{target}")
                          for r in (g.resource for g in grants(template, function) if g.action.startswith("dynamodb:"))}
