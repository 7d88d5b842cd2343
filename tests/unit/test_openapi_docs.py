"""The API reference in docs/openapi/ is generated from the handlers and must match them."""

from __future__ import annotations

import pytest

from local.openapi import API_MD, OUT, api_markdown, documents, render

pytestmark = pytest.mark.unit


def test_every_http_function_has_a_current_openapi_document():
    current = documents()
    assert {"auth", "menu", "place_order", "orders", "pay_notify"} <= current.keys()
    for name, document in current.items():
        path = OUT / f"{name}.json"
        assert path.exists(), f"run `python -m local.openapi` to write {path.name}"
        assert path.read_text(encoding="utf-8") == render(document), f"{path.name} is stale: run python -m local.openapi"
    assert API_MD.read_text(encoding="utf-8") == api_markdown(current), "docs/api.md is stale: python -m local.openapi"


def test_documents_declare_the_error_format_and_typed_bodies():
    place_order = documents()["place_order"]
    body = place_order["paths"]["/orders"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body["$ref"].endswith("/OrderRequest")
    assert "Error" in place_order["components"]["schemas"]
