"""The local stack as a whole: up, wired to moto and the simulators, and honest about its functions."""

from __future__ import annotations

import json
import os

import boto3
import pytest
import requests

pytestmark = pytest.mark.e2e


def test_health_is_ok_once_started(local_stack):
    assert requests.get(f"{local_stack.base_url}/health", timeout=5).json() == {"status": "ok"}


def test_the_functions_read_the_stack_they_run_in_from_the_environment(local_stack):
    resources = local_stack.resources
    assert os.environ["DIANCAN_TABLE"] == resources.table_name == "diancan-local-main"
    assert os.environ["DIANCAN_BUS"] == resources.bus_name == "diancan-local-bus"
    assert os.environ["DIANCAN_SECRET_PREFIX"] == "diancan/diancan-local"
    assert os.environ["AWS_ENDPOINT_URL"] == local_stack.aws_endpoint_url
    assert os.environ["DIANCAN_PUBLIC_BASE_URL"] == local_stack.base_url
    assert os.environ["WECHAT_API_BASE"] == f"{local_stack.base_url}/sim/wechat"
    assert os.environ["POWERTOOLS_TRACE_DISABLED"] == "true"


def test_the_product_and_the_wechat_simulator_share_the_mini_program_secret(local_stack):
    secrets = boto3.client(
        "secretsmanager", region_name="us-east-1", endpoint_url=local_stack.aws_endpoint_url
    )
    wechat = json.loads(secrets.get_secret_value(SecretId="diancan/diancan-local/wechat")["SecretString"])
    answer = requests.get(
        f"{local_stack.base_url}/sim/wechat/sns/jscode2session",
        timeout=5,
        params={
            "appid": wechat["appid"],
            "secret": wechat["app_secret"],
            "js_code": "test-stack-check",
            "grant_type": "authorization_code",
        },
    ).json()
    assert answer["openid"].startswith("o")
    assert local_stack.simulators["wechat"].appid == wechat["appid"]


def test_every_url_function_of_serverless_yml_answers_or_says_why_not(local_stack):
    for name in ("auth", "menu", "place_order", "orders"):
        answer = requests.get(f"{local_stack.base_url}/{name}/", timeout=10)
        assert "no function URL" not in answer.text  # routed to the function (which may 404 on "/")
        if answer.status_code == 503:
            assert answer.json()["code"] == "FUNCTION_UNAVAILABLE"


def test_an_unknown_function_is_404(local_stack):
    answer = requests.get(f"{local_stack.base_url}/nobody/", timeout=5)
    assert answer.status_code == 404 and answer.json()["code"] == "NOT_FOUND"


def test_the_developer_page_shows_functions_simulators_and_queues_with_dead_letters(local_stack):
    page = requests.get(f"{local_stack.base_url}/dev/", timeout=5).text
    assert "href='/auth/'" in page and "/sim/wechat/_control/state" in page
    assert "StockQueue" in page and "StockDLQ" in page


def test_drain_returns_when_nothing_is_queued(local_stack):
    local_stack.pump.drain(timeout=10)


def test_a_guest_logs_in_through_the_gateway_the_auth_function_and_the_wechat_simulator(local_stack):
    answer = requests.post(
        f"{local_stack.base_url}/auth/login", json={"code": "test-stack-login"}, timeout=10
    )
    assert answer.status_code == 200, answer.text
    calls = local_stack.simulators["wechat"].state()["calls"]
    assert {"js_code": "test-stack-login", "errcode": 0} in [
        {"js_code": c["js_code"], "errcode": c["errcode"]} for c in calls
    ]
