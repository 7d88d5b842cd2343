"""A store's delivery settings (``Store.settings["delivery"]``, read with the profile, so the menu read and the
order's BatchGet need no extra call) and the guest-facing price of delivering an order."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field, ValidationError

from diancan.domain.delivery import DeliveryArea, DeliveryFeeRules, DeliveryQuote, GeoPoint, quote_delivery
from diancan.domain.errors import Unprocessable
from diancan.domain.events import CourierDispatchRequested, OrderAccepted, OrderPaid, OrderReleased
from diancan.domain.menu import Store
from diancan.domain.money import Fen


class DispatchWhen(StrEnum):
    """When a paid delivery order gets its courier: at payment, or when staff accept it in the console."""

    PAYMENT = "payment"
    ACCEPT = "accept"


class CourierChoice(StrEnum):
    DADA = "dada"
    OWN_STAFF = "own_staff"  # the store's own people deliver: every delivery waits for a manual dispatch


class FeeSource(StrEnum):
    """Where the guest's delivery fee comes from: the store's own tiers, or the courier platform's quote when
    that is higher (so a store does not pay the difference on long or busy runs)."""

    TIERS = "tiers"
    PLATFORM_IF_HIGHER = "platform_if_higher"


class DeliveryNotOffered(Unprocessable):
    code, message_zh, message_en = "DELIVERY_NOT_CONFIGURED", "该门店暂未开通外卖配送", "This store has no delivery set up"


class StoreDelivery(BaseModel):
    """Where and for how much a store delivers, and who carries the food."""

    model_config = {"frozen": True}

    area: DeliveryArea
    fees: DeliveryFeeRules
    courier: CourierChoice = CourierChoice.DADA
    dispatch_when: DispatchWhen = DispatchWhen.PAYMENT
    fee_source: FeeSource = FeeSource.TIERS
    dada_shop_no: str = Field("", description="the store's shop number on Dada (门店编号)")
    city_code: str = Field("021", description="Dada city code (021 = Shanghai)")

    @classmethod
    def of(cls, store: Store) -> StoreDelivery:
        """The store's settings; a store without valid ones (or without coordinates) does not deliver."""
        raw = store.settings.get("delivery")
        if not raw or store.lat is None or store.lng is None:
            raise DeliveryNotOffered(details={"store_id": store.store_id})
        try:
            return cls.model_validate(raw)
        except ValidationError:
            raise DeliveryNotOffered(details={"store_id": store.store_id}) from None

    def dispatches_on(self, detail_type: str) -> bool:
        """Whether this bus event books the courier (a console request always does)."""
        trigger = {OrderPaid.name: DispatchWhen.PAYMENT, OrderReleased.name: DispatchWhen.PAYMENT,
                   OrderAccepted.name: DispatchWhen.ACCEPT}.get(detail_type)
        return detail_type == CourierDispatchRequested.name or trigger == self.dispatch_when


def price_delivery(store: Store, address_point: GeoPoint, items_fen: Fen) -> DeliveryQuote:
    """The guest's delivery fee for ``items_fen`` of goods, or OutOfDeliveryRange / BelowDeliveryMinimum."""
    settings = StoreDelivery.of(store)
    return quote_delivery(GeoPoint(store.lat, store.lng), settings.area, settings.fees, address_point, items_fen)


def with_platform_fee(fees: DeliveryFeeRules, quote: DeliveryQuote, items_fen: Fen,
                      platform_fee_fen: Fen | None) -> Fen:
    """The guest's fee when the store charges the platform's quote if higher: free delivery (满免) still wins,
    and without a platform quote (platform unreachable) the tier fee stands."""
    ships_free = fees.free_from_fen is not None and items_fen >= fees.free_from_fen
    if ships_free or platform_fee_fen is None:
        return quote.fee_fen
    return max(quote.fee_fen, platform_fee_fen)
