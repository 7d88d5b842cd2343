"""Demo ingredient stock for the demo chain's recipes (local/demo_data.py), with safety thresholds.

Crab is kept close to its threshold so the demo journey shows stock running out: each 蟹粉小笼包
(d-xiaolongbao) uses 40 g of crab and sh-jingan starts with 120 g (threshold 80 g). The 2nd paid
order of one 蟹粉小笼包 takes crab to 40 g and raises StockLow once; the 3rd takes it to 0 g and
蟹粉小笼包 turns sold out in the menu. Restocking crab clears the alert and brings the dish back.
"""

from __future__ import annotations

from diancan.domain.stock import Ingredient, Unit

LOW_INGREDIENT, LOW_DISH = "crab", "d-xiaolongbao"

# (ingredient id, name, unit, quantity in base units, threshold in base units, cost fen per kg/l/piece)
INGREDIENTS: list[tuple] = [
    ("chicken", "鸡肉", Unit.KG, 20_000, 3_000, 2_600),
    ("peanut", "花生", Unit.KG, 5_000, 500, 1_800),
    ("tofu", "豆腐", Unit.KG, 15_000, 2_000, 800),
    ("pork", "猪肉", Unit.KG, 30_000, 5_000, 3_200),
    ("ribs", "排骨", Unit.KG, 20_000, 4_000, 5_600),
    ("sugar", "白糖", Unit.KG, 5_000, 500, 700),
    ("greens", "时蔬", Unit.KG, 15_000, 3_000, 600),
    ("cucumber", "黄瓜", Unit.KG, 10_000, 2_000, 500),
    ("egg", "鸡蛋", Unit.PIECE, 300, 60, 90),
    ("noodle", "面条", Unit.KG, 25_000, 4_000, 600),
    ("beef", "牛肉", Unit.KG, 15_000, 3_000, 8_800),
    ("rice", "大米", Unit.KG, 50_000, 8_000, 600),
    ("crab", "蟹粉", Unit.KG, 120, 80, 32_000),
    ("milk", "牛奶", Unit.LITRE, 20_000, 4_000, 1_200),
    ("tea-leaf", "茶叶", Unit.KG, 2_000, 300, 16_000),
    ("pearl", "珍珠", Unit.KG, 5_000, 800, 1_500),
    ("lemon", "柠檬", Unit.PIECE, 150, 30, 150),
]


def ingredients(store_id: str) -> list[Ingredient]:
    return [Ingredient(ingredient_id=iid, store_id=store_id, name=name, unit=unit, quantity=quantity,
                       threshold=threshold, cost_fen_per_unit=cost)
            for iid, name, unit, quantity, threshold, cost in INGREDIENTS]


def load(repository=None) -> None:
    """Add the demo stock of both demo stores (every demo quantity is above its threshold, so there are
    no alerts or sold-out flags to derive). An ingredient that exists is left as it is, ledger included,
    so loading twice changes nothing. ``repository`` is accepted for symmetry with demo_data.load."""
    from diancan import bootstrap
    from diancan.adapters.stock_table import IngredientExists
    from diancan.domain.clock import iso, utcnow
    from local.demo_data import stores

    del repository  # stock items are written by the stock store, not the order repository
    stock, at = bootstrap.stock_table(), iso(utcnow())
    for store in stores():
        for ingredient in ingredients(store.store_id):
            try:
                stock.add_ingredient(ingredient, at)
            except IngredientExists:
                continue
