"""The mini-program's base URL(s) from a stage's outputs (tools/endpoints.py), for both front doors."""

from __future__ import annotations

import json

import boto3
import moto
import pytest

from local.functions import load_functions
from tests.deploy.conftest import TEMPLATE_NAME
from tools import endpoints

pytestmark = pytest.mark.handlers

HTTP_FUNCTIONS = sorted(name for name, spec in load_functions().items() if spec.has_url)
MINI_PROGRAM_FUNCTIONS = {"auth", "menu", "place_order", "orders", "tables"}  # miniprogram/src/config.js


def test_the_function_url_outputs_are_named_as_serverless_names_them(template):
    for name in HTTP_FUNCTIONS:
        assert endpoints.output_key(name) in template["Outputs"], name


def test_an_http_api_stage_gives_config_js_its_one_base(packaged_stages, capsys):
    path = packaged_stages("prod-cn") / TEMPLATE_NAME
    found = endpoints.from_outputs(endpoints.template_outputs(path))
    assert (found.front, found.base) == ("http_api", "https://api.diancan.example.cn/v1")
    assert found.functions["menu"] == "https://api.diancan.example.cn/v1/menu"
    assert MINI_PROGRAM_FUNCTIONS <= set(found.functions) == set(HTTP_FUNCTIONS)
    assert endpoints.main(["--template", str(path), "--env", "production"]) == 0
    assert capsys.readouterr().out == "  production: { base: 'https://api.diancan.example.cn/v1' },\n"


def test_a_function_url_stage_gives_one_url_per_function_and_no_config_base(capsys):
    urls = {name: f"https://{name.replace('_', '')}0123456789.lambda-url.ap-east-1.on.aws/" for name in HTTP_FUNCTIONS}
    template = {"Resources": {"AlertTopic": {"Type": "AWS::SNS::Topic"}},
                "Outputs": {endpoints.output_key(name): {"Value": url} for name, url in urls.items()}}
    with moto.mock_aws():
        boto3.client("cloudformation", region_name="us-east-1").create_stack(
            StackName="diancan-dev", TemplateBody=json.dumps(template))
        assert endpoints.main(["--stack", "diancan-dev", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["front"] == "function_url" and printed["base"] is None
    assert printed["functions"] == {name: url.rstrip("/") for name, url in urls.items()}
    with pytest.raises(SystemExit, match="httpFront: http_api"):
        endpoints.config_line("production", endpoints.from_outputs({endpoints.output_key("menu"): urls["menu"]}))
