""""Guess you like": what a guest has ordered, what is ordered together with it, and the best sellers.

Pure counting over order lines. The daily job turns a store's recent paid orders into a ``StoreReco``;
the loyalty consumer keeps each guest's portions per dish; the menu read combines both with the dishes
that can be ordered right now.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping

from pydantic import BaseModel, Field

from diancan.domain.cart import OrderLine

GUEST_DISHES_KEPT = 30
TOGETHER_KEPT = 5
BEST_SELLERS_KEPT = 10
OWN_FAVOURITES_SHOWN = 2


class StoreReco(BaseModel):
    best_sellers: list[str] = Field(default_factory=list, description="dish ids, most portions first")
    together: dict[str, list[str]] = Field(default_factory=dict, description="dish id → dishes most often in "
                                                                             "the same order, most often first")
    orders_counted: int = 0
    computed_at: str = ""


def add_portions(counts: Mapping[str, int], lines: Iterable[OrderLine]) -> dict[str, int]:
    """A guest's portions per dish after one more order, keeping only their top dishes (bounded item)."""
    total = Counter(counts)
    for line in lines:
        total[line.dish_id] += line.qty
    return dict(total.most_common(GUEST_DISHES_KEPT))


def favourite(counts: Mapping[str, int]) -> str | None:
    """The dish with the most portions; ties go to the smaller id so the answer is stable."""
    return min(counts, key=lambda d: (-counts[d], d)) if counts else None


def store_reco(orders: Iterable[list[OrderLine]], computed_at: str) -> StoreReco:
    """Best sellers by portions, and for each dish the others that share an order with it most often."""
    portions: Counter[str] = Counter()
    pairs: dict[str, Counter[str]] = defaultdict(Counter)
    counted = 0
    for lines in orders:
        counted += 1
        dishes = sorted({line.dish_id for line in lines})
        for line in lines:
            portions[line.dish_id] += line.qty
        for dish in dishes:
            pairs[dish].update(other for other in dishes if other != dish)
    return StoreReco(
        best_sellers=[d for d, _ in sorted(portions.items(), key=lambda p: (-p[1], p[0]))[:BEST_SELLERS_KEPT]],
        together={d: [o for o, _ in sorted(c.items(), key=lambda p: (-p[1], p[0]))[:TOGETHER_KEPT]]
                  for d, c in sorted(pairs.items()) if c},
        orders_counted=counted, computed_at=computed_at)


def recommend(guest_counts: Mapping[str, int], reco: StoreReco | None, orderable: set[str], limit: int = 6) -> list[str]:
    """Dish ids for the guest, best first, only from ``orderable`` (on the shelf, not sold out):
    a couple of their own favourites, then what goes with what they order, then the best sellers."""
    reco = reco or StoreReco()
    mine = sorted(guest_counts, key=lambda d: (-guest_counts[d], d))
    scores: Counter[str] = Counter()
    for dish in mine:
        for rank, other in enumerate(reco.together.get(dish, [])):
            scores[other] += guest_counts[dish] * (TOGETHER_KEPT - rank)
    together = [d for d, _ in sorted(scores.items(), key=lambda p: (-p[1], p[0]))]
    chosen: list[str] = []
    for dish in [*mine[:OWN_FAVOURITES_SHOWN], *together, *reco.best_sellers, *mine[OWN_FAVOURITES_SHOWN:]]:
        if dish in orderable and dish not in chosen:
            chosen.append(dish)
    return chosen[:limit]
