"""Review pictures against moto: the guest asks where to upload, uploads straight to S3 with the
presigned POST, and the review accepts only keys the guest uploaded; the dish page shows them through presigned
GET URLs. moto accepts a presigned POST without enforcing its policy (S3 does), so the server's own check of
type and size at review time is what these tests hold."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
import requests

from tests.conftest import http_call
from tests.handlers.test_reviews import STORE, completed_order, dish, review

pytestmark = pytest.mark.handlers
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 2000 + b"\xff\xd9"


def ask(token: str, body: dict) -> tuple[int, dict]:
    return http_call("orders", "orders/post_review_picture", body=body, headers={"authorization": f"Bearer {token}"})


def upload(token: str, data: bytes = JPEG, content_type: str = "image/jpeg") -> str:
    """What the mini-program does: ask, then wx.uploadFile to the form (the file last, as ``file``)."""
    status, form = ask(token, {"content_type": content_type, "size": len(data)})
    assert status == 200, form
    sent = requests.post(form["url"], data=form["fields"], files={form["file_field"]: ("p", data, content_type)},
                         timeout=10)
    assert sent.status_code in (200, 201, 204), sent.text
    return form["key"]


def test_an_upload_form_is_a_short_presigned_post_under_the_guests_own_prefix(demo_chain, guest_token):
    status, form = ask(guest_token("stock"), {"content_type": "image/png", "size": 1000})
    _, other = ask(guest_token("mallory"), {"content_type": "image/png", "size": 1000})
    assert status == 200 and form["key"].startswith("reviews/") and form["key"].endswith(".png")
    assert form["key"].split("/")[1] != other["key"].split("/")[1]  # each guest has a prefix of their own
    assert "openid" not in form["key"]
    assert form["fields"]["key"] == form["key"] and form["fields"]["Content-Type"] == "image/png"
    assert {"policy", "x-amz-signature"} <= form["fields"].keys() and form["expires_in"] <= 300
    assert form["max_bytes"] == 5 * 1024 * 1024


@pytest.mark.parametrize("body", [{"content_type": "image/gif", "size": 10}, {"content_type": "image/jpeg",
                                  "size": 5 * 1024 * 1024 + 1}, {"content_type": "image/jpeg", "size": 0},
                                  {"content_type": "image/jpeg"}])
def test_an_upload_of_another_kind_or_size_is_refused(demo_chain, guest_token, body):
    status, error = ask(guest_token("stock"), body)
    assert (status, error["code"]) == (400, "INVALID_REQUEST")


def test_an_uploaded_picture_goes_with_the_review_and_the_dish_page_shows_it_signed(demo_chain, guest_token):
    from diancan import bootstrap

    token = guest_token("stock")
    key = upload(token)
    order = completed_order([{"dish_id": "d-hongshao", "qty": 1}])
    status, answer = review(token, order.order_id, {"dishes": [{"dish_id": "d-hongshao", "stars": 5}],
                                                    "text": "有图", "pictures": [key]})
    assert status == 201, answer
    assert answer["pictures"] == [key] and urlsplit(answer["picture_urls"][0]).path.endswith(key)
    [shown] = dish("d-hongshao")["reviews"]
    url = shown["pictures"][0]
    assert urlsplit(url).path.endswith(key) and ("Signature" in url or "X-Amz-Signature" in url)
    assert requests.get(url, timeout=10).content == JPEG  # the signed URL opens the picture
    assert bootstrap.review_table().newest(STORE, "d-hongshao", 1)[0].pictures == [key]  # the key is stored


def test_a_review_refuses_pictures_the_guest_did_not_upload_and_writes_nothing(demo_chain, guest_token):
    token = guest_token("stock")
    theirs = upload(guest_token("mallory"))
    mine = upload(token)
    never = mine.rsplit("/", 1)[0] + "/" + "0" * 32 + ".jpg"
    order = completed_order([{"dish_id": "d-hongshao", "qty": 1}])
    for pictures, code in (([theirs], "INVALID_PICTURE"), ([never], "PICTURE_NOT_UPLOADED"),
                           ([mine, mine], "INVALID_PICTURE"), (["https://img.example.com/a.jpg"], "INVALID_REQUEST")):
        status, error = review(token, order.order_id, {"dishes": [{"dish_id": "d-hongshao", "stars": 5}],
                                                       "pictures": pictures})
        assert (status, error["code"]) == (400, code), pictures
    assert dish("d-hongshao")["rating_count"] == 0


def test_a_file_that_is_not_an_allowed_image_is_refused_at_review_time(demo_chain, guest_token):
    """S3 enforces the POST's policy (type and size); moto does not, and a policy can be misconfigured: the
    review checks what is stored."""
    token = guest_token("stock")
    status, form = ask(token, {"content_type": "image/jpeg", "size": 10})
    fields = {**form["fields"], "Content-Type": "text/html"}
    requests.post(form["url"], data=fields, files={"file": ("p", b"<script>", "text/html")}, timeout=10)
    order = completed_order([{"dish_id": "d-hongshao", "qty": 1}])
    status, error = review(token, order.order_id, {"dishes": [{"dish_id": "d-hongshao", "stars": 5}],
                                                   "pictures": [form["key"]]})
    assert (status, error["code"]) == (400, "PICTURE_NOT_UPLOADED")
