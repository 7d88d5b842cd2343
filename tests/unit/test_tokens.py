"""Guest session tokens and console push tickets: signed, expiring, tamper-evident."""

from __future__ import annotations

import pytest

from diancan.adapters.tokens import PushTickets, TokenSigner
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


def test_a_push_ticket_names_the_staff_member_role_and_stores_for_sixty_seconds():
    tickets = PushTickets(b"s" * 32)
    ticket = tickets.issue("cashier-jingan", "cashier", ("sh-jingan",), now=1_000)
    assert tickets.verify(ticket, now=1_059) == ("cashier-jingan", "cashier", ("sh-jingan",))
    with pytest.raises(Unauthorized) as expired:
        tickets.verify(ticket, now=1_060)
    assert expired.value.code == "TICKET_EXPIRED"


@pytest.mark.parametrize("forge", [
    lambda t: PushTickets(b"o" * 32).issue("boss", "owner", (), now=1_000),  # another key
    lambda t: t.replace(t.partition(".")[0], PushTickets(b"o" * 32).issue("boss", "owner", (), now=1_000
                                                                           ).partition(".")[0]),  # payload swapped
    lambda t: t + "x", lambda t: "", lambda t: "a.b", lambda t: "票.据",
])
def test_a_forged_push_ticket_is_refused(forge):
    tickets = PushTickets(b"s" * 32)
    with pytest.raises(Unauthorized) as refused:
        tickets.verify(forge(tickets.issue("cook-jingan", "kitchen", ("sh-jingan",), now=1_000)), now=1_001)
    assert refused.value.code == "INVALID_TICKET"
