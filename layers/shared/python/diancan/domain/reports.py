"""Report maths: one ``ReportBook`` per scope (a store or the chain) and period, fed fact by fact.

Every figure is defined in docs/reports.md. The book keeps counters only (per hour, weekday, mode, channel,
dish, discount kind, refund reason, delivery minute, guest), so memory does not grow with the number of
orders and the cost of a report is linear in them. A chain book is fed the same facts as the store
books, so the chain's totals are the sum of the stores' by construction.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from diancan.domain.forecast import DayProfile
from diancan.domain.menu_engineering import DishSales, classify
from diancan.domain.money import Fen
from diancan.domain.order import is_guest
from diancan.domain.report_facts import CouponIssue, CouponUse, Guest, Incident, OrderFact, RefundFact, Review
from diancan.domain.review_keywords import KeywordCounter

WEEKDAYS_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
POSITIVE_MIN_STARS, NEGATIVE_MAX_STARS = 4, 2
PEAK_HOURS = 3


@dataclass(frozen=True)
class MenuDish:
    name: str
    price_fen: Fen
    cost_fen: Fen  # recipe cost of one portion


def ratio(part: float, whole: float) -> float | None:
    """``part / whole`` as a fraction rounded to 4 places; None when there is no whole."""
    return round(part / whole, 4) if whole else None


def mean_fen(total: Fen, count: int) -> Fen:
    """Whole fen, rounded half up."""
    return (2 * total + count) // (2 * count) if count else 0


class ReportBook:
    def __init__(self, scope: str, start: date, end: date) -> None:
        self.scope, self.start, self.end = scope, start, end
        self.orders = self.unpaid = 0
        self.gross = self.discounts = self.refunds = 0
        self.by_mode: dict[str, Counter] = defaultdict(Counter)
        self.by_channel: dict[str, Counter] = defaultdict(Counter)
        self.by_hour: dict[int, Counter] = defaultdict(Counter)
        self.by_weekday: dict[int, Counter] = defaultdict(Counter)
        self.by_day: dict[date, Counter] = defaultdict(Counter)
        self.dishes: dict[str, Counter] = defaultdict(Counter)
        self.dish_names: dict[str, str] = {}
        self.discount_kinds: dict[str, Counter] = defaultdict(Counter)
        self.coupon_discount: Counter[str] = Counter()  # coupon id → discount (paid orders)
        self.coupon_orders = self.coupon_orders_revenue = 0
        self.coupon_uses: Counter[str] = Counter()  # template id → redeemed
        self.guest_orders: Counter[str] = Counter()
        self.refund_reasons: dict[str, Counter] = defaultdict(Counter)
        self.delivery_minutes: Counter[int] = Counter()
        self.not_printed_orders = 0
        self.incidents: dict[str, Counter] = defaultdict(Counter)
        self.ratings: dict[str, Counter] = defaultdict(Counter)
        self.positive, self.negative = KeywordCounter(), KeywordCounter()

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end

    # ---- feeding -------------------------------------------------------------------------------------

    def add_order(self, fact: OrderFact) -> None:
        if not self.covers(fact.day):
            return
        if not fact.paid:
            self.unpaid += 1
            return
        self.orders += 1
        self.gross += fact.gross_fen
        self.discounts += fact.discount_fen
        for bucket in (self.by_mode[fact.mode], self.by_channel[fact.channel], self.by_hour[fact.hour], self.by_weekday[fact.weekday],
                       self.by_day[fact.day]):
            bucket["orders"] += 1
            bucket["paid_fen"] += fact.paid_fen
        for line in fact.lines:
            dish = self.dishes[line.dish_id]
            dish["qty"] += line.qty
            dish["revenue_fen"] += line.revenue_fen
            dish["cost_fen"] += line.cost_fen
            self.dish_names[line.dish_id] = line.name
        used_coupon = False
        for kind, ref, amount in fact.discounts:
            self.discount_kinds[kind]["orders"] += 1
            self.discount_kinds[kind]["fen"] += amount
            if kind == "coupon":
                used_coupon = True
                self.coupon_discount[ref or ""] += amount
        if used_coupon:
            self.coupon_orders += 1
            self.coupon_orders_revenue += fact.paid_fen
        if is_guest(fact.openid):  # a walk-in at the counter is nobody's repeat visit
            self.guest_orders[fact.openid] += 1
        if fact.delivery_minutes is not None:
            self.delivery_minutes[int(fact.delivery_minutes)] += 1
        if "NOT_PRINTED" in fact.flags:
            self.not_printed_orders += 1

    def add_refund(self, refund: RefundFact) -> None:
        if self.covers(refund.day):
            self.refunds += refund.amount_fen
            self.by_day[refund.day]["refund_fen"] += refund.amount_fen
            reason = self.refund_reasons[refund.reason or "未填写"]
            reason["count"] += 1
            reason["fen"] += refund.amount_fen

    def add_coupon_use(self, use: CouponUse) -> None:
        self.coupon_uses[use.template_id] += 1

    def add_review(self, review: Review) -> None:
        """Each dish's stars count for its rating; the text once, as positive or negative by the mean stars."""
        if not self.covers(review.day):
            return
        for dish_id, stars in review.stars.items():
            self.ratings[dish_id]["stars"] += stars
            self.ratings[dish_id]["count"] += 1
        if not review.text:
            return
        if review.mean_stars >= POSITIVE_MIN_STARS:
            self.positive.add(review.text)
        elif review.mean_stars <= NEGATIVE_MAX_STARS:
            self.negative.add(review.text)

    def add_incident(self, incident: Incident) -> None:
        if self.covers(incident.day):
            self.incidents[incident.kind][incident.subject] += 1

    # ---- figures -------------------------------------------------------------------------------------

    def profile(self, day: date) -> DayProfile:
        """The day's shape for later forecasts (meaningful for a one-day book)."""
        return DayProfile(day, {h: c["orders"] for h, c in self.by_hour.items()},
                          {d: c["qty"] for d, c in self.dishes.items()}, dict(self.dish_names))

    def sales(self) -> dict:
        paid = self.gross - self.discounts
        return {
            "orders": self.orders, "unpaid_orders": self.unpaid, "gross_fen": self.gross,
            "discount_fen": self.discounts, "refund_fen": self.refunds, "net_fen": paid - self.refunds,
            "paid_fen": paid, "average_ticket_fen": mean_fen(paid, self.orders),
            "by_mode": {mode: dict(c) for mode, c in sorted(self.by_mode.items())},
            "by_channel": {channel: dict(c) for channel, c in sorted(self.by_channel.items())},
            "by_hour": [{"hour": h, "orders": self.by_hour[h]["orders"], "paid_fen": self.by_hour[h]["paid_fen"]}
                        for h in range(24)],
            "by_day": [{"day": d.isoformat(), "orders": c["orders"], "paid_fen": c["paid_fen"],
                        "refund_fen": c["refund_fen"]} for d, c in sorted(self.by_day.items())],
        }

    def dish_figures(self, menu: Mapping[str, MenuDish] | None = None) -> dict:
        sold = [DishSales(d, self.dish_names[d], c["qty"], c["revenue_fen"], c["cost_fen"])
                for d, c in self.dishes.items()]
        unsold = [DishSales(d, m.name, 0, 0, 0, unit_margin_fen=m.price_fen - m.cost_fen)
                  for d, m in (menu or {}).items() if d not in self.dishes]
        rows = [{"dish_id": s.dish_id, "name": s.name, "qty": s.qty, "revenue_fen": s.revenue_fen,
                 "cost_fen": s.cost_fen, "margin_fen": s.margin_fen} for s in sold]
        return {
            "by_qty": sorted(rows, key=lambda r: (-r["qty"], -r["revenue_fen"], r["dish_id"])),
            "by_revenue": sorted(rows, key=lambda r: (-r["revenue_fen"], -r["qty"], r["dish_id"])),
            "menu_engineering": classify(sold + unsold, menu_size=len(menu) if menu else None),
        }

    def time_figures(self) -> dict:
        by_hour = [{"hour": h, "orders": self.by_hour[h]["orders"], "paid_fen": self.by_hour[h]["paid_fen"]}
                   for h in range(24)]
        busiest = sorted((r for r in by_hour if r["orders"]), key=lambda r: (-r["orders"], r["hour"]))[:PEAK_HOURS]
        return {
            "by_hour": by_hour,
            "by_weekday": [{"weekday": w, "name": WEEKDAYS_ZH[w], "orders": self.by_weekday[w]["orders"],
                            "paid_fen": self.by_weekday[w]["paid_fen"]} for w in range(7)],
            "peak_hours": sorted(r["hour"] for r in busiest),
        }

    def marketing(self, templates: Iterable[CouponIssue], coupon_template: Mapping[str, str]) -> dict:
        """``coupon_template``: coupon id → template id, for the coupons used in the period."""
        cost_by_template: Counter[str] = Counter()
        for coupon_id, amount in self.coupon_discount.items():
            cost_by_template[coupon_template.get(coupon_id, "?")] += amount
        rows = [{"template_id": t.template_id, "label": t.label, "issued": t.issued,
                 "redeemed": self.coupon_uses[t.template_id], "redemption_rate": ratio(self.coupon_uses[t.template_id],
                                                                                      t.issued),
                 "discount_fen": cost_by_template[t.template_id]} for t in templates]
        kinds = self.discount_kinds
        return {
            "coupons": rows, "coupon_redeemed": sum(self.coupon_uses.values()),
            "coupon_discount_fen": kinds["coupon"]["fen"], "coupon_orders": self.coupon_orders,
            "coupon_orders_revenue_fen": self.coupon_orders_revenue,
            "full_reduction_orders": kinds["full_reduction"]["orders"],
            "full_reduction_fen": kinds["full_reduction"]["fen"],
            "discounts_by_kind": {k: dict(c) for k, c in sorted(kinds.items()) if c},
        }

    def members(self, guests: Mapping[str, Guest], points_per_fen: int = 1) -> dict:
        known = [guests.get(openid) for openid in self.guest_orders]
        new = sum(1 for g in known if g is not None and g.first_seen is not None and self.covers(g.first_seen))
        repeat = sum(1 for n in self.guest_orders.values() if n >= 2)
        points = sum(g.points for g in known if g is not None)
        return {"guests": len(self.guest_orders), "new_guests": new, "returning_guests": len(self.guest_orders) - new,
                "repeat_guests": repeat, "repeat_rate": ratio(repeat, len(self.guest_orders)),
                "points_liability_points": points, "points_liability_fen": points // points_per_fen}

    def feedback(self) -> dict:
        ratings = [{"dish_id": d, "name": self.dish_names.get(d, d), "reviews": c["count"],
                    "average": round(c["stars"] / c["count"], 2)} for d, c in self.ratings.items()]
        return {"ratings": sorted(ratings, key=lambda r: (-r["average"], -r["reviews"], r["dish_id"])),
                "positive_reviews": self.positive.reviews, "negative_reviews": self.negative.reviews,
                "positive_keywords": self.positive.top(), "negative_keywords": self.negative.top()}

    def operations(self) -> dict:
        return {
            "print_failures": sum(self.incidents["print_failure"].values()),
            "not_printed_orders": self.not_printed_orders,
            "delivery": delivery_times(self.delivery_minutes),
            "refunds_by_reason": [{"reason": r, **c} for r, c in sorted(self.refund_reasons.items(),
                                                                         key=lambda i: (-i[1]["fen"], i[0]))],
            "sold_out_events": sum(self.incidents["sold_out"].values()),
            "sold_out_by_subject": dict(sorted(self.incidents["sold_out"].items())),
            "back_in_stock_events": sum(self.incidents["back_in_stock"].values()),
        }


def delivery_times(histogram: Mapping[int, int]) -> dict:
    """Count, mean, median and 90th percentile (whole minutes) from a minute histogram."""
    count = sum(histogram.values())
    if not count:
        return {"count": 0, "mean_minutes": None, "median_minutes": None, "p90_minutes": None}

    def percentile(p: float) -> int:
        rank, seen = max(1, math.ceil(p * count - 1e-9)), 0  # nearest-rank method
        for minute in sorted(histogram):
            seen += histogram[minute]
            if seen >= rank:
                return minute
        return max(histogram)

    mean = sum(m * n for m, n in histogram.items()) / count
    return {"count": count, "mean_minutes": round(mean, 1), "median_minutes": percentile(0.5),
            "p90_minutes": percentile(0.9)}
