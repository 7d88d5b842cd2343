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


@pytest.fixture(scope="module")
def template() -> dict:
    """What infra/*.yml define: the expectations below are read from it, so a new queue or secret needs no edit."""
    return compose_template()


def _of_type(template: dict, resource_type: str) -> dict[str, dict]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == resource_type}


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


def test_every_queue_has_its_dead_letter_queue_with_max_receive_count(created, template):
    consumer_queues = {k: v for k, v in _of_type(template, "AWS::SQS::Queue").items() if "RedrivePolicy" in v["Properties"]}
    assert consumer_queues, "infra defines no consumer queue"
    assert created.dlq_of == {k: v["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
                              for k, v in consumer_queues.items()}
    assert set(created.queue_urls) == set(created.queue_arns) == set(_of_type(template, "AWS::SQS::Queue"))
    assert set(created.queue_urls) == set(created.dlq_of) | set(created.dlq_of.values())
    for queue, spec in consumer_queues.items():
        attributes = _client("sqs").get_queue_attributes(
            QueueUrl=created.queue_urls[queue], AttributeNames=["RedrivePolicy", "VisibilityTimeout"]
        )["Attributes"]
        assert json.loads(attributes["RedrivePolicy"]) == {
            "deadLetterTargetArn": created.queue_arns[created.dlq_of[queue]],
            "maxReceiveCount": spec["Properties"]["RedrivePolicy"]["maxReceiveCount"],
        }
        assert attributes["VisibilityTimeout"] == str(spec["Properties"]["VisibilityTimeout"])


def _routed_to(template: dict, detail_type: str) -> set[str]:
    """The queues whose rule's pattern names the detail type (on source and type; a detail filter is tested below)."""
    return {target["Arn"]["Fn::GetAtt"][0] for rule in _of_type(template, "AWS::Events::Rule").values()
            if detail_type in rule["Properties"]["EventPattern"]["detail-type"]
            and "diancan.orders" in rule["Properties"]["EventPattern"]["source"]
            for target in rule["Properties"]["Targets"]}


def test_the_rules_route_domain_events_from_the_bus_to_the_consumer_queues(created, template):
    assert set(created.rule_names) == set(_of_type(template, "AWS::Events::Rule"))
    assert created.bus_name == f"{STACK}-bus"
    expected = _routed_to(template, "OrderCancelled")
    assert {"StockQueue", "PrintQueue"} <= expected  # stock comes back; a printed order gets its cancel tickets
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
        for queue in created.dlq_of
    }
    assert depths == {queue: int(queue in expected) for queue in created.dlq_of}


def _depths(created) -> dict[str, int]:
    return {queue: int(_client("sqs").get_queue_attributes(
        QueueUrl=created.queue_urls[queue], AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]["ApproximateNumberOfMessages"]) for queue in created.dlq_of}


def test_only_a_delivery_orders_payment_reaches_the_courier_queue(created):
    """OrderPaid is every order's; courier_dispatch skips a non-delivery one, so delivering it there is a Lambda
    invocation and three SQS requests an order that buy nothing (docs/performance.md, cost per 1,000 orders)."""
    def paid(mode: str) -> None:
        _client("events").put_events(Entries=[{
            "EventBusName": created.bus_name, "Source": "diancan.orders", "DetailType": "OrderPaid",
            "Detail": json.dumps({"order_id": f"o-{mode}", "store_id": "s1", "mode": mode})}])

    for mode in ("takeout", "dine_in"):
        paid(mode)
    after_others = _depths(created)
    assert after_others["CourierQueue"] == 0
    assert after_others["StockQueue"] == after_others["PrintQueue"] == after_others["LoyaltyQueue"] == 2
    paid("delivery")
    assert _depths(created)["CourierQueue"] == 1
    _client("events").put_events(Entries=[{  # the store's other triggers still reach it (no mode in them)
        "EventBusName": created.bus_name, "Source": "diancan.orders", "DetailType": "OrderAccepted",
        "Detail": json.dumps({"order_id": "o-takeout", "store_id": "s1"})}])
    assert _depths(created)["CourierQueue"] == 2


def test_the_bucket_and_the_alert_topic_exist(created):
    assert created.bucket_name == f"{STACK}-reports-123456789012"
    _client("s3").head_bucket(Bucket=created.bucket_name)
    assert created.alert_topic_arn in [t["TopicArn"] for t in _client("sns").list_topics()["Topics"]]


def test_the_secrets_cloudformation_skips_are_created_and_put_secrets_fills_them(created, template):
    names = {s["Properties"]["Name"]["Fn::Sub"].rsplit("/", 1)[-1]
             for s in _of_type(template, "AWS::SecretsManager::Secret").values()}
    assert {"app", "wechat", "wxpay"} <= names
    assert created.secret_names == {name: f"diancan/{STACK}/{name}" for name in names}
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
