"""Dishes and categories edited in the console: what the guest's next menu read shows and what a quote charges."""

from __future__ import annotations

import pytest

from tests.conftest import http_call
from tests.console.conftest import BASE, login

pytestmark = pytest.mark.handlers

OWN = "sh-jingan"
SIZES = [{"group_id": "size", "name": "份量", "required": True, "max_select": 1,
          "options": [{"option_id": "size-s", "name": "小份"}, {"option_id": "size-l", "name": "大份", "price_fen": 600}]}]


def _post(client, csrf, path, body):
    return client.post(path, json=body, headers={"X-CSRF-Token": csrf}, base_url=BASE)


def _guest_menu() -> dict:
    status, menu = http_call("menu", "menu/get_menu", path=f"/stores/{OWN}/menu")
    assert status == 200
    return menu


def _dishes(menu: dict) -> dict:
    return {d["dish_id"]: d for c in menu["categories"] for d in c["dishes"]}


def test_a_dish_created_with_a_size_group_is_on_the_next_menu_and_quotes_its_large_size(make_app, console):
    client = make_app().test_client()
    csrf = login(client, "jingan")
    created = _post(client, csrf, f"/s/{OWN}/menu/dishes", {
        "dish_id": "d-huiguo", "name": "回锅肉", "category_id": "hot", "price_yuan": "32",
        "description": "酸甜微辣", "images": ["https://img.example.com/huiguo.jpg"], "tags": "招牌, 下饭",
        "allergens": ["soy"], "station_id": "wok", "packing_fee_yuan": "1", "daily_portions": "20",
        "option_groups": SIZES})
    assert created.status_code == 200, created.get_json()

    dish = _dishes(_guest_menu())["d-huiguo"]
    assert (dish["name"], dish["price_fen"], dish["tags"]) == ("回锅肉", 3200, ["招牌", "下饭"])
    assert [o["option_id"] for o in dish["option_groups"][0]["options"]] == ["size-s", "size-l"]
    status, quote = http_call("place_order", "place_order/post_quote", body={
        "store_id": OWN, "mode": "takeout", "items": [{"dish_id": "d-huiguo", "qty": 2, "options": ["size-l"]}]})
    assert status == 200, quote
    assert quote["items_fen"] == 2 * (3200 + 600)
    assert ("menu.dish_create", "d-huiguo") in [(e.action, e.target) for e in console.audit.recent(OWN)]


def test_editing_details_keeps_price_portions_left_and_option_recipes(make_app, console):
    client = make_app().test_client()
    csrf = login(client, "jingan")
    assert _post(client, csrf, f"/s/{OWN}/menu/dishes/d-milktea/recipe",
                 {"option_id": "sugar-full", "recipe": "sugar=15"}).status_code == 200
    milktea = console.repository.get_dish(OWN, "d-milktea")
    groups = [g.model_dump(mode="json") for g in milktea.option_groups]
    for group in groups:
        for option in group["options"]:
            option.pop("recipe")
    assert _post(client, csrf, f"/s/{OWN}/menu/dishes/d-milktea/portions", {"portions_left": 7}).status_code == 200

    edited = _post(client, csrf, f"/s/{OWN}/menu/dishes/d-milktea/details",
                   {"name": "招牌珍珠奶茶", "description": "新配方", "option_groups": groups})

    assert edited.status_code == 200, edited.get_json()
    after = console.repository.get_dish(OWN, "d-milktea")
    assert (after.name, after.price_fen, after.portions_left) == ("招牌珍珠奶茶", milktea.price_fen, 7)
    assert after.group_of("sugar-full")[1].recipe == {"sugar": 15} and after.recipe == milktea.recipe


@pytest.mark.parametrize("body, code", [
    ({"images": ["http://img.example.com/a.jpg"]}, "INVALID_IMAGE"),
    ({"option_groups": [{"group_id": "g", "name": "x", "max_select": 0, "options": []}]}, "INVALID_DISH"),
    ({"packing_fee_fen": "-1"}, "INVALID_AMOUNT"),
])
def test_dish_details_that_the_domain_refuses_change_nothing(make_app, console, body, code):
    client = make_app().test_client()
    csrf = login(client, "jingan")
    answer = _post(client, csrf, f"/s/{OWN}/menu/dishes/d-cola/details", {"name": "新可乐", **body})
    assert answer.status_code == 400 and answer.get_json()["code"] == code
    assert console.repository.get_dish(OWN, "d-cola").name == "可乐"


def test_categories_are_created_renamed_and_reordered_and_the_menu_follows(make_app, console):
    client = make_app().test_client()
    csrf = login(client, "jingan")
    created = _post(client, csrf, f"/s/{OWN}/menu/categories",
                    {"category_id": "soup", "name": "汤", "sort": 60, "station_id": "steam"})
    again = _post(client, csrf, f"/s/{OWN}/menu/categories", {"category_id": "soup", "name": "汤羹", "sort": 1})
    moved = _post(client, csrf, f"/s/{OWN}/menu/categories/soup", {"name": "汤羹", "sort": 5})

    assert (created.status_code, again.status_code, moved.status_code) == (200, 400, 200)
    assert again.get_json()["code"] == "CATEGORY_EXISTS"
    listed = client.get(f"/s/{OWN}/menu/categories", base_url=BASE).get_json()["categories"]
    assert (listed[0]["category_id"], listed[0]["name"], listed[0]["station_id"]) == ("soup", "汤羹", "steam")
    assert sum(c["category_id"] == "soup" for c in listed) == 1
    assert [c.category_id for c in console.repository.load_menu(OWN).categories][:2] == ["soup", "hot"]


def test_english_names_of_dishes_categories_and_option_groups_reach_the_guests_menu_read(make_app, console):
    """Optional English names set in the console come back from the same menu read (no extra call), are
    searchable, and a later edit of other fields keeps them."""
    client = make_app().test_client()
    csrf = login(client, "jingan")
    groups = [{**SIZES[0], "name_en": "Size", "options": [{**SIZES[0]["options"][0], "name_en": "Small"},
                                                         {**SIZES[0]["options"][1], "name_en": "Large"}]}]
    created = _post(client, csrf, f"/s/{OWN}/menu/dishes", {
        "dish_id": "d-huiguo", "name": "回锅肉", "name_en": "Twice-cooked pork", "category_id": "hot",
        "price_yuan": "32", "description": "酸甜微辣", "description_en": "Sweet, sour and a little hot",
        "option_groups": groups})
    assert created.status_code == 200, created.get_json()
    renamed = _post(client, csrf, f"/s/{OWN}/menu/categories/hot", {"name_en": "Hot dishes"})
    assert renamed.status_code == 200, renamed.get_json()
    assert _post(client, csrf, f"/s/{OWN}/menu/dishes/d-huiguo/details", {"tags": "招牌"}).status_code == 200

    menu = _guest_menu()
    hot = next(c for c in menu["categories"] if c["category_id"] == "hot")
    assert (hot["name"], hot["name_en"]) == ("热菜", "Hot dishes")
    dish = _dishes(menu)["d-huiguo"]
    assert (dish["name_en"], dish["description_en"], dish["tags"]) == ("Twice-cooked pork", "Sweet, sour and a little hot", ["招牌"])
    assert dish["option_groups"][0]["name_en"] == "Size"
    assert [o["name_en"] for o in dish["option_groups"][0]["options"]] == ["Small", "Large"]
    from local.demo_data import ENGLISH_DISHES

    assert all(d["name_en"] == ENGLISH_DISHES[d["dish_id"]][0] for d in _dishes(menu).values()
               if d["dish_id"] != "d-huiguo")  # the others keep their own
    status, found = http_call("menu", "menu/get_menu", path=f"/stores/{OWN}/menu", query={"q": "twice"})
    assert status == 200 and [d["dish_id"] for c in found["categories"] for d in c["dishes"]] == ["d-huiguo"]
    page = client.get(f"/s/{OWN}/menu/dishes/d-huiguo", base_url=BASE).get_data(as_text=True)
    assert 'value="Twice-cooked pork"' in page


def test_an_english_name_longer_than_its_limit_is_refused_and_nothing_is_written(make_app, console):
    client = make_app().test_client()
    csrf = login(client, "jingan")
    refused = _post(client, csrf, f"/s/{OWN}/menu/dishes", {
        "dish_id": "d-long", "name": "长名", "name_en": "x" * 81, "category_id": "hot", "price_yuan": "10"})
    assert refused.status_code == 400 and refused.get_json()["code"] == "INVALID_DISH"
    assert refused.get_json()["details"]["fields"] == ["name_en"]
    assert "d-long" not in _dishes(_guest_menu())
