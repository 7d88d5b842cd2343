"""Every stage packages to a template cfn-lint accepts, and the prod-cn stage (AWS China) has what that
partition allows: the HTTP functions behind one API Gateway HTTP API on a custom domain (no function
URLs there), no X-Ray, every ARN built with the partition, no SMS alerts; moto's CloudFormation creates it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import boto3
import moto
import pytest

from local.functions import load_functions
from local.slsconfig import load_yaml
from tests.conftest import ROOT
from tests.deploy.aws_calls import Need
from tests.deploy.conftest import TEMPLATE_NAME, layers_lock
from tests.deploy.test_iam import FUNCTIONS, grants
from tests.deploy.test_stack import _for_moto, _of_type

pytestmark = pytest.mark.handlers

CN = "prod-cn"
HTTP_FUNCTIONS = sorted(name for name, spec in load_functions().items() if spec.has_url)


def _of_http_api(template: dict, resource_type: str) -> dict[str, dict]:
    """Resources of the HTTP API front only (the WebSocket API of push is an ApiGatewayV2 API too)."""
    return {k: v for k, v in _of_type(template, resource_type).items()
            if v["Properties"].get("ApiId") == {"Ref": "HttpApi"}}


def _params(stage: str) -> dict:
    params = load_yaml(ROOT / "serverless.yml")["params"]
    return {**params["default"], **params.get(stage, {})}


@pytest.fixture(scope="module")
def template_cn(packaged_stages) -> dict:
    return json.loads((packaged_stages(CN) / TEMPLATE_NAME).read_text(encoding="utf-8"))


@pytest.mark.parametrize("stage", ["dev", "prod", CN])
def test_the_stage_packages_offline_and_cfn_lint_finds_nothing(stage, packaged_stages):
    template = packaged_stages(stage) / TEMPLATE_NAME
    # W3005: the per-function role plugin writes DependsOn next to a GetAtt of the same role (harmless).
    done = subprocess.run([str(Path(sys.executable).parent / "cfn-lint"), "--regions", _params(stage)["region"],
                           "--ignore-checks", "W3005", "--", str(template)],
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("stage", ["dev", "prod", CN])
def test_every_function_of_the_stage_gets_every_setting_a_deployment_must_set(stage, packaged_stages):
    from diancan.settings import REQUIRED_VARIABLES

    template = json.loads((packaged_stages(stage) / TEMPLATE_NAME).read_text(encoding="utf-8"))
    functions = _of_type(template, "AWS::Lambda::Function")
    assert len(functions) == len(FUNCTIONS)
    for logical_id, function in functions.items():
        variables = function["Properties"]["Environment"]["Variables"]
        missing = sorted(name for name in set(REQUIRED_VARIABLES) - {"AWS_REGION"}  # Lambda sets the region
                         if variables.get(name) in (None, ""))
        assert missing == [], f"{stage}: {logical_id} lacks {missing}; diancan.settings refuses to start"


def test_prod_cn_builds_every_arn_with_the_partition(template_cn):
    text = json.dumps(template_cn)
    assert "arn:aws:" not in text, "build ARNs with ${AWS::Partition} (arn:aws-cn in China)"
    assert _params(CN)["region"] in ("cn-north-1", "cn-northwest-1")


def test_prod_cn_has_no_function_url_and_one_http_api_route_pair_per_http_function(template_cn):
    resources = template_cn["Resources"]
    assert not _of_type(template_cn, "AWS::Lambda::Url"), "function URLs do not exist in the China regions"
    routes = {r["Properties"]["RouteKey"]: r["Properties"]["Target"] for r in
              _of_http_api(template_cn, "AWS::ApiGatewayV2::Route").values()}
    assert set(routes) == {key for name in HTTP_FUNCTIONS for key in (f"ANY /{name}", f"ANY /{name}/{{proxy+}}")}
    functions = {r["Properties"]["FunctionName"].rsplit("-", 1)[-1]: logical_id
                 for logical_id, r in _of_type(template_cn, "AWS::Lambda::Function").items()}
    for name in HTTP_FUNCTIONS:
        integration_id = routes[f"ANY /{name}/{{proxy+}}"]["Fn::Join"][1][1]["Ref"]
        assert routes[f"ANY /{name}"] == routes[f"ANY /{name}/{{proxy+}}"]
        integration = resources[integration_id]["Properties"]
        assert integration["IntegrationType"] == "AWS_PROXY"
        assert integration["PayloadFormatVersion"] == "2.0"  # the event shape of a function URL
        assert integration["IntegrationUri"] == {"Fn::GetAtt": [functions[name], "Arn"]}
    permissions = [p["Properties"] for p in _of_type(template_cn, "AWS::Lambda::Permission").values()
                   if p["Properties"]["Principal"] == "apigateway.amazonaws.com"
                   and '"HttpApi"' in json.dumps(p["Properties"].get("SourceArn"))]  # not the WebSocket API's
    assert sorted(p["FunctionName"]["Fn::GetAtt"][0] for p in permissions) == sorted(functions[n] for n in HTTP_FUNCTIONS)
    for permission in permissions:  # only this API's routes may invoke
        source = permission["SourceArn"]["Fn::Join"][1]
        assert source[:2] == ["arn:", {"Ref": "AWS::Partition"}] and {"Ref": "HttpApi"} in source


def test_prod_cn_serves_the_api_on_its_custom_domain_under_the_base_path(template_cn):
    params = _params(CN)
    api = template_cn["Resources"]["HttpApi"]["Properties"]
    assert api["ProtocolType"] == "HTTP"
    assert api["DisableExecuteApiEndpoint"] is True  # the ICP-filed domain is the only way in
    (domain,) = _of_type(template_cn, "AWS::ApiGatewayV2::DomainName").values()
    assert domain["Properties"]["DomainName"] == params["httpDomain"]
    assert domain["Properties"]["DomainNameConfigurations"] == [
        {"CertificateArn": params["httpCertificateArn"], "EndpointType": "REGIONAL", "SecurityPolicy": "TLS_1_2"}]
    (mapping,) = _of_type(template_cn, "AWS::ApiGatewayV2::ApiMapping").values()
    assert mapping["Properties"]["ApiMappingKey"] == params["httpBasePath"]
    assert mapping["Properties"]["Stage"] == "$default"
    base_url = f"https://{params['httpDomain']}/{params['httpBasePath']}"
    assert template_cn["Outputs"]["HttpApiBaseUrl"]["Value"] == base_url
    assert api["CorsConfiguration"]["AllowOrigins"] == params["corsOrigins"]
    for function in _of_type(template_cn, "AWS::Lambda::Function").values():
        variables = function["Properties"]["Environment"]["Variables"]
        name = function["Properties"]["FunctionName"].rsplit("-", 1)[-1]
        assert variables.get("DIANCAN_HTTP_BASE_PATH") == (f"/{params['httpBasePath']}" if name in HTTP_FUNCTIONS
                                                           else None)
        if name == "admin":  # the console's links carry the public prefix
            assert variables["DIANCAN_CONSOLE_BASE_PATH"] == f"/{params['httpBasePath']}/admin"
        # WeChat Pay's notify URL and Dada's callback URL are <public base>/<function>/...: the same door
        assert variables["DIANCAN_PUBLIC_BASE_URL"] == base_url


def test_prod_cn_throttles_every_route_and_logs_every_request(template_cn):
    params = _params(CN)
    (stage,) = _of_http_api(template_cn, "AWS::ApiGatewayV2::Stage").values()
    properties = stage["Properties"]
    assert properties["StageName"] == "$default" and properties["AutoDeploy"] is True
    default = params["httpThrottle"]
    assert properties["DefaultRouteSettings"] == {"ThrottlingBurstLimit": default["burst"],
                                                  "ThrottlingRateLimit": default["rate"]}
    for name in HTTP_FUNCTIONS:
        limits = {**default, **params["httpRouteThrottle"].get(name, {})}
        for key in (f"ANY /{name}", f"ANY /{name}/{{proxy+}}"):
            assert properties["RouteSettings"][key] == {"ThrottlingBurstLimit": limits["burst"],
                                                        "ThrottlingRateLimit": limits["rate"]}
    assert properties["RouteSettings"]["ANY /auth/{proxy+}"]["ThrottlingRateLimit"] < default["rate"]
    logs = properties["AccessLogSettings"]
    log_group_id = logs["DestinationArn"]["Fn::GetAtt"][0]
    log_group = template_cn["Resources"][log_group_id]
    assert log_group["Type"] == "AWS::Logs::LogGroup"
    assert log_group["Properties"]["RetentionInDays"] == params["logRetentionDays"]
    fields = json.loads(logs["Format"])
    assert {"requestId", "ip", "routeKey", "status", "latencyMs", "integrationError"} <= set(fields)


def test_prod_cn_has_no_xray_but_complete_logs_and_metrics(template_cn):
    for function in _of_type(template_cn, "AWS::Lambda::Function").values():
        properties = function["Properties"]
        assert properties.get("TracingConfig", {}).get("Mode") != "Active", properties["FunctionName"]
        variables = properties["Environment"]["Variables"]
        assert variables["POWERTOOLS_TRACE_DISABLED"] == "true", properties["FunctionName"]
        assert {"POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE", "POWERTOOLS_LOG_LEVEL"} <= set(variables)
    actions = {action for role in _of_type(template_cn, "AWS::IAM::Role").values()
               for policy in role["Properties"].get("Policies", [])
               for statement in policy["PolicyDocument"]["Statement"]
               for action in (statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]])}
    assert not {a for a in actions if a.startswith("xray:")}, "no X-Ray grant where nothing is traced"
    log_groups = {g["Properties"]["LogGroupName"] for g in _of_type(template_cn, "AWS::Logs::LogGroup").values()}
    for function in _of_type(template_cn, "AWS::Lambda::Function").values():
        assert f"/aws/lambda/{function['Properties']['FunctionName']}" in log_groups
    assert _of_type(template_cn, "AWS::CloudWatch::Alarm"), "the alarms stay"


def test_prod_cn_sends_no_sms(template_cn):
    """SNS SMS does not exist in the China regions: the alerts go by e-mail there."""
    assert _params(CN)["alertPhones"] == []
    protocols = {s["Properties"]["Protocol"] for s in _of_type(template_cn, "AWS::SNS::Subscription").values()}
    assert "sms" not in protocols


@pytest.mark.parametrize("function", FUNCTIONS)
def test_prod_cn_grants_each_function_what_dev_grants_it(function, template, template_cn):
    """Least privilege holds there too: the same grants as the stage test_iam checks call by call
    (X-Ray aside, which prod-cn does not have)."""
    def named(needs):  # the stage's own names (log groups) read as dev's
        return {Need(n.action, n.resource.replace("diancan-prod-cn-", "diancan-dev-")) for n in needs}

    dev = {g for g in grants(template, function) if not g.action.startswith("xray:")}
    assert named(grants(template_cn, function)) == dev


def test_moto_creates_the_prod_cn_stack(template_cn):
    with moto.mock_aws():
        cfn = boto3.client("cloudformation", region_name="cn-north-1")
        cfn.create_stack(StackName="diancan-prod-cn", TemplateBody=json.dumps(_for_moto(template_cn)),
                         Capabilities=["CAPABILITY_NAMED_IAM"])
        status = cfn.describe_stacks(StackName="diancan-prod-cn")["Stacks"][0]
        assert status["StackStatus"] == "CREATE_COMPLETE", status.get("StackStatusReason")
        created = {r["LogicalResourceId"]: r for r in  # (moto lists the e-mail subscription without an id)
                   cfn.describe_stack_resources(StackName="diancan-prod-cn")["StackResources"] if "LogicalResourceId" in r}
        table = boto3.client("dynamodb", region_name="cn-north-1").describe_table(
            TableName=created["MainTable"]["PhysicalResourceId"])["Table"]
        assert table["TableArn"].startswith("arn:aws-cn:dynamodb:cn-north-1:")
        for name in load_functions():
            boto3.client("lambda", region_name="cn-north-1").get_function(FunctionName=f"diancan-prod-cn-{name}")


def _package_dev_with(into: Path, *params: str) -> subprocess.CompletedProcess:
    """``serverless package --stage dev`` with stage params overridden (``--param``), offline."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    with layers_lock():
        return subprocess.run(["npx", "--no-install", "serverless", "package", "--stage", "dev",
                               *[f"--param={p}" for p in params], "--package", str(into)],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False)


def test_the_http_api_front_without_a_domain_serves_on_the_api_endpoint(packaged, tmp_path):
    done = _package_dev_with(tmp_path, "httpFront=http_api")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    template = json.loads((tmp_path / TEMPLATE_NAME).read_text(encoding="utf-8"))
    assert not _of_type(template, "AWS::Lambda::Url") and not _of_type(template, "AWS::ApiGatewayV2::DomainName")
    assert template["Resources"]["HttpApi"]["Properties"]["DisableExecuteApiEndpoint"] is False
    assert template["Outputs"]["HttpApiEndpoint"]["Value"] == {"Fn::GetAtt": ["HttpApi", "ApiEndpoint"]}
    assert len(_of_http_api(template, "AWS::ApiGatewayV2::Route")) == 2 * len(HTTP_FUNCTIONS)
    admin = next(f for f in _of_type(template, "AWS::Lambda::Function").values()
                 if f["Properties"]["FunctionName"].endswith("-admin"))
    assert admin["Properties"]["Environment"]["Variables"]["DIANCAN_CONSOLE_BASE_PATH"] == "/admin"


@pytest.mark.parametrize(("params", "message"), [
    (["httpFront=api_gateway"], "one of function_url, http_api"),
    (["httpFront=http_api", "httpDomain=api.example.cn"], "httpDomain and httpCertificateArn go together"),
])
def test_a_wrong_front_door_setting_stops_packaging_with_a_reason(packaged, tmp_path, params, message):
    done = _package_dev_with(tmp_path, *params)
    assert done.returncode != 0 and message in done.stdout + done.stderr
