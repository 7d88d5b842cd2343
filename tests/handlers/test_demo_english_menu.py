"""The demo menu read returns the English names (no extra DynamoDB call: they are fields of the menu items)."""

from __future__ import annotations

import pytest

from tests.conftest import http_call

pytestmark = pytest.mark.handlers


def test_the_demo_menu_answers_english_names_for_the_english_mode(demo_chain):
    status, menu = http_call("menu", "menu/get_menu", path="/stores/sh-jingan/menu")
    assert status == 200
    by_id = {d["dish_id"]: d for c in menu["categories"] for d in c["dishes"]}
    assert [c["name_en"] for c in menu["categories"]][:2] == ["Hot dishes", "Cold dishes"]
    assert by_id["d-gongbao"]["name_en"] == "Kung pao chicken"
    assert by_id["d-milktea"]["option_groups"][0]["name_en"] == "Size"
    assert by_id["d-milktea"]["option_groups"][0]["options"][1]["name_en"] == "Large"
