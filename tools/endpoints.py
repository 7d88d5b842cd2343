"""Where the mini-program (and anyone else) reaches a deployed stage's HTTP functions, from the stack's outputs.

    python -m tools.endpoints --stack diancan-prod-cn                    # deployed: CloudFormation outputs
    python -m tools.endpoints --stack diancan-prod-cn --env production   # ... as the line of its config.js
    python -m tools.endpoints --template .serverless/cloudformation-template-update-stack.json  # offline
    python -m tools.endpoints --stack diancan-dev --json                 # machine-readable

The mini-program's config (miniprogram/src/config.js) has one ``base`` per environment and calls each
function at ``<base>/<function>``: that is the http_api front (output ``HttpApiBaseUrl``, the custom domain
and its base path). The function_url front has no common base, one URL per function (outputs
``<Function>LambdaFunctionUrl``): the per-function map is printed, and such a stage serves the mini-program
only in DevTools with domain checks off (a released mini-program may call registered, ICP-filed domains
only; function URLs do not exist in the China regions at all). docs/operations.md, "The front door".
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import boto3

from local.functions import load_functions


@dataclass(frozen=True)
class Endpoints:
    front: str                 # "http_api" or "function_url"
    base: str | None           # <base>/<function>/... for every function (http_api), None for function URLs
    functions: dict[str, str] = field(default_factory=dict)  # function -> its URL root (no trailing /)


def output_key(function: str) -> str:
    """Serverless' output name of a function's URL: place_order -> PlaceUnderscoreorderLambdaFunctionUrl."""
    normalized = function[:1].upper() + function[1:]
    return normalized.replace("-", "Dash").replace("_", "Underscore") + "LambdaFunctionUrl"


def from_outputs(outputs: dict[str, str]) -> Endpoints:
    """The endpoints of a stage from its outputs (key -> value)."""
    http_functions = sorted(name for name, spec in load_functions().items() if spec.has_url)
    base = outputs.get("HttpApiBaseUrl") or outputs.get("HttpApiEndpoint")
    if base:
        base = base.rstrip("/")
        return Endpoints("http_api", base, {name: f"{base}/{name}" for name in http_functions})
    urls = {name: outputs[output_key(name)].rstrip("/") for name in http_functions if output_key(name) in outputs}
    if not urls:
        raise SystemExit("the stack has neither an HTTP API nor function URL outputs: is it deployed?")
    return Endpoints("function_url", None, urls)


def stack_outputs(stack: str) -> dict[str, str]:
    cfn = boto3.client("cloudformation", endpoint_url=os.environ.get("AWS_ENDPOINT_URL") or None)
    described = cfn.describe_stacks(StackName=stack)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}


def template_outputs(path: Path) -> dict[str, str]:
    """The outputs of a packaged template whose value is known before deploying (the custom domain's URL);
    function URLs and the API's own endpoint exist only once deployed."""
    outputs = json.loads(path.read_text(encoding="utf-8")).get("Outputs", {})
    return {key: output["Value"] for key, output in outputs.items() if isinstance(output.get("Value"), str)}


def config_line(environment: str, endpoints: Endpoints) -> str:
    """The line of config.js's ENVIRONMENTS for this stage."""
    if endpoints.base is None:
        raise SystemExit("a function_url stage has no single base for config.js: deploy the stage with "
                         "httpFront: http_api and a custom domain (see docs/operations.md)")
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", environment):
        raise SystemExit(f"not an environment name: {environment}")
    return f"  {environment}: {{ base: '{endpoints.base}' }},"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.endpoints", description=__doc__.split("\n")[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--stack", help="deployed stack, e.g. diancan-prod-cn (its CloudFormation outputs)")
    source.add_argument("--template", type=Path, help="a packaged template (offline: the custom domain only)")
    parser.add_argument("--env", help="print the config.js line for this environment, e.g. production")
    parser.add_argument("--json", action="store_true", help="print JSON")
    args = parser.parse_args(argv)
    outputs = stack_outputs(args.stack) if args.stack else template_outputs(args.template)
    endpoints = from_outputs(outputs)
    if args.env:
        print(config_line(args.env, endpoints))
    elif args.json:
        print(json.dumps({"front": endpoints.front, "base": endpoints.base, "functions": endpoints.functions},
                         ensure_ascii=False, indent=2))
    else:
        print(f"front: {endpoints.front}")
        print(f"base: {endpoints.base or '(none: one URL per function)'}")
        for name, url in endpoints.functions.items():
            print(f"  {name}: {url}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
