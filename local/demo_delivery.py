"""Demo delivery settings of the two demo stores (GCJ-02 coordinates, as WeChat's map gives them), used by
``local.demo_data.stores()`` so every profile write keeps them, and the Dada shops the local simulator knows.

- 静安店 (南京西路1266号): a 5 km radius; ¥3 to 1 km, ¥5 to 3 km, ¥8 to 5 km; free from ¥88; starts at ¥20;
  Dada books the rider at payment.
- 徐汇店 (漕溪北路88号): a polygon around 徐家汇 (宜山路 – 中山西路 – 龙华 – 上海南站); ¥4 to 2 km,
  ¥7 to 4 km; free from ¥100; starts at ¥25; the rider is booked when staff accept the order.
"""

from __future__ import annotations

from diancan.domain.delivery import DeliveryArea, DeliveryFeeRules, FeeTier, GeoPoint
from diancan.domain.delivery_settings import DispatchWhen, StoreDelivery

CITY_CODE_SHANGHAI = "021"
# Dada shop number → the shop's (lat, lng), for the simulator's distance and fee
DADA_SHOPS: dict[str, tuple[float, float]] = {"11047059": (31.2296, 121.4486), "11047060": (31.1925, 121.4365)}

XUHUI_AREA = (GeoPoint(31.2065, 121.4190), GeoPoint(31.2120, 121.4420), GeoPoint(31.2010, 121.4600),
              GeoPoint(31.1770, 121.4560), GeoPoint(31.1600, 121.4380), GeoPoint(31.1720, 121.4180))


def settings_of(store_id: str) -> dict:
    """``Store.settings["delivery"]`` of a demo store (JSON, as the profile stores it)."""
    delivery = {
        "sh-jingan": StoreDelivery(
            area=DeliveryArea(radius_m=5000),
            fees=DeliveryFeeRules(tiers=(FeeTier(1000, 300), FeeTier(3000, 500), FeeTier(5000, 800)),
                                  free_from_fen=8800, minimum_order_fen=2000),
            dispatch_when=DispatchWhen.PAYMENT, dada_shop_no="11047059", city_code=CITY_CODE_SHANGHAI),
        "sh-xuhui": StoreDelivery(
            area=DeliveryArea(polygon=XUHUI_AREA),
            fees=DeliveryFeeRules(tiers=(FeeTier(2000, 400), FeeTier(4000, 700)), free_from_fen=10000,
                                  minimum_order_fen=2500),
            dispatch_when=DispatchWhen.ACCEPT, dada_shop_no="11047060", city_code=CITY_CODE_SHANGHAI),
    }[store_id]
    return delivery.model_dump(mode="json")
