"""serverless.yml's functions become specs the local stack can run (handlers, URLs, queues, schedules)."""

from __future__ import annotations

from pathlib import Path

import pytest

from local.functions import layer_python_paths, load_functions, split_handler, static_environment
from local.slsconfig import REPO_ROOT, ServerlessConfig

pytestmark = pytest.mark.unit

EXAMPLE = """
service: shop
provider:
  name: aws
  stage: ${opt:stage, 'dev'}
  timeout: 10
  environment:
    BUS: ${self:service}-${sls:stage}-bus
    TABLE: { Ref: MainTable }
    LEVEL: ${param:logLevel}
params:
  default: { logLevel: INFO }
  local: { logLevel: DEBUG }
layers:
  shared: { path: layers/shared }
functions:
  stock:
    handler: functions/stock/handler.main
    timeout: 30
    environment: { EXTRA: one }
    events:
      - sqs: { arn: { "Fn::GetAtt": [StockQueue, Arn] }, batchSize: 5, functionResponseType: ReportBatchItemFailures }
      - sqs: !GetAtt PrintQueue.Arn
  sweeper:
    handler: functions/sweeper/handler.handler
    events:
      - schedule: rate(5 minutes)
      - schedule: { rate: ["cron(0 2 * * ? *)", "cron(0 3 * * ? *)"], input: { period: daily } }
      - schedule: { rate: rate(1 day), enabled: false }
"""


@pytest.fixture
def example(tmp_path: Path) -> ServerlessConfig:
    (tmp_path / "serverless.yml").write_text(EXAMPLE)
    return ServerlessConfig(tmp_path / "serverless.yml")


def test_the_four_url_functions_of_serverless_yml_are_found():
    specs = load_functions()
    assert {name for name, spec in specs.items() if spec.has_url} >= {"auth", "menu", "place_order", "orders"}
    assert specs["auth"].handler_file == REPO_ROOT / "functions" / "auth" / "handler.py"
    assert specs["auth"].handler_attr == "handler" and specs["auth"].timeout == 10


def test_a_handler_string_splits_into_file_and_attribute():
    assert split_handler("functions/auth/handler.handler", Path("/r")) == (
        Path("/r/functions/auth/handler.py"),
        "handler",
    )
    with pytest.raises(ValueError):
        split_handler("handler", Path("/r"))


def test_sqs_events_name_the_queue_logical_id_and_batch_size(example):
    stock = load_functions(example)["stock"]
    assert stock.sqs_sources == (("StockQueue", 5), ("PrintQueue", 10))
    assert stock.timeout == 30 and not stock.has_url


def test_schedules_keep_their_expression_and_input_and_disabled_ones_are_dropped(example):
    assert load_functions(example)["sweeper"].schedules == (
        ("rate(5 minutes)", None),
        ("cron(0 2 * * ? *)", {"period": "daily"}),
        ("cron(0 3 * * ? *)", {"period": "daily"}),
    )


def test_variables_resolve_for_the_local_stage_and_only_plain_values_reach_the_shared_env(example):
    specs = load_functions(example)
    assert specs["stock"].environment["TABLE"] == {"Ref": "MainTable"}
    assert static_environment(specs) == {"BUS": "shop-local-bus", "LEVEL": "DEBUG", "EXTRA": "one"}


def test_layers_are_put_where_lambda_would_mount_them(example):
    assert layer_python_paths(example) == [example.root / "layers" / "shared" / "python"]


def test_an_sqs_arn_it_cannot_map_to_a_queue_is_refused(tmp_path):
    (tmp_path / "serverless.yml").write_text(
        "service: x\nfunctions:\n  f:\n    handler: f/handler.handler\n    events:\n"
        "      - sqs: arn:aws:sqs:us-east-1:123456789012:elsewhere\n"
    )
    with pytest.raises(ValueError, match="Fn::GetAtt"):
        load_functions(ServerlessConfig(tmp_path / "serverless.yml"))
