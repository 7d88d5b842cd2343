"""Ordering over HTTP against the running local stack: the journey, and no oversell under concurrency."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from local.demo import run

pytestmark = pytest.mark.e2e


def login(base_url: str, name: str) -> str:
    answer = requests.post(f"{base_url}/auth/login", json={"code": f"test-{name}.{uuid.uuid4().hex[:6]}"}, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()["token"]


def test_the_scripted_guest_journey_passes(local_stack):
    lines: list[str] = []
    assert run(local_stack.base_url, out=lines.append), "\n".join(lines)


def test_fifty_parallel_orders_for_ten_portions_sell_exactly_ten(local_stack):
    from diancan import bootstrap

    bootstrap.reset()
    repository = bootstrap.repository()
    dish = repository.get_dish("sh-xuhui", "d-tangcu")
    repository.put_dish(dish.model_copy(update={"portions_left": 10, "daily_portions": 10}))
    store = repository.load_menu("sh-xuhui").store
    repository.put_store(store.model_copy(update={"hours": repository.load_menu("sh-jingan").store.hours}))
    tokens = [login(local_stack.base_url, f"guest{n}") for n in range(50)]

    def order(token: str) -> tuple[int, str]:
        answer = requests.post(
            f"{local_stack.base_url}/place_order/orders", timeout=60,
            headers={"Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())},
            json={"store_id": "sh-xuhui", "mode": "takeout", "items": [{"dish_id": "d-tangcu", "qty": 1}]})
        return answer.status_code, answer.json().get("code", "")

    with ThreadPoolExecutor(max_workers=25) as pool:
        results = list(pool.map(order, tokens))

    assert sum(1 for status, _ in results if status == 201) == 10
    refusals = {code for status, code in results if status != 201}
    assert refusals <= {"INSUFFICIENT_PORTIONS", "DISH_UNAVAILABLE"}, results
    assert repository.get_dish("sh-xuhui", "d-tangcu").portions_left == 0
