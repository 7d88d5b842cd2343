"""The courier platform's own delivery fee for an address, asked at quote and place time for stores that charge
the platform's fee when it is higher than their tiers (``FeeSource.PLATFORM_IF_HIGHER``)."""

from __future__ import annotations

import logging
import secrets

from diancan.domain.delivery import CourierOrder, GeoPoint
from diancan.domain.delivery_settings import StoreDelivery
from diancan.domain.errors import UpstreamUnavailable
from diancan.domain.exceptions import CourierError
from diancan.domain.money import Fen
from diancan.domain.order import DeliveryAddress
from diancan.services.ports import Courier

logger = logging.getLogger(__name__)


class CourierFeeQuotes:
    """Asks the platform (Dada queryDeliverFee) and answers None when it cannot: the guest then pays the tier
    fee, because a courier platform's hiccup must never stop an order. The quote is never booked (it lapses)."""

    def __init__(self, courier: Courier, public_base_url: str) -> None:
        self._courier = courier
        self._callback_url = f"{public_base_url.rstrip('/')}/courier_callback/{courier.name}"

    def fee_fen(self, store_id: str, settings: StoreDelivery, address: DeliveryAddress, cargo_fen: Fen) -> Fen | None:
        probe_id = f"fee-{secrets.token_hex(8)}"  # not an order yet: a throwaway origin_id for the price only
        order = CourierOrder(origin_id=probe_id, city_code=settings.city_code, cargo_fen=cargo_fen,
                             receiver_name=address.contact, receiver_address=address.text,
                             receiver_phone=address.phone, receiver_point=GeoPoint(address.lat, address.lng),
                             callback_url=self._callback_url, shop_no=settings.dada_shop_no or None)
        try:
            return self._courier.quote(order).fee_fen
        except (UpstreamUnavailable, CourierError) as failure:
            logger.warning("platform delivery fee unavailable, charging the tier fee",
                           extra={"store_id": store_id, "courier": self._courier.name,
                                  "error": type(failure).__name__, "code": getattr(failure, "code", "")})
            return None
