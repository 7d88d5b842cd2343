"""The mini-program code adapter against the WeChat simulator over loopback HTTP, and the console's sheet."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from local.serve import serving
from local.simulators.wechat import WeChatSimulator, create_app

pytestmark = pytest.mark.handlers

APPID, SECRET = "wx0123456789abcdef", "sim-secret"


@pytest.fixture(scope="module")
def sim():
    return WeChatSimulator(appid=APPID, secret=SECRET)


@pytest.fixture(scope="module")
def server(sim):
    with serving(create_app(sim)) as running:
        yield running


@pytest.fixture
def codes(sim, server):
    sim.reset()
    return _codes(server.base_url)


def _codes(base_url: str, secret: str = SECRET):
    from diancan.adapters.wechat_codes import WeChatCodes
    from diancan.adapters.wechat_token import StableAccessToken

    return WeChatCodes(StableAccessToken(APPID, secret, base_url, 5.0), base_url, 5.0)


def test_a_code_is_a_png_of_the_requested_size_and_the_token_is_fetched_once(codes, sim):
    first = codes.unlimited_code("sh-jingan.A3.C9bagrvxXrA", "pages/table/index", 430)
    codes.unlimited_code("sh-jingan.A4.C9bagrvxXrA", "pages/table/index", 430)
    image = Image.open(io.BytesIO(first))
    assert image.format == "PNG" and 280 <= image.size[0] <= 430
    state = sim.state()
    assert state["tokens_issued"] == 1 and [c["scene"] for c in state["codes"]] == ["sh-jingan.A3.C9bagrvxXrA",
                                                                                    "sh-jingan.A4.C9bagrvxXrA"]


def test_an_expired_token_is_fetched_again_once(codes, sim):
    codes.unlimited_code("s.t.x", "pages/table/index")
    sim.expire_tokens()
    codes.unlimited_code("s.t.y", "pages/table/index")
    assert sim.state()["tokens_issued"] == 2


@pytest.mark.parametrize(("scene", "page", "errcode"), [("x" * 33, "pages/table/index", 40129),
                                                         ("ok", "pages/nowhere", 41030),
                                                         ("中文", "pages/table/index", 40129)])
def test_wechat_refusals_are_reported_with_their_errcode(codes, scene, page, errcode):
    from diancan.adapters.wechat_codes import WeChatCodeError

    with pytest.raises(WeChatCodeError) as refused:
        codes.unlimited_code(scene, page)
    assert refused.value.details["errcode"] == errcode


def test_a_busy_wechat_is_a_retryable_error_and_a_wrong_secret_an_upstream_failure(codes, sim, server):
    """Wrong credentials are this deployment's fault: 503 with its own code, not a 400 to the staff member."""
    from diancan.adapters.wechat_token import WeChatCredentialsRejected
    from diancan.domain.errors import UpstreamUnavailable

    sim.fail_next(-1)
    with pytest.raises(UpstreamUnavailable) as busy:
        codes.unlimited_code("ok", "pages/table/index")
    assert busy.value.code == "WECHAT_BUSY"
    with pytest.raises(WeChatCredentialsRejected) as refused:
        _codes(server.base_url, "wrong").unlimited_code("ok", "pages/table/index")
    assert (refused.value.status, refused.value.code) == (503, "WECHAT_CREDENTIALS_REJECTED")
    assert refused.value.details["errcode"] == 40125


def test_the_console_sheet_holds_a_code_for_every_active_table_of_the_store(demo_chain, codes, sim):
    from diancan import bootstrap
    from diancan.services.table_codes import TableCodes

    service = TableCodes(bootstrap.seating_table(), codes, b"k" * 32)
    sheet = Image.open(io.BytesIO(service.sheet("sh-jingan")))
    assert sheet.format == "PNG" and sheet.size == (3 * 360, 3 * 420)  # 8 tables, 3 per row
    scenes = [c["scene"] for c in sim.state()["codes"]]
    assert len(scenes) == 8 and all(service.resolve(s)["store_id"] == "sh-jingan" for s in scenes)
