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


def test_every_console_route_is_in_the_committed_admin_document_with_a_summary():
    """A console route added without `python -m local.openapi` (or missing from the generator) fails here,
    read from the committed file, not from the generator."""
    import json

    from local.openapi import SUMMARIES, console_app_rules, openapi_path

    committed = json.loads((OUT / "admin.json").read_text(encoding="utf-8"))["paths"]
    rules = list(console_app_rules())
    missing = [(m, r) for m, r, _, _ in rules if m.lower() not in committed.get(openapi_path(r), {})]
    assert not missing, f"console routes missing from docs/openapi/admin.json: {missing}"
    assert all(op.get("summary") for ops in committed.values() for op in ops.values())
    assert set(SUMMARIES) <= {endpoint for _, _, endpoint, _ in rules}, "SUMMARIES names a route that is gone"


def test_a_console_form_that_mirrors_an_api_route_documents_the_api_body():
    admin = documents()["admin"]["paths"]
    form = admin["/s/{store_id}/setup/stations/{station_id}/retire"]["post"]["requestBody"]["content"]
    assert form["application/json"]["schema"]["$ref"].endswith("/StationRetire")
    assert admin["/s/{store_id}/menu/dishes/{dish_id}/recipe"]["post"]["description"].count("menu.edit")
