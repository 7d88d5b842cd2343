"""Guest session tokens: signed, expiring, tamper-evident."""

from __future__ import annotations

import pytest

from diancan.adapters.tokens import TokenSigner
from diancan.domain.errors import Unauthorized

pytestmark = pytest.mark.unit
SECRET = "s" * 40


def test_a_token_names_the_guest_it_was_issued_to():
    signer = TokenSigner(SECRET, 3600)
    assert signer.verify(signer.issue("openid-alice", now=1000), now=2000) == "openid-alice"


def test_an_expired_token_is_refused():
    signer = TokenSigner(SECRET, 3600)
    token = signer.issue("openid-alice", now=1000)
    with pytest.raises(Unauthorized) as refused:
        signer.verify(token, now=4600)
    assert refused.value.code == "TOKEN_EXPIRED"


@pytest.mark.parametrize("mangle", [
    lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),
    lambda t: "eyJzdWIiOiJvcGVuaWQtbWFsbG9yeSIsImlhdCI6MTAwMCwiZXhwIjo5OTk5OTk5OTk5fQ." + t.split(".")[1],
    lambda t: t.split(".")[0],
    lambda t: "",
    lambda t: "..",
])
def test_a_tampered_token_is_refused(mangle):
    signer = TokenSigner(SECRET, 3600)
    with pytest.raises(Unauthorized) as refused:
        signer.verify(mangle(signer.issue("openid-alice", now=1000)), now=2000)
    assert refused.value.code == "INVALID_TOKEN"


def test_a_token_from_another_secret_is_refused():
    token = TokenSigner("x" * 40, 3600).issue("openid-alice", now=1000)
    with pytest.raises(Unauthorized):
        TokenSigner(SECRET, 3600).verify(token, now=2000)


def test_short_secrets_are_refused():
    with pytest.raises(ValueError):
        TokenSigner("short", 3600)
