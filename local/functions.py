"""The ``functions:`` section of serverless.yml as plain specs: what to load, how each one is triggered."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from local.slsconfig import ServerlessConfig, load_config

logger = logging.getLogger(__name__)

SERVERLESS_DEFAULT_TIMEOUT = 6
SERVERLESS_DEFAULT_MEMORY = 1024
SQS_DEFAULT_BATCH_SIZE = 10


@dataclass(frozen=True)
class FunctionSpec:
    """One Lambda function as the local stack runs it."""

    name: str
    handler_file: Path
    handler_attr: str
    has_url: bool = False
    sqs_sources: tuple[tuple[str, int], ...] = ()  # (queue logical id, batch size)
    schedules: tuple[tuple[str, dict[str, Any] | None], ...] = ()  # (rate/cron expression, input)
    websocket_routes: tuple[str, ...] = ()  # route keys of the WebSocket API ($connect, $disconnect, subscribe)
    timeout: int = SERVERLESS_DEFAULT_TIMEOUT
    memory_size: int = SERVERLESS_DEFAULT_MEMORY
    environment: dict[str, Any] = field(default_factory=dict)  # provider's merged with the function's


def split_handler(handler: str, root: Path) -> tuple[Path, str]:
    """``functions/auth/handler.handler`` → (``<root>/functions/auth/handler.py``, ``"handler"``)."""
    module_path, _, attribute = handler.rpartition(".")
    if not module_path or not attribute:
        raise ValueError(f"handler {handler!r} is not of the form path/to/module.function")
    return root / f"{module_path}.py", attribute


def load_functions(config: ServerlessConfig | None = None) -> dict[str, FunctionSpec]:
    """Every function of serverless.yml, by name."""
    config = config or load_config()
    provider = config.resolve(config.raw.get("provider") or {})
    specs = {}
    for name, raw in (config.raw.get("functions") or {}).items():
        definition = config.resolve(raw)
        handler_file, handler_attr = split_handler(definition["handler"], config.root)
        events = definition.get("events") or []
        specs[name] = FunctionSpec(
            name=name,
            handler_file=handler_file,
            handler_attr=handler_attr,
            has_url=bool(definition.get("url")),
            sqs_sources=tuple(_sqs_source(name, event["sqs"]) for event in events if "sqs" in event),
            schedules=tuple(
                s for event in events if "schedule" in event for s in _schedules(event["schedule"])
            ),
            websocket_routes=tuple(_websocket_route(event["websocket"]) for event in events if "websocket" in event),
            timeout=int(definition.get("timeout") or provider.get("timeout") or SERVERLESS_DEFAULT_TIMEOUT),
            memory_size=int(
                definition.get("memorySize") or provider.get("memorySize") or SERVERLESS_DEFAULT_MEMORY
            ),
            environment={**(provider.get("environment") or {}), **(definition.get("environment") or {})},
        )
    return specs


def static_environment(specs: dict[str, FunctionSpec]) -> dict[str, str]:
    """The environment values that are plain (no CloudFormation reference, no unresolved variable).

    All local functions share one process environment, so a variable that two functions set to different
    values cannot hold for both: the first wins and a warning says so.
    """
    merged: dict[str, str] = {}
    for spec in specs.values():
        for key, value in spec.environment.items():
            if not isinstance(value, str | int | float) or "${" in str(value):
                continue
            if merged.setdefault(key, str(value)) != str(value):
                logger.warning("functions disagree on a variable of the shared env", extra={"variable": key})
    return merged


def _sqs_source(function_name: str, source: Any) -> tuple[str, int]:
    """The queue's logical id (from ``arn: {Fn::GetAtt: [Queue, Arn]}``) and the batch size."""
    settings = source if isinstance(source, dict) and "arn" in source else {"arn": source}
    arn = settings.get("arn")
    get_att = arn.get("Fn::GetAtt") if isinstance(arn, dict) else None
    if isinstance(get_att, str):
        get_att = get_att.split(".", 1)
    if not get_att or len(get_att) != 2 or get_att[1] != "Arn":
        raise ValueError(
            f"function {function_name}: the local stack maps an sqs event to a queue of infra/*.yml only when "
            f"its arn is {{Fn::GetAtt: [<QueueLogicalId>, Arn]}}; got {arn!r}"
        )
    return get_att[0], int(settings.get("batchSize") or SQS_DEFAULT_BATCH_SIZE)


def _websocket_route(source: Any) -> str:
    """``websocket: $connect`` or ``websocket: {route: subscribe, ...}``."""
    return str(source["route"] if isinstance(source, dict) else source)


def websocket_routes(specs: dict[str, FunctionSpec]) -> dict[str, str]:
    """Route key -> the function that serves it."""
    return {route: spec.name for spec in specs.values() for route in spec.websocket_routes}


def _schedules(schedule: Any) -> list[tuple[str, dict[str, Any] | None]]:
    """``schedule: rate(5 minutes)`` or ``schedule: {rate: [cron(...), ...], input: {...}, enabled: false}``."""
    if isinstance(schedule, str):
        return [(schedule, None)]
    if schedule.get("enabled") is False:
        return []
    rates = schedule["rate"] if isinstance(schedule["rate"], list) else [schedule["rate"]]
    return [(rate, schedule.get("input")) for rate in rates]


def layer_python_paths(config: ServerlessConfig | None = None) -> list[Path]:
    """The ``<layer path>/python`` folders Lambda would mount at /opt/python, for ``sys.path``: the layers of
    our own code only. Third-party layers (built by infra/build_layers.sh from a requirements file, as Linux
    wheels for Lambda) stay off the path: locally those packages come from the venv."""
    config = config or load_config()
    layers = config.resolve(config.raw.get("layers") or {})
    paths = [config.root / layer["path"] for layer in layers.values() if "path" in layer]
    return [path / "python" for path in paths if not (path / "requirements.txt").exists() and path.name != "deps"]
