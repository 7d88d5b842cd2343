"""Read serverless.yml (and the infra files it includes) the way the Serverless Framework would, enough for
the local stack: CloudFormation short-form tags are accepted and the ``${...}`` variables the project uses
(``self:``, ``sls:stage``, ``opt:``, ``param:``, ``file(...)``) are resolved; anything else stays a string."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
SERVERLESS_YML = REPO_ROOT / "serverless.yml"
LOCAL_STAGE = "local"

_VARIABLE = re.compile(r"\$\{([^${}]+)\}")
_FILE_REFERENCE = re.compile(r"^\$\{file\(([^)]+)\)\}$")


class _CfnLoader(yaml.SafeLoader):
    """A safe loader that turns ``!Ref x`` / ``!GetAtt a.b`` / ``!Sub ...`` into their long forms."""


def _construct_cfn_tag(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> dict[str, Any]:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    if tag_suffix == "Ref":
        return {"Ref": value}
    if tag_suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {f"Fn::{tag_suffix}": value}


_CfnLoader.add_multi_constructor("!", _construct_cfn_tag)


def load_yaml(path: Path) -> Any:
    """Parse one YAML file, tolerating CloudFormation tags and leaving ``${...}`` strings untouched."""
    with path.open(encoding="utf-8") as handle:
        return yaml.load(handle, Loader=_CfnLoader)


def file_reference(value: Any) -> str | None:
    """The relative path of a ``${file(x.yml)}`` entry, or None for anything else."""
    match = _FILE_REFERENCE.match(value) if isinstance(value, str) else None
    return match.group(1).strip() if match else None


class ServerlessConfig:
    """serverless.yml parsed once, with a resolver for the variables of the local stage."""

    def __init__(
        self, path: Path = SERVERLESS_YML, stage: str = LOCAL_STAGE, region: str = "us-east-1"
    ) -> None:
        self.path = path
        self.root = path.parent
        self.raw: dict[str, Any] = load_yaml(path) or {}
        self.stage = stage
        self.region = region
        params = self.raw.get("params") or {}
        self.params: dict[str, Any] = {**(params.get("default") or {}), **(params.get(stage) or {})}

    def resolve(self, value: Any) -> Any:
        """Replace the ``${...}`` variables it knows in strings (recursively); leave the others as they are."""
        if isinstance(value, dict):
            return {key: self.resolve(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if not isinstance(value, str):
            return value
        whole = _VARIABLE.fullmatch(value)
        if whole and isinstance(found := self._value_of(whole.group(1)), dict | list):
            return self.resolve(found)  # `environment: ${self:custom.x}`: the object itself, as Serverless does
        previous = None
        while previous != value:
            previous, value = value, _VARIABLE.sub(self._substitute, value)
        return value

    def _substitute(self, match: re.Match[str]) -> str:
        found = self._value_of(match.group(1))
        return match.group(0) if found is None else str(found)

    def _value_of(self, expression: str) -> Any:
        """The value of one ``${...}`` expression (None when it is not one this resolver knows)."""
        source, _, default = expression.partition(",")
        default = default.strip().strip("'\"")
        kind, _, name = source.strip().partition(":")
        found: Any = None
        if kind == "self":
            found = self._lookup(self.raw, name)
        elif kind == "sls" and name == "stage":
            found = self.stage
        elif kind == "opt":
            found = {"stage": self.stage, "region": self.region}.get(name)
        elif kind == "param":
            found = self.params.get(name)
        if found is None and default:
            found = default
        return found

    @staticmethod
    def _lookup(tree: Any, dotted: str) -> Any:
        for part in dotted.split("."):
            if not isinstance(tree, dict) or part not in tree:
                return None
            tree = tree[part]
        return tree


@lru_cache(maxsize=4)
def load_config(path: Path = SERVERLESS_YML) -> ServerlessConfig:
    """The parsed serverless.yml (cached: the file is read once per process)."""
    return ServerlessConfig(path)
