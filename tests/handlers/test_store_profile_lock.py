"""Repository.update_store against moto: a store profile is replaced only while it is still the one read."""

from __future__ import annotations

import pytest

from diancan.domain.errors import Conflict

pytestmark = pytest.mark.handlers
STORE = "sh-jingan"


def test_an_edit_based_on_a_stale_read_is_refused_and_the_newer_edit_stays(demo_chain):
    from diancan import bootstrap

    repository = bootstrap.repository()
    store, token = repository.store_for_update(STORE)
    newer = repository.update_store(store.model_copy(update={"name": "静安店（新）"}), token)

    with pytest.raises(Conflict) as refused:
        repository.update_store(store.model_copy(update={"phone": "021-0000"}), token)

    assert refused.value.code == "STORE_CHANGED"
    kept, current = repository.store_for_update(STORE)
    assert (kept.name, kept.phone, current) == ("静安店（新）", store.phone, newer)


def test_any_other_write_of_the_profile_also_invalidates_the_token_read_before_it(demo_chain):
    from diancan import bootstrap

    repository = bootstrap.repository()
    store, token = repository.store_for_update(STORE)
    repository.put_store(store.model_copy(update={"settings": {**store.settings, "note": "offers saved"}}))

    with pytest.raises(Conflict):
        repository.update_store(store, token)
    assert repository.store_for_update(STORE)[0].settings["note"] == "offers saved"
