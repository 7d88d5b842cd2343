"""The template `serverless package` generates is valid enough for moto's CloudFormation to create, and
the stack holds every table, queue, rule, layer and function serverless.yml and infra/ describe."""

from __future__ import annotations

import json

import boto3
import moto
import pytest

from local.functions import load_functions
from local.infra import SKIPPED_BY_MOTO

pytestmark = pytest.mark.handlers

STACK = "diancan-dev"


def _of_type(template: dict, resource_type: str) -> dict[str, dict]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == resource_type}


def _for_moto(template: dict) -> dict:
    """The template without what moto skips, the resources that point at those (the HTTP API's invoke
    permissions), and the outputs that point at either."""
    skipped = {k for k, v in template["Resources"].items() if v["Type"] in SKIPPED_BY_MOTO}
    skipped |= {k for k, v in template["Resources"].items()
                if v["Type"] == "AWS::Lambda::Permission" and any(f'"{s}"' in json.dumps(v) for s in skipped)}
    outputs = {k: v for k, v in template.get("Outputs", {}).items()
               if not any(f'"{logical_id}"' in json.dumps(v) for logical_id in skipped)}
    resources = {k: v for k, v in template["Resources"].items() if k not in skipped}
    return {**template, "Resources": resources, "Outputs": outputs}


@pytest.fixture(scope="module")
def stack(template):
    """The created stack's resources by logical id, inside a live moto account."""
    with moto.mock_aws():
        cfn = boto3.client("cloudformation", region_name="us-east-1")
        cfn.create_stack(StackName=STACK, TemplateBody=json.dumps(_for_moto(template)),
                         Capabilities=["CAPABILITY_NAMED_IAM"])
        status = cfn.describe_stacks(StackName=STACK)["Stacks"][0]
        assert status["StackStatus"] == "CREATE_COMPLETE", status.get("StackStatusReason")
        yield {r["LogicalResourceId"]: r for r in cfn.describe_stack_resources(StackName=STACK)["StackResources"]}


def test_the_table_exists_with_its_indexes_ttl_and_point_in_time_recovery(template, stack):
    dynamodb = boto3.client("dynamodb", region_name="us-east-1")
    for logical_id, resource in _of_type(template, "AWS::DynamoDB::Table").items():
        table = dynamodb.describe_table(TableName=stack[logical_id]["PhysicalResourceId"])["Table"]
        assert {i["IndexName"] for i in table["GlobalSecondaryIndexes"]} == {"GSI1", "GSI2"}
        properties = resource["Properties"]  # moto's CloudFormation does not apply these two
        assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
        assert properties["TimeToLiveSpecification"]["Enabled"] is True


def test_every_queue_exists_and_every_consumer_queue_has_a_dead_letter_queue(template, stack):
    sqs = boto3.client("sqs", region_name="us-east-1")
    queues = _of_type(template, "AWS::SQS::Queue")
    dead_letter = {q["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
                   for q in queues.values() if "RedrivePolicy" in q["Properties"]}
    for logical_id in queues:
        url = stack[logical_id]["PhysicalResourceId"]
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        assert logical_id in dead_letter or "RedrivePolicy" in attributes, f"{logical_id} has no dead-letter queue"


def test_every_rule_exists_on_the_bus(template, stack):
    events = boto3.client("events", region_name="us-east-1")
    rules = _of_type(template, "AWS::Events::Rule")
    names = {r["Name"] for r in events.list_rules(EventBusName=f"{STACK}-bus")["Rules"]}
    names |= {r["Name"] for r in events.list_rules()["Rules"]}  # schedules live on the default bus
    for logical_id in rules:
        assert stack[logical_id]["PhysicalResourceId"].rsplit("|", 1)[-1].rsplit("/", 1)[-1] in names


def test_every_function_of_serverless_yml_exists_with_its_handler_and_own_role(template, stack):
    lambda_client = boto3.client("lambda", region_name="us-east-1")
    for name, spec in load_functions().items():
        configuration = lambda_client.get_function(FunctionName=f"{STACK}-{name}")["Configuration"]
        assert configuration["Handler"] == f"functions/{name}/handler.{spec.handler_attr}"
        assert configuration["Runtime"] == "python3.13"
        assert f"-{name}-" in configuration["Role"], f"{name} runs with a shared role"
    for function in _of_type(template, "AWS::Lambda::Function").values():  # moto does not keep tracing
        assert function["Properties"]["TracingConfig"] == {"Mode": "Active"}


def test_every_function_gets_both_layers_log_retention_and_powertools_settings(template):
    layers = set(_of_type(template, "AWS::Lambda::LayerVersion"))
    assert {"DepsLambdaLayer", "SharedLambdaLayer"} <= layers
    retention = {g["Properties"]["LogGroupName"]: g["Properties"].get("RetentionInDays")
                 for g in _of_type(template, "AWS::Logs::LogGroup").values()}
    for function in _of_type(template, "AWS::Lambda::Function").values():
        properties = function["Properties"]
        assert {"Ref": "DepsLambdaLayer"} in properties["Layers"], properties["FunctionName"]
        assert {"Ref": "SharedLambdaLayer"} in properties["Layers"], properties["FunctionName"]
        assert retention[f"/aws/lambda/{properties['FunctionName']}"]
        variables = properties["Environment"]["Variables"]
        assert {"POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE", "POWERTOOLS_LOG_LEVEL"} <= set(variables)


def test_every_function_is_traced_and_guest_facing_ones_skip_the_xray_sdk(template):
    """Active tracing everywhere; the functions a guest waits on run without the SDK's cold-start cost."""
    guest_facing = {"auth", "menu", "place_order", "orders", "tables", "pay_notify"}
    for function in _of_type(template, "AWS::Lambda::Function").values():
        properties = function["Properties"]
        assert properties["TracingConfig"] == {"Mode": "Active"}, properties["FunctionName"]
        sdk_off = properties["Environment"]["Variables"].get("POWERTOOLS_TRACE_DISABLED") == "true"
        assert sdk_off == (properties["FunctionName"].split("-")[-1] in guest_facing), properties["FunctionName"]


def test_alarms_watch_every_function_every_dead_letter_queue_and_place_order_latency(template):
    alarms = _of_type(template, "AWS::CloudWatch::Alarm")
    functions = _of_type(template, "AWS::Lambda::Function")
    for logical_id in functions:
        base = logical_id.removesuffix("LambdaFunction")
        assert {f"{base}ErrorRateAlarm", f"{base}ThrottlesAlarm"} <= set(alarms)
    for queue in _of_type(template, "AWS::SQS::Queue").values():
        if "RedrivePolicy" in queue["Properties"]:
            dlq = queue["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
            assert f"{dlq}NotEmptyAlarm" in alarms
    assert "PlaceUnderscoreorderLatencyP99Alarm" in alarms
    if "PayUnderscorenotifyLambdaFunction" in functions:
        assert "PayUnderscorenotifyLatencyP99Alarm" in alarms
    assert all(a["Properties"]["AlarmActions"] == [{"Ref": "AlertTopic"}] for a in alarms.values())


def test_wechat_credential_failures_alarm_in_every_function_that_takes_an_access_token(template):
    alarms = _of_type(template, "AWS::CloudWatch::Alarm")
    for function in ("Orders", "GuestUnderscorenotify", "Admin"):
        properties = alarms[f"{function}WeChatCredentialsRejectedAlarm"]["Properties"]
        assert (properties["Namespace"], properties["MetricName"], properties["Threshold"]) == (
            "diancan", "WeChatCredentialsRejected", 0)


def test_the_template_holds_no_secret_value(template):
    for secret in _of_type(template, "AWS::SecretsManager::Secret").values():
        assert "SecretString" not in secret["Properties"]


def test_every_bucket_keeps_old_versions(template):
    """Reports (and the deployment bucket) are versioned: an overwritten or deleted object can be restored
    (moto's CloudFormation does not apply VersioningConfiguration, so the template is what is checked)."""
    buckets = _of_type(template, "AWS::S3::Bucket")
    assert {"ReportBucket", "ServerlessDeploymentBucket"} <= set(buckets)
    for logical_id, bucket in buckets.items():
        assert bucket["Properties"].get("VersioningConfiguration") == {"Status": "Enabled"}, logical_id
    rules = buckets["ReportBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    assert any(rule.get("NoncurrentVersionExpiration") for rule in rules), "old versions must not be kept forever"


def test_the_anchor_bucket_locks_every_version_and_no_one_may_delete(template, stack):
    """Each day's chain checkpoint (docs/operations.md, "Tamper evidence"): Object Lock in compliance mode with the
    stage's retention, a policy that denies deletes and lock changes to everyone; only report_build (the nightly
    anchor) and the console (closing a day) may put, and only put."""
    bucket = _of_type(template, "AWS::S3::Bucket")["AnchorBucket"]
    properties = bucket["Properties"]
    assert properties["ObjectLockEnabled"] is True and bucket["DeletionPolicy"] == "Retain"
    retention = properties["ObjectLockConfiguration"]["Rule"]["DefaultRetention"]
    assert retention["Mode"] == "COMPLIANCE" and int(retention["Days"]) >= 365
    [policy] = [p for p in _of_type(template, "AWS::S3::BucketPolicy").values()
                if p["Properties"]["Bucket"] == {"Ref": "AnchorBucket"}]
    denied = {a for s in policy["Properties"]["PolicyDocument"]["Statement"] if s["Effect"] == "Deny"
              for a in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])}
    assert {"s3:DeleteObject", "s3:DeleteObjectVersion", "s3:PutBucketObjectLockConfiguration"} <= denied
    writers = set()
    for logical_id, role in _of_type(template, "AWS::IAM::Role").items():
        for doc in role["Properties"].get("Policies", []):
            for statement in doc["PolicyDocument"]["Statement"]:
                if "AnchorBucket" in json.dumps(statement["Resource"]):
                    actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
                    assert actions == ["s3:PutObject"], (logical_id, actions)  # never delete, never unlock
                    writers.add(logical_id)
    assert writers == {"AdminIamRoleLambdaExecution", "ReportUnderscorebuildIamRoleLambdaExecution"}
    assert stack["AnchorBucket"]["ResourceType"] == "AWS::S3::Bucket"  # moto's CloudFormation creates it


def test_a_missing_wechat_pay_bill_alarms_from_report_build(template):
    properties = _of_type(template, "AWS::CloudWatch::Alarm")["ReportUnderscorebuildTradeBillMissingAlarm"]["Properties"]
    assert (properties["MetricName"], properties["Threshold"], properties["Period"]) == ("TradeBillMissing", 0, 3600)
