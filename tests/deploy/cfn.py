"""Just enough CloudFormation evaluation to turn the packaged template's IAM resources into ARNs for a
stack name, so the policies can be compared with the calls the functions make under moto."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

ACCOUNT = "123456789012"
REGION = "us-east-1"

# Physical name property and ARN shape of the types the policies point at.
_NAMES = {
    "AWS::DynamoDB::Table": ("TableName", "arn:aws:dynamodb:{region}:{account}:table/{name}"),
    "AWS::SQS::Queue": ("QueueName", "arn:aws:sqs:{region}:{account}:{name}"),
    "AWS::Events::EventBus": ("Name", "arn:aws:events:{region}:{account}:event-bus/{name}"),
    "AWS::SNS::Topic": ("TopicName", "arn:aws:sns:{region}:{account}:{name}"),
    "AWS::S3::Bucket": ("BucketName", "arn:aws:s3:::{name}"),
    "AWS::SecretsManager::Secret": ("Name", "arn:aws:secretsmanager:{region}:{account}:secret:{name}-AbCdEf"),
}
_REF_IS_ARN = {"AWS::SNS::Topic", "AWS::SecretsManager::Secret"}
# Types whose Ref is an id AWS makes up: the id the tests use (TEST_ENV's DIANCAN_PUSH_ENDPOINT names this API).
REF_IDS = {"AWS::ApiGatewayV2::Api": "wsapi12345"}
_SUB = re.compile(r"\$\{([^}!]+)\}")


@dataclass(frozen=True)
class Evaluator:
    template: dict
    stack_name: str

    def __call__(self, node: Any) -> Any:
        if isinstance(node, list):
            return [self(item) for item in node]
        if not isinstance(node, dict):
            return node
        if "Ref" in node:
            return self._ref(node["Ref"])
        if "Fn::GetAtt" in node:
            logical_id, attribute = node["Fn::GetAtt"]
            return self._get_att(logical_id, attribute)
        if "Fn::Join" in node:
            separator, parts = node["Fn::Join"]
            return separator.join(str(self(part)) for part in parts)
        if "Fn::If" in node:
            condition, if_true, if_false = node["Fn::If"]
            return self(if_true) if self.condition(condition) else self(if_false)
        if "Fn::Sub" in node:
            return _SUB.sub(lambda match: str(self._sub_name(match.group(1))), node["Fn::Sub"])
        return {key: self(value) for key, value in node.items()}

    def condition(self, name: str) -> bool:
        """A condition of the template's ``Conditions`` (Fn::Equals / Fn::Not / Fn::And / Fn::Or)."""
        return self._truth(self.template["Conditions"][name])

    def _truth(self, node: dict) -> bool:
        (function, arguments), = node.items()
        if function == "Condition":
            return self.condition(arguments)
        if function == "Fn::Equals":
            return str(self(arguments[0])) == str(self(arguments[1]))
        if function == "Fn::Not":
            return not self._truth(arguments[0])
        if function == "Fn::And":
            return all(self._truth(argument) for argument in arguments)
        if function == "Fn::Or":
            return any(self._truth(argument) for argument in arguments)
        raise ValueError(f"cannot evaluate condition {function}")

    def _pseudo(self, name: str) -> str | None:
        return {"AWS::StackName": self.stack_name, "AWS::Region": REGION, "AWS::AccountId": ACCOUNT,
                "AWS::Partition": "aws"}.get(name)

    def _sub_name(self, name: str) -> str:
        if "." in name:
            return self._get_att(*name.split(".", 1))
        return self._pseudo(name) or self._ref(name)

    def _resource(self, logical_id: str) -> dict:
        return self.template["Resources"][logical_id]

    def _name(self, logical_id: str) -> str:
        resource = self._resource(logical_id)
        return str(self(resource["Properties"][_NAMES[resource["Type"]][0]]))

    def _arn(self, logical_id: str) -> str:
        pattern = _NAMES[self._resource(logical_id)["Type"]][1]
        return pattern.format(region=REGION, account=ACCOUNT, name=self._name(logical_id))

    def _ref(self, name: str) -> str:
        pseudo = self._pseudo(name)
        if pseudo is not None:
            return pseudo
        if name in self.template.get("Parameters", {}):  # as deployed: serverless passes no parameter values
            return str(self.template["Parameters"][name].get("Default", ""))
        kind = self._resource(name)["Type"]
        if kind in REF_IDS:
            return REF_IDS[kind]
        return self._arn(name) if kind in _REF_IS_ARN else self._name(name)

    def _get_att(self, logical_id: str, attribute: str) -> str:
        if attribute == "Arn":
            return self._arn(logical_id)
        if attribute in ("QueueName", "Name"):
            return self._name(logical_id)
        raise ValueError(f"cannot evaluate {logical_id}.{attribute}")
