"""A review picture on the local stack: the guest asks the orders function for an upload form, POSTs the
picture to the local stack's S3 (the moto server) with it as wx.uploadFile would, reviews a completed order
with the key, and the dish page shows it at a presigned GET that returns the same bytes."""

from __future__ import annotations

import uuid

import pytest
import requests

from local.demo import Client, Journey, pay_for

pytestmark = pytest.mark.e2e
STORE = "sh-jingan"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8


def _staff(base_url: str) -> Client:
    client = Client(f"{base_url}/admin")
    status, session = client.call("POST", "/api/session", {"login": "boss", "password": "boss-demo-2026"})
    assert status == 200, session
    client.token = session["token"]
    return client


def test_a_picture_goes_through_the_presigned_post_into_the_local_s3_and_shows_with_the_review(local_stack):
    journey = Journey(local_stack.base_url)
    name = f"pictures-{uuid.uuid4().hex[:6]}"
    guest = journey.guest(name)
    status, form = guest.call("POST", "/orders/review-pictures", {"content_type": "image/png", "size": len(PNG)})
    assert status == 200, form
    assert form["url"].startswith(local_stack.aws_endpoint_url)  # the local stack's S3, path-style
    sent = requests.post(form["url"], data=form["fields"], files={form["file_field"]: ("p.png", PNG, "image/png")},
                         timeout=30)
    assert sent.status_code == 204, sent.text

    order = pay_for(journey, name, [{"dish_id": "d-cola", "qty": 1}])
    journey.wait_for("the payment", lambda: guest.call("GET", f"/orders/orders/{order['order_id']}")[1]
                     .get("status") in ("PAID", "PREPARING"), timeout=60)
    staff = _staff(local_stack.base_url)
    for move in ("accept", "ready", "complete"):
        status, answer = staff.call("POST", f"/s/{STORE}/orders/{order['order_id']}/{move}", {})
        assert status == 200, (move, answer)
    status, review = guest.call("POST", f"/orders/orders/{order['order_id']}/review",
                                {"dishes": [{"dish_id": "d-cola", "stars": 5}], "text": "有图", "pictures": [form["key"]]})
    assert status == 201, review

    status, dish = Client(local_stack.base_url).call("GET", f"/menu/stores/{STORE}/dishes/d-cola")
    assert status == 200
    shown = next(r for r in dish["reviews"] if r["text"] == "有图")["pictures"][0]
    assert requests.get(shown, timeout=30).content == PNG
