"""Staff, roles and the one rights table: who may do what, in which store.

Every console action goes through ``authorize``; the table below is the whole policy, so reading it
is enough to know what a role can do. Pure: no I/O.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field

from diancan.domain.errors import Forbidden
from diancan.domain.money import Fen

CHAIN = None  # the store_id of chain-wide actions (no one store)


class Role(StrEnum):
    OWNER = "owner"        # the whole chain
    MANAGER = "manager"    # their stores
    CASHIER = "cashier"    # orders, tables, counter payment, refunds up to a limit
    KITCHEN = "kitchen"    # kitchen screen, mark ready


class Action(StrEnum):
    DASHBOARD_VIEW = "dashboard.view"
    CHAIN_DASHBOARD_VIEW = "chain.dashboard.view"
    ORDERS_VIEW = "orders.view"
    ORDERS_ACCEPT = "orders.accept"
    ORDERS_READY = "orders.ready"
    ORDERS_COMPLETE = "orders.complete"
    ORDERS_REFUND = "orders.refund"
    ORDERS_REPRINT = "orders.reprint"
    ORDERS_REDISPATCH = "orders.redispatch"
    COUNTER_PAY = "orders.counter_pay"
    KITCHEN_VIEW = "kitchen.view"
    MENU_VIEW = "menu.view"
    MENU_EDIT = "menu.edit"
    STOCK_VIEW = "stock.view"
    STOCK_ADJUST = "stock.adjust"
    STORE_VIEW = "store.view"
    STORE_EDIT = "store.edit"
    STORE_BUSY = "store.busy"          # busy mode on/off (cashiers too: they see the rush at the counter)
    TABLES_VIEW = "tables.view"
    TABLES_SERVE = "tables.serve"      # open a table for guests, answer calls, close a table
    DEVICES_MANAGE = "devices.manage"
    MARKETING_MANAGE = "marketing.manage"
    REPORTS_VIEW = "reports.view"
    AUDIT_VIEW = "audit.view"
    STAFF_MANAGE = "staff.manage"      # every account of the chain (owners)
    STAFF_STORE = "staff.store"        # cashiers and cooks of one's own stores (managers)
    CHAIN_VERIFY = "chain.verify"      # walk a store's voucher hash chain (owners)
    REVIEWS_REPLY = "reviews.reply"    # read a store's reviews and answer them (managers, owners)
    SHIFTS_OWN = "shifts.own"          # open, close and read one's own shift (cashiers, managers, owners)
    SHIFTS_ANY = "shifts.any"          # open, close and read any cashier's shift of the store (managers, owners)
    INVOICES_ISSUE = "invoices.issue"  # see guests' invoice requests and mark them issued (managers, owners)
    DAY_CLOSE = "day.close"            # close (seal) a store's business day: 日结 (managers, owners)


A = Action
_CHAIN_ONLY = frozenset({A.CHAIN_DASHBOARD_VIEW, A.MARKETING_MANAGE, A.STAFF_MANAGE, A.CHAIN_VERIFY})
_CASHIER = frozenset({A.DASHBOARD_VIEW, A.ORDERS_VIEW, A.ORDERS_ACCEPT, A.ORDERS_READY, A.ORDERS_COMPLETE,
                      A.ORDERS_REFUND, A.ORDERS_REPRINT, A.COUNTER_PAY, A.TABLES_VIEW, A.TABLES_SERVE, A.KITCHEN_VIEW,
                      A.MENU_VIEW, A.SHIFTS_OWN, A.STORE_BUSY})
_KITCHEN = frozenset({A.KITCHEN_VIEW, A.ORDERS_READY})

RIGHTS: dict[Role, frozenset[Action]] = {
    Role.OWNER: frozenset(Action),
    Role.MANAGER: frozenset(Action) - _CHAIN_ONLY,
    Role.CASHIER: _CASHIER,
    Role.KITCHEN: _KITCHEN,
}
"""Role → the actions it may take. Store scope is separate: owners act anywhere, others in their stores."""


class Staff(BaseModel):
    """A console user as the rules see them (no password material here)."""

    model_config = {"frozen": True}

    staff_id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{1,31}$")
    login: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]{1,31}$")
    name: str = Field(min_length=1, max_length=40)
    role: Role
    store_ids: tuple[str, ...] = ()
    refund_limit_fen: Fen = Field(0, ge=0, description="largest refund a cashier may make; others unlimited")
    refund_day_limit_fen: Fen | None = Field(None, ge=0, description="most a cashier may refund on one order in "
                                             "one business day, their refunds together; None = refund_limit_fen")
    active: bool = True
    must_change_password: bool = Field(False, description="a one-time password (the first owner's): the console "
                                       "shows only the password change until a new one is set")

    def order_day_refund_limit(self) -> Fen | None:
        """What this person may refund on one order in one business day, all their refunds of it together
        (None: no such limit). Without it a cashier could pay out a whole order in refunds each under their
        per-refund limit; the payments service checks it in the refund's own conditional write."""
        if self.role is not Role.CASHIER:
            return None
        return self.refund_limit_fen if self.refund_day_limit_fen is None else self.refund_day_limit_fen

    def can(self, action: Action, store_id: str | None = CHAIN) -> bool:
        try:
            authorize(self, action, store_id)
        except Forbidden:
            return False
        return True


def _refuse(why: str, zh: str, action: Action, store_id: str | None) -> Forbidden:
    return Forbidden(why, zh, details={"action": action.value, "store_id": store_id})


def authorize(staff: Staff, action: Action | str, store_id: str | None = CHAIN, *,
              amount_fen: Fen | None = None) -> None:
    """Raise ``Forbidden`` unless ``staff`` may take ``action`` in ``store_id`` (CHAIN = chain-wide).

    A refund also passes its ``amount_fen``: cashiers are held to their refund limit.
    """
    action = Action(action)
    if not staff.active:
        raise _refuse("this account is disabled", "账号已停用", action, store_id)
    if action not in RIGHTS[staff.role]:
        raise _refuse(f"a {staff.role.value} may not {action.value}", "当前角色没有此权限", action, store_id)
    if staff.role is not Role.OWNER:
        if store_id is CHAIN:
            raise _refuse("chain-wide actions are for owners", "仅限老板操作全部门店", action, store_id)
        if store_id not in staff.store_ids:
            raise _refuse("not one of your stores", "不是您负责的门店", action, store_id)
    over_limit = amount_fen is None or amount_fen > staff.refund_limit_fen
    if action is A.ORDERS_REFUND and staff.role is Role.CASHIER and over_limit:
        raise Forbidden("refund above your limit", "退款金额超出您的权限，请联系店长", code="REFUND_LIMIT",
                        details={"limit_fen": staff.refund_limit_fen, "amount_fen": amount_fen})


def stores_in_scope(staff: Staff, all_store_ids: list[str]) -> list[str]:
    """The stores this person may see, in the chain's order."""
    if staff.role is Role.OWNER:
        return list(all_store_ids)
    return [s for s in all_store_ids if s in staff.store_ids]


def authorize_staff_change(actor: Staff, target_role: Role, target_store_ids: tuple[str, ...], store_id: str) -> None:
    """Who may create, disable or reset whom: owners anyone but another owner's account is theirs alone to
    touch through the chain page; managers the cashiers and cooks of ``store_id``, one of their own stores."""
    authorize(actor, Action.STAFF_STORE, store_id)
    if actor.role is Role.OWNER:
        return
    if target_role not in (Role.CASHIER, Role.KITCHEN) or store_id not in target_store_ids:
        raise Forbidden("managers manage the cashiers and cooks of their stores", "店长只能管理本店的收银和后厨账号",
                        code="STAFF_OUT_OF_SCOPE", details={"role": target_role.value, "store_id": store_id})
    if not set(target_store_ids) <= set(actor.store_ids):
        raise Forbidden("this account also works in a store that is not yours", "该员工还属于其他门店，请联系老板",
                        code="STAFF_OUT_OF_SCOPE", details={"store_id": store_id})
