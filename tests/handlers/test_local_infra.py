"""create_stack makes every resource infra/*.yml defines, through moto's CloudFormation."""

from __future__ import annotations

import json

import boto3
import moto
import pytest

from local.infra import compose_template, create_stack
from local.slsconfig import ServerlessConfig

pytestmark = pytest.mark.handlers

STACK = "diancan-infra"


@pytest.fixture
def created(monkeypatch):
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with moto.mock_aws():
        yield create_stack(STACK)


def _client(service: str):
    return boto3.client(service, region_name="us-east-1")


def test_the_table_has_its_keys_and_both_indexes(created):
    table = _client("dynamodb").describe_table(TableName=created.table_name)["Table"]
    assert created.table_name == f"{STACK}-main"
    assert [k["AttributeName"] for k in table["KeySchema"]] == ["PK", "SK"]
    assert sorted(i["IndexName"] for i in table["GlobalSecondaryIndexes"]) == ["GSI1", "GSI2"]


def test_every_queue_has_its_dead_letter_queue_with_max_receive_count(created):
    assert created.dlq_of == {
        "StockQueue": "StockDLQ",
        "PrintQueue": "PrintDLQ",
        "CourierQueue": "CourierDLQ",
    }
    assert (
        set(created.queue_urls)
        == set(created.queue_arns)
        == set(created.dlq_of) | set(created.dlq_of.values())
    )
    attributes = _client("sqs").get_queue_attributes(
        QueueUrl=created.queue_urls["StockQueue"], AttributeNames=["RedrivePolicy", "VisibilityTimeout"]
    )["Attributes"]
    assert json.loads(attributes["RedrivePolicy"]) == {
        "deadLetterTargetArn": created.queue_arns["StockDLQ"],
        "maxReceiveCount": 5,
    }
    assert attributes["VisibilityTimeout"] == "180"


def test_the_rules_route_domain_events_from_the_bus_to_the_consumer_queues(created):
    assert set(created.rule_names) == {"StockRule", "PrintRule", "CourierRule"}
    assert created.bus_name == f"{STACK}-bus"
    _client("events").put_events(
        Entries=[
            {
                "EventBusName": created.bus_name,
                "Source": "diancan.orders",
                "DetailType": "OrderCancelled",
                "Detail": "{}",
            }
        ]
    )
    depths = {
        queue: int(
            _client("sqs").get_queue_attributes(
                QueueUrl=created.queue_urls[queue], AttributeNames=["ApproximateNumberOfMessages"]
            )["Attributes"]["ApproximateNumberOfMessages"]
        )
        for queue in ("StockQueue", "PrintQueue", "CourierQueue")
    }
    assert depths == {"StockQueue": 1, "PrintQueue": 0, "CourierQueue": 0}


def test_the_bucket_and_the_alert_topic_exist(created):
    assert created.bucket_name == f"{STACK}-reports-123456789012"
    _client("s3").head_bucket(Bucket=created.bucket_name)
    assert created.alert_topic_arn in [t["TopicArn"] for t in _client("sns").list_topics()["Topics"]]


def test_the_secrets_cloudformation_skips_are_created_and_put_secrets_fills_them(created):
    assert created.secret_names == {name: f"diancan/{STACK}/{name}" for name in ("app", "wechat", "wxpay")}
    created.put_secrets({"wechat": {"appid": "wx1"}, "printer": {"key": "k"}})
    created.put_secrets({"wechat": {"appid": "wx2"}})
    secrets = _client("secretsmanager")
    assert json.loads(secrets.get_secret_value(SecretId=f"diancan/{STACK}/wechat")["SecretString"]) == {
        "appid": "wx2"
    }
    assert json.loads(secrets.get_secret_value(SecretId=f"diancan/{STACK}/printer")["SecretString"]) == {
        "key": "k"
    }


def test_entries_it_cannot_resolve_are_skipped_with_a_warning(tmp_path, caplog):
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "topic.yml").write_text(
        "Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n    Properties:\n      TopicName: !Sub '${AWS::StackName}-t'\n"
    )
    (tmp_path / "serverless.yml").write_text(
        "service: x\nresources:\n  - ${file(infra/topic.yml)}\n  - ${file(infra/missing.yml)}\n"
        "  - Resources:\n      Inline:\n        Type: AWS::SQS::Queue\n"
    )
    template = compose_template(ServerlessConfig(tmp_path / "serverless.yml"))
    assert set(template["Resources"]) == {"Topic", "Inline"}
    assert template["Resources"]["Topic"]["Properties"]["TopicName"] == {"Fn::Sub": "${AWS::StackName}-t"}
    assert "cannot resolve" in caplog.text
