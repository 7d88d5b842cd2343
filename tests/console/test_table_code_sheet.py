"""The console's QR sheet of a store's tables against the WeChat simulator: WeChat refusing the deployment's
credentials is an upstream failure (503 with its code), not a 400 to the staff member who asked."""

from __future__ import annotations

import pytest

from local.serve import serving
from local.simulators.wechat import WeChatSimulator, create_app
from tests.conftest import TEST_SECRETS
from tests.console.conftest import BASE, login

pytestmark = pytest.mark.handlers


@pytest.fixture
def wechat(monkeypatch):
    """A simulator whose mini-program has the deployed appid; the test sets the secret it accepts."""
    from diancan import bootstrap

    sim = WeChatSimulator(appid=TEST_SECRETS["wechat"]["appid"], secret=TEST_SECRETS["wechat"]["app_secret"])
    with serving(create_app(sim)) as server:
        monkeypatch.setenv("WECHAT_API_BASE", server.base_url)
        bootstrap.reset()
        yield sim


def test_the_sheet_is_a_png_and_a_rejected_secret_is_a_503_not_a_400(make_app, wechat):
    client = make_app().test_client()
    login(client, "jingan")
    sheet = client.get("/s/sh-jingan/tables/codes.png", base_url=BASE)
    assert sheet.status_code == 200 and sheet.mimetype == "image/png"

    from diancan import bootstrap
    from diancan.adapters import keys
    from diancan.adapters.aws import client as aws_client

    wechat.secret = "reset-in-the-mini-program-console"  # the deployed secret no longer matches
    wechat.reset()
    bootstrap.reset()  # a new container, and no token in the table (as once the shared one has ended)
    aws_client("dynamodb", bootstrap.settings().region).delete_item(
        TableName=bootstrap.settings().table_name,
        Key={"PK": {"S": keys.wechat_app(wechat.appid)}, "SK": {"S": keys.ACCESS_TOKEN}})
    refused = client.get("/s/sh-jingan/tables/codes.png", base_url=BASE)
    assert refused.status_code == 503 and "WECHAT_CREDENTIALS_REJECTED" in refused.get_data(as_text=True)
