"""One way to read a request body: routes declare ``Annotated[Model, Body()]`` and the shared resolver
answers every bad body in the one error format; only the signed callbacks read the raw bytes (they verify
the signature first)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated

import pytest
from aws_lambda_powertools.event_handler.openapi.params import Body
from pydantic import BaseModel, Field

from diancan.http import make_resolver

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[2]
RAW_BODY_READERS = {"pay_notify", "courier_callback"}  # signed: the raw bytes are verified before parsing


class Line(BaseModel):
    qty: int = Field(ge=0, le=99)


app = make_resolver()


@app.post("/lines")
def add(line: Annotated[Line, Body()]) -> dict:
    return line.model_dump()


@app.post("/choices")
def choose(line: Annotated[Line | None, Body()] = None) -> dict:
    return {"qty": line.qty if line else None}


def _post(body: str | None, path: str = "/lines", content_type: str = "application/json") -> tuple[int, dict]:
    event = {"version": "2.0", "rawPath": path, "rawQueryString": "",
             "headers": {"host": "x", "content-type": content_type},
             "requestContext": {"http": {"method": "POST", "path": path, "sourceIp": "203.0.113.1"},
                                "requestId": "r-1", "stage": "$default"},
             "body": body, "isBase64Encoded": False}
    answer = app.resolve(event, None)
    return answer["statusCode"], json.loads(answer["body"])


@pytest.mark.parametrize("body", [None, "", "null", "[1]", "7", '"qty"', "{"])
def test_no_body_or_json_that_is_no_object_is_malformed_json(body):
    status, error = _post(body)
    assert (status, error["code"]) == (400, "MALFORMED_JSON")
    assert error["message"] == "请求格式错误" and error["message_en"]


@pytest.mark.parametrize(("body", "problem"), [('{"qty": 100}', "less than or equal to 99"),
                                                ('{"qty": "a"}', "valid integer"), ("{}", "Field required")])
def test_a_wrong_field_is_invalid_request_naming_the_field(body, problem):
    status, error = _post(body)
    assert (status, error["code"]) == (400, "INVALID_REQUEST")
    [found] = error["details"]["errors"]
    assert found["field"] == "qty" and problem in found["problem"]


def test_a_valid_body_reaches_the_route():
    assert _post('{"qty": 3}') == (200, {"qty": 3})


def test_a_body_that_may_be_left_out_is_none_when_it_is():
    assert _post("", "/choices") == (200, {"qty": None})
    assert _post('{"qty": 2}', "/choices") == (200, {"qty": 2})


@pytest.mark.parametrize("path", ["/lines", "/choices"])
def test_an_empty_body_declared_as_multipart_without_a_boundary_is_a_415_not_a_500(path):
    status, error = _post("", path, "multipart/form-data")
    assert (status, error["code"]) == (415, "UNSUPPORTED_MEDIA_TYPE")


def test_no_handler_but_the_signed_callbacks_reads_the_raw_body():
    readers = {path.parent.name for path in (ROOT / "functions").glob("*/handler.py")
               if re.search(r"decoded_body|json_body|json\.loads|parse_body|\.body\b", path.read_text(encoding="utf-8"))}
    assert readers == RAW_BODY_READERS
