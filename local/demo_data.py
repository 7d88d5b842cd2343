"""Demo data for a small chain: two Shanghai stores (one open around the clock), tables, stations,
five categories and 24 dishes with spec options, pictures and daily portion limits, each named in English too
(the mini-program's English mode)."""

from __future__ import annotations

from diancan.domain.menu import Category, Dish, OpeningPeriod, Option, OptionGroup, Store
from local import demo_delivery

CHAIN_NAME = "小馆子"
PICTURES = "https://img.diancan.example.com/dishes"


def _spice() -> OptionGroup:
    return OptionGroup(group_id="spice", name="辣度", name_en="Spice", required=True, options=[
        Option(option_id="spicy-none", name="不辣", name_en="Not spicy"), Option(option_id="spicy-mild", name="微辣", name_en="Mild"),
        Option(option_id="spicy-medium", name="中辣", name_en="Medium"), Option(option_id="spicy-hot", name="特辣", name_en="Extra hot"),
    ])


def _tea_options() -> list[OptionGroup]:
    return [
        OptionGroup(group_id="size", name="杯型", name_en="Size", required=True, options=[
            Option(option_id="size-medium", name="中杯", name_en="Medium"),
            Option(option_id="size-large", name="大杯", name_en="Large", price_fen=300, recipe={"milk": 100, "tea-leaf": 2}),
        ]),
        OptionGroup(group_id="sugar", name="甜度", name_en="Sweetness", required=True, options=[
            Option(option_id="sugar-none", name="无糖", name_en="No sugar"), Option(option_id="sugar-half", name="半糖", name_en="Half sugar"),
            Option(option_id="sugar-full", name="全糖", name_en="Full sugar", recipe={"sugar": 10}),
        ]),
        OptionGroup(group_id="topping", name="加料", name_en="Toppings", multi=True, max_select=3, options=[
            Option(option_id="topping-pearl", name="珍珠", name_en="Tapioca pearls", price_fen=200, recipe={"pearl": 40}),
            Option(option_id="topping-pudding", name="布丁", name_en="Pudding", price_fen=300),
            Option(option_id="topping-coconut", name="椰果", name_en="Coconut jelly", price_fen=200),
        ]),
    ]


def _noodle_options() -> list[OptionGroup]:
    return [
        OptionGroup(group_id="portion", name="份量", name_en="Portion", required=True, options=[
            Option(option_id="portion-regular", name="标准", name_en="Regular"),
            Option(option_id="portion-large", name="加大", name_en="Large", price_fen=400, recipe={"noodle": 100}),
        ]),
        OptionGroup(group_id="extra", name="加料", name_en="Extras", multi=True, options=[
            Option(option_id="extra-egg", name="加蛋", name_en="Add an egg", price_fen=200, recipe={"egg": 1}),
            Option(option_id="extra-beef", name="加牛肉", name_en="Add beef", price_fen=800, recipe={"beef": 50}),
        ]),
        _spice(),
    ]


# (dish id, category, name, price fen, station, options, daily portions, recipe, description, tags)
DISHES: list[tuple] = [
    ("d-gongbao", "hot", "宫保鸡丁", 3800, "wok", [_spice()], None, {"chicken": 200, "peanut": 30}, "鸡丁花生，酸甜微辣", ["招牌"]),
    ("d-mapo", "hot", "麻婆豆腐", 2600, "wok", [_spice()], None, {"tofu": 300}, "麻辣鲜香", ["下饭"]),
    ("d-yuxiang", "hot", "鱼香肉丝", 3200, "wok", [_spice()], None, {"pork": 180}, "经典川菜", []),
    ("d-hongshao", "hot", "红烧肉", 5800, "wok", [], 20, {"pork": 350}, "本帮浓油赤酱，每日限量", ["招牌", "限量"]),
    ("d-tangcu", "hot", "糖醋排骨", 4800, "wok", [], 15, {"ribs": 400, "sugar": 30}, "酸甜软糯", ["限量"]),
    ("d-qingcai", "hot", "清炒时蔬", 1800, "wok", [], None, {"greens": 300}, "当季蔬菜", ["素"]),
    ("d-pork-rib-soup", "hot", "玉米排骨汤", 3600, "wok", [], 12, {"ribs": 250}, "慢炖两小时", ["限量"]),
    ("d-pai-huanggua", "cold", "拍黄瓜", 1200, "cold", [], None, {"cucumber": 250}, "蒜香爽口", ["素"]),
    ("d-koushuiji", "cold", "口水鸡", 3200, "cold", [_spice()], None, {"chicken": 250}, "麻辣鲜嫩", []),
    ("d-pidan-doufu", "cold", "皮蛋豆腐", 1600, "cold", [], None, {"tofu": 200, "egg": 1}, "", ["素"]),
    ("d-liangpi", "cold", "凉皮", 1500, "cold", [_spice()], None, {}, "", []),
    ("d-beef-noodle", "noodle", "红烧牛肉面", 2800, "wok", _noodle_options(), None, {"noodle": 200, "beef": 100}, "大块牛肉，浓汤", ["招牌"]),
    ("d-zhajiang", "noodle", "老北京炸酱面", 2200, "wok", _noodle_options(), None, {"noodle": 200, "pork": 60}, "", []),
    ("d-yangchun", "noodle", "阳春面", 1200, "wok", _noodle_options(), None, {"noodle": 200}, "清汤葱油", []),
    ("d-fried-rice", "noodle", "扬州炒饭", 2200, "wok", [], None, {"rice": 250, "egg": 1}, "", []),
    ("d-rice", "noodle", "米饭", 200, "wok", [], None, {"rice": 150}, "", []),
    ("d-xiaolongbao", "dim", "蟹粉小笼包", 3800, "steam", [], 30, {"crab": 40, "pork": 120}, "一笼八只", ["限量"]),
    ("d-shengjian", "dim", "生煎包", 1800, "steam", [], None, {"pork": 100}, "一份四只", []),
    ("d-shaomai", "dim", "糯米烧卖", 1600, "steam", [], None, {"rice": 80}, "", []),
    ("d-chunjuan", "dim", "春卷", 1200, "steam", [], None, {}, "", []),
    ("d-milktea", "drink", "招牌奶茶", 1500, "bar", _tea_options(), None, {"milk": 200, "tea-leaf": 5}, "", ["热销"]),
    ("d-lemontea", "drink", "手打柠檬茶", 1600, "bar", _tea_options()[:2], None, {"lemon": 1, "tea-leaf": 5}, "", []),
    ("d-soymilk", "drink", "现磨豆浆", 600, "bar", [OptionGroup(group_id="temp", name="温度", name_en="Temperature", required=True, options=[
        Option(option_id="temp-hot", name="热", name_en="Hot"), Option(option_id="temp-cold", name="冰", name_en="Iced")])], None, {}, "", []),
    ("d-cola", "drink", "可乐", 500, "bar", [], None, {}, "", []),
]

CATEGORIES = [("hot", "热菜", 10, "wok"), ("cold", "凉菜", 20, "cold"), ("noodle", "面饭", 30, "wok"),
              ("dim", "点心", 40, "steam"), ("drink", "饮品", 50, "bar")]

# What a guest reading English sees (the mini-program's English mode): dish id → (name, description).
ENGLISH_DISHES: dict[str, tuple[str, str]] = {
    "d-gongbao": ("Kung pao chicken", "Diced chicken with peanuts, sweet, sour and a little hot"),
    "d-mapo": ("Mapo tofu", "Tofu in a numbing, spicy sauce"),
    "d-yuxiang": ("Yu-xiang shredded pork", "A Sichuan classic: sweet, sour and garlicky"),
    "d-hongshao": ("Braised pork belly", "Shanghai style, rich soy and sugar glaze; limited each day"),
    "d-tangcu": ("Sweet and sour spare ribs", "Tangy and tender"),
    "d-qingcai": ("Stir-fried greens", "Greens of the season"),
    "d-pork-rib-soup": ("Corn and pork rib soup", "Slow-simmered for two hours"),
    "d-pai-huanggua": ("Smashed cucumber", "Crisp, with garlic"),
    "d-koushuiji": ("Mouth-watering chicken", "Tender chicken in chilli oil"),
    "d-pidan-doufu": ("Century egg with tofu", ""),
    "d-liangpi": ("Cold noodle sheets", ""),
    "d-beef-noodle": ("Braised beef noodles", "Big chunks of beef in a rich broth"),
    "d-zhajiang": ("Old Beijing zhajiang noodles", ""),
    "d-yangchun": ("Yangchun noodles", "Clear broth with scallion oil"),
    "d-fried-rice": ("Yangzhou fried rice", ""),
    "d-rice": ("Steamed rice", ""),
    "d-xiaolongbao": ("Crab xiaolongbao", "Eight soup dumplings a basket"),
    "d-shengjian": ("Pan-fried pork buns", "Four buns a serving"),
    "d-shaomai": ("Sticky rice shumai", ""),
    "d-chunjuan": ("Spring rolls", ""),
    "d-milktea": ("Signature milk tea", ""),
    "d-lemontea": ("Hand-pressed lemon tea", ""),
    "d-soymilk": ("Fresh soy milk", ""),
    "d-cola": ("Cola", ""),
}
ENGLISH_CATEGORIES = {"hot": "Hot dishes", "cold": "Cold dishes", "noodle": "Noodles and rice", "dim": "Dim sum",
                      "drink": "Drinks"}


def stores() -> list[Store]:
    around_the_clock = [OpeningPeriod(open="00:00", close="00:00")]
    return [
        Store(store_id="sh-jingan", name=f"{CHAIN_NAME}·静安店", city="上海", address="上海市静安区南京西路1266号",
              phone="021-62881234", lat=31.2296, lng=121.4486, hours=around_the_clock, packing_fee_fen=100,
              min_delivery_fen=2000, delivery_fee_fen=500, images=[f"{PICTURES}/store-jingan.jpg"],
              settings={"delivery": demo_delivery.settings_of("sh-jingan")}),
        Store(store_id="sh-xuhui", name=f"{CHAIN_NAME}·徐汇店", city="上海", address="上海市徐汇区漕溪北路88号",
              phone="021-64561234", lat=31.1925, lng=121.4365,
              hours=[OpeningPeriod(open="10:00", close="14:00"), OpeningPeriod(open="17:00", close="22:00")],
              packing_fee_fen=100, min_delivery_fen=2500, delivery_fee_fen=600,
              images=[f"{PICTURES}/store-xuhui.jpg"], settings={"delivery": demo_delivery.settings_of("sh-xuhui")}),
    ]


def menu_of(store_id: str) -> tuple[list[Category], list[Dish]]:
    categories = [Category(category_id=cid, store_id=store_id, name=name, name_en=ENGLISH_CATEGORIES[cid], sort=sort,
                           station_id=station)
                  for cid, name, sort, station in CATEGORIES]
    dishes = [
        Dish(dish_id=did, store_id=store_id, category_id=cat, name=name, price_fen=price, station_id=station,
             name_en=ENGLISH_DISHES[did][0], description_en=ENGLISH_DISHES[did][1],
             option_groups=groups, daily_portions=portions, portions_left=portions, recipe=recipe,
             description=desc, tags=tags, images=[f"{PICTURES}/{did}.jpg"],
             packing_fee_fen=100 if cat in ("hot", "noodle") else 0,
             allergens=["花生"] if did == "d-gongbao" else [],
             nutrition={"热量": "约520千卡"} if did == "d-gongbao" else None)
        for did, cat, name, price, station, groups, portions, recipe, desc, tags in DISHES
    ]
    return categories, dishes


def load(repository=None) -> None:
    """Write the demo chain (stores, menus, tables) through the product's own repository (puts overwrite)."""
    if repository is None:
        from diancan import bootstrap

        repository = bootstrap.repository()
    for store in stores():
        categories, dishes = menu_of(store.store_id)
        tables = [(no, 4 if no.startswith("A") else 6) for no in ("A1", "A2", "A3", "A4", "B1", "B2", "B3", "B4")]
        repository.put_menu(store, categories, dishes, tables)


def load_all() -> None:
    """The whole demo: the chain, then each area's data from its own module (through its own adapters), and
    last a short order history with its reports built (local.demo_history.load_local)."""
    from concurrent.futures import ThreadPoolExecutor

    from local import demo_history, demo_offers, demo_staff, demo_stations, demo_stock

    with ThreadPoolExecutor(1) as beside:  # the staff's five scrypt hashes (~1 s each, the GIL released) run
        staff = beside.submit(demo_staff.load)  # while the rest is written, the moto server doing the work
        load()
        for area in (demo_stations, demo_stock, demo_offers):
            area.load()
        demo_history.load_local()
        staff.result()
