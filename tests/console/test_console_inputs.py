"""Numbers staff type into console forms: ASCII digits only, as the guest API reads them. '²' passes
``str.isdigit()`` and crashes ``int()``; '١٢' and '１２' pass both and would be stored as 12; a few thousand
digits crash ``int()``. Each is a 400 in the error format, and nothing is written."""

from __future__ import annotations

import pytest

from tests.console.conftest import BASE, login

pytestmark = pytest.mark.handlers

OWN = "sh-jingan"
TYPED = ["²", "١٢", "9" * 5000]
FIELDS = [  # (path, JSON body with {n} for the number, code)
    (f"/s/{OWN}/stock/rice/count", {"counted": "{n}"}, "INVALID_COUNT"),
    (f"/s/{OWN}/stock/rice/restock", {"units": "{n}"}, "INVALID_COUNT"),
    (f"/s/{OWN}/menu/dishes/d-cola/price", {"price_fen": "{n}"}, "INVALID_AMOUNT"),
    (f"/s/{OWN}/menu/dishes/d-cola/price", {"price_yuan": "{n}.5"}, "INVALID_AMOUNT"),
    (f"/s/{OWN}/menu/dishes/d-cola/portions", {"portions_left": "{n}"}, "INVALID_PORTIONS"),
    (f"/s/{OWN}/orders/T1/delivery/cancel", {"reason_id": "{n}"}, "INVALID_REASON"),
    (f"/s/{OWN}/orders/T1/delivery/own", {"rider_name": "王", "rider_phone": "1391234567{n}"}, "INVALID_RIDER"),
]


@pytest.fixture
def manager(make_app):
    client = make_app().test_client()
    return client, login(client, "jingan")


@pytest.mark.parametrize("typed", TYPED, ids=["superscript", "arabic-indic", "5000 digits"])
@pytest.mark.parametrize(("path", "body", "code"), FIELDS, ids=[f"{p.rsplit('/', 1)[-1]}:{c}" for p, _, c in FIELDS])
def test_a_number_typed_with_non_ascii_digits_is_a_400_and_changes_nothing(manager, console, path, body, code, typed):
    client, csrf = manager
    before = console.repository.load_menu(OWN).dishes
    sent = {k: v.format(n=typed) for k, v in body.items()}
    answer = client.post(path, json=sent, headers={"X-CSRF-Token": csrf}, base_url=BASE)
    assert answer.status_code == 400, answer.get_data(as_text=True)[:300]
    assert answer.get_json()["code"] == code and answer.get_json()["message_en"]
    assert console.repository.load_menu(OWN).dishes == before


def test_a_form_number_in_ascii_digits_still_saves(manager, console):
    client, csrf = manager
    answer = client.post(f"/s/{OWN}/menu/dishes/d-cola/portions", json={"portions_left": " 12 "},
                         headers={"X-CSRF-Token": csrf}, base_url=BASE)
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    assert next(d for d in console.repository.load_menu(OWN).dishes if d.dish_id == "d-cola").portions_left == 12


def test_a_script_gets_flasks_own_refusals_in_the_error_format_and_a_browser_the_page(manager):
    client, csrf = manager
    fetch = {"X-Requested-With": "fetch", "X-CSRF-Token": csrf}
    missing = client.get(f"/s/{OWN}/no-such-page", headers=fetch, base_url=BASE)
    wrong_method = client.delete(f"/s/{OWN}/orders", headers=fetch, base_url=BASE)
    page = client.get(f"/s/{OWN}/no-such-page", base_url=BASE)
    assert (missing.status_code, missing.get_json()["code"]) == (404, "NOT_FOUND")
    assert set(missing.get_json()) == {"code", "message", "message_en"}
    assert (wrong_method.status_code, wrong_method.get_json()["code"]) == (405, "METHOD_NOT_ALLOWED")
    assert page.status_code == 404 and page.mimetype == "text/html"


@pytest.mark.parametrize("raw", ["[" * 20_000 + "]" * 20_000, '{"counted": ' + "7" * 5000 + "}",
                                 '{"counted": "\\ud800"}'], ids=["nested 20,000 deep", "5000-digit integer",
                                                                 "unpaired surrogate"])
def test_a_json_body_the_parser_trips_on_is_a_400_in_the_console_too(manager, raw):
    client, csrf = manager
    answer = client.post(f"/s/{OWN}/stock/rice/count", data=raw, content_type="application/json",
                         headers={"X-CSRF-Token": csrf}, base_url=BASE)
    assert (answer.status_code, answer.get_json()["code"]) == (400, "MALFORMED_JSON"), answer.get_data(as_text=True)[:300]


def test_option_groups_typed_as_json_too_deep_are_a_400(manager, console):
    client, csrf = manager
    answer = client.post(f"/s/{OWN}/menu/dishes/d-cola/details", data={"option_groups": "[" * 20_000 + "]" * 20_000,
                                                                       "csrf_token": csrf},
                         headers={"X-Requested-With": "fetch"}, base_url=BASE)
    assert (answer.status_code, answer.get_json()["code"]) == (400, "MALFORMED_JSON"), answer.get_data(as_text=True)[:300]
