"""Menu engineering (Kasavana & Smith): each dish by popularity × contribution margin.

- popularity: the dish's share of all portions sold is high when it is at least 70 % of the average
  share (``0.7 / N``, N = dishes on the menu);
- margin: the dish's contribution margin per portion (revenue − recipe cost, per portion) is high when it
  is at least the average margin, weighted by portions (total margin / total portions).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from diancan.domain.money import Fen

POPULARITY_FACTOR = 0.7

SUGGESTIONS = {
    "star": ("保持品质与出品稳定，放在菜单显眼位置，不要轻易调价", "Keep quality and placement; do not discount"),
    "plowhorse": ("受欢迎但毛利低：小幅提价、调整分量或配方降本，搭配高毛利菜品做套餐",
                  "Popular, low margin: raise the price a little, trim the portion or recipe cost, bundle it"),
    "puzzle": ("毛利高但点得少：换更好的位置和图片、店员推荐、改名或做限时推广",
               "Profitable but rarely ordered: better placement and photo, staff recommendation, a promotion"),
    "dog": ("点得少且毛利低：考虑下架或重新设计", "Rarely ordered and low margin: remove or redesign it"),
}


@dataclass(frozen=True)
class DishSales:
    dish_id: str
    name: str
    qty: int
    revenue_fen: Fen
    cost_fen: Fen
    unit_margin_fen: Fen | None = None  # for an unsold menu dish: price − recipe cost of one portion

    @property
    def margin_fen(self) -> Fen:
        return self.revenue_fen - self.cost_fen


def classify(dishes: Iterable[DishSales], menu_size: int | None = None) -> dict:
    """The matrix: thresholds, and every dish with its share, margin, quadrant and suggestion."""
    dishes = list(dishes)
    total_qty = sum(d.qty for d in dishes)
    n = menu_size or len(dishes)
    if not dishes or total_qty == 0 or n == 0:
        return {"popularity_threshold": None, "average_margin_fen": None, "dishes": [], "quadrants": {}}
    popularity_threshold = POPULARITY_FACTOR / n
    average_margin = sum(d.margin_fen for d in dishes) / total_qty
    rows = []
    for dish in dishes:
        share = dish.qty / total_qty
        margin = dish.margin_fen / dish.qty if dish.qty else float(dish.unit_margin_fen or 0)
        popular, profitable = share >= popularity_threshold, margin >= average_margin
        quadrant = {(True, True): "star", (True, False): "plowhorse", (False, True): "puzzle",
                    (False, False): "dog"}[(popular, profitable)]
        rows.append({"dish_id": dish.dish_id, "name": dish.name, "qty": dish.qty, "share": round(share, 4),
                     "unit_margin_fen": round(margin), "quadrant": quadrant, "suggestion": SUGGESTIONS[quadrant][0]})
    rows.sort(key=lambda r: (r["quadrant"], -r["qty"], r["dish_id"]))
    quadrants = {q: [r["dish_id"] for r in rows if r["quadrant"] == q] for q in SUGGESTIONS}
    return {"popularity_threshold": round(popularity_threshold, 4), "average_margin_fen": round(average_margin),
            "dishes": rows, "quadrants": quadrants,
            "suggestions": {q: {"zh": zh, "en": en} for q, (zh, en) in SUGGESTIONS.items()}}
