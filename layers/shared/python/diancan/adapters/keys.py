"""Key building for the one table: the only place that knows PK/SK layouts (docs/table.md).

Store partition rule: everything the menu read needs sorts between ``#PROFILE`` and ``DISH#~`` so that
one range query returns the profile, categories, combos and dishes; other store items (tables,
stations, ingredients, counters) use prefixes that sort after ``DISH#``.
"""

from __future__ import annotations

import hashlib

PROFILE = "#PROFILE"
MENU_FIRST, MENU_LAST = PROFILE, "DISH#\uffff"
# The store's service state (busy, delivery paused, open kitchen tickets): inside the menu read's range
# (``#S`` sorts after ``#PROFILE``, before ``CATEGORY#``), so the menu says "busy" without a call of its own.
SERVICE = "#SERVICE"
ORDER = "ORDER"
STORES = "STORES"


def store(store_id: str) -> str:
    return f"STORE#{store_id}"


def category(sort: int, category_id: str) -> str:
    return f"CATEGORY#{sort:04d}#{category_id}"


def dish(dish_id: str) -> str:
    return f"DISH#{dish_id}"


def table(table_no: str) -> str:
    return f"TABLE#{table_no}"


def store_listing(city: str, store_id: str) -> str:
    return f"{city}#{store_id}"


def order(order_id: str) -> str:
    return f"ORDER#{order_id}"


def order_id_of(partition: str) -> str:
    """The order id of an order partition key (``ORDER#<oid>``)."""
    return partition.removeprefix("ORDER#")


def user(openid: str) -> str:
    return f"USER#{openid}"


def order_key(idempotency_key: str) -> str:
    return f"ORDERKEY#{idempotency_key}"


def store_day(store_id: str, day: str) -> str:
    return f"STORE#{store_id}#{day}"


def timed(at_iso: str, ident: str) -> str:
    return f"{at_iso}#{ident}"


CHAIN = "CHAIN"
NONCE = "NONCE"
SWEEP_CURSOR = ("SWEEP", "CURSOR")  # = due_cursor("SWEEP")


def slots(store_id: str, day: str) -> str:
    """A store's pickup slots of one local day (one partition: the day's slots in one Query)."""
    return f"SLOTS#{store_id}#{day}"


def slot(hhmm: str) -> str:
    return f"SLOT#{hhmm}"


def voucher(reference: str) -> str:
    return f"VOUCHER#{reference}"


def store_vouchers(store_id: str) -> str:
    return f"VOUCHERS#{store_id}"


def seq(n: int) -> str:
    return f"{n:012d}"


def refund(out_refund_no: str) -> str:
    return f"REFUND#{out_refund_no}"


def notify_nonce(nonce: str) -> str:
    return f"NOTIFY#{nonce}"


def sweep(minute: str) -> str:
    return due_bucket("SWEEP", minute)


def due_bucket(queue: str, minute: str) -> str:
    """A minute's bucket of due work of one queue (``SWEEP``: the order sweeper; ``ERASE``: the erasure worker)."""
    return f"{queue}#{minute}"


def due_cursor(queue: str) -> tuple[str, str]:
    """The last minute a queue's worker finished."""
    return (queue, "CURSOR")


ERASURE = "ERASURE"  # in the guest's partition: ``USER#<openid>/ERASURE``, their latest "delete my data" request
ERASURES = "ERASURES"  # GSI2PK of every erasure request, newest last (the console's list)
ERASE_QUEUE = "ERASE"
TABLE_NAME = "TNAME#"  # ``USER#<openid>/TNAME#<session id>``: a table session where the guest gave a nickname


def table_name(session_id: str) -> str:
    return f"{TABLE_NAME}{session_id}"


def sweep_item(task: str, ident: str) -> str:
    return f"{task}#{ident}"


# ---- printing and the kitchen (print_dispatch, print_check, kitchen screen) -------------------------------
NOT_PRINTED = "NOT_PRINTED"  # order flag while one of its tickets is FAILED


def station(station_id: str) -> str:
    """A kitchen station in the store partition; ``STATION#`` sorts after ``DISH#``, outside the menu read."""
    return f"STATION#{station_id}"


def printer(sn: str) -> str:
    """A cloud printer the store registered at its vendor (``PRINTER#`` sorts after ``DISH#``)."""
    return f"PRINTER#{sn}"


def print_job(ticket_id: str) -> str:
    """A ticket's print job in its order's partition (``ORDER#<id>``)."""
    return f"PRINT#{ticket_id}"


def kitchen_queue(store_id: str, station_id: str) -> str:
    """GSI1PK of a kitchen ticket until it is bumped (sparse): a station's open tickets by payment time."""
    return f"KDS#{store_id}#{station_id}"


def print_sent(store_id: str) -> str:
    """GSI2PK of a job sent and not yet confirmed printed (sparse): what print_check asks the vendor about."""
    return f"PRINTSENT#{store_id}"


def print_failed(store_id: str) -> str:
    """GSI2PK of a job that could not be printed (sparse): the console's "not printed" list."""
    return f"PRINTFAIL#{store_id}"


# ---- stock (adapters/stock_table.py): store items sort after "DISH#", so the menu read never sees them ----
INGREDIENT_PREFIX = "INGREDIENT#"
STOCK_ALERT_PREFIX = "STOCKALERT#"
STOCK_DEDUCTED_PREFIX = "STOCK#DEDUCTED#"
STOCK_ISSUE = "STOCK_ISSUE"
# Menu and ingredients in one range read (stock's fresh read after a change): #PROFILE … INGREDIENT#~ holds the
# menu items, CHAIN and the ingredients only. STOCKALERT# is not reachable the same way: LOG#AUDIT# (the
# store's whole audit log) and STATS#<day> (one item a day) sort between INGREDIENT# and STOCKALERT#.
MENU_AND_STOCK_LAST = f"{INGREDIENT_PREFIX}\uffff"


def ingredient(ingredient_id: str) -> str:
    return f"{INGREDIENT_PREFIX}{ingredient_id}"


def stock_alert(ingredient_id: str) -> str:
    return f"{STOCK_ALERT_PREFIX}{ingredient_id}"


def ledger(store_id: str, ingredient_id: str) -> str:
    return f"LEDGER#{store_id}#{ingredient_id}"


def ledger_entry(movement: str, ref: str) -> str:
    """Keyed by what made the movement (not when), so a retried movement finds its own entry."""
    return f"{movement}#{ref}"


def stock_deducted(chunk: int) -> str:
    return f"{STOCK_DEDUCTED_PREFIX}{chunk:02d}"


def stock_issues(store_id: str) -> str:
    return f"STOCKISSUES#{store_id}"


# ---- marketing (coupons, members, points, reviews, recommendations) ----------------------------------
COUPON_TEMPLATES = "COUPONTPL"
MEMBER = "MEMBER"


def coupon_template(template_id: str) -> str:
    return f"TPL#{template_id}"


def guest_coupon(coupon_id: str) -> str:
    return f"COUPON#{coupon_id}"


def coupon_claims(template_id: str) -> str:
    return f"CLAIM#{template_id}"


def points_entry(ref: str) -> str:
    return f"POINTS#{ref}"


def coupon_uses(store_id: str, day: str) -> str:
    return f"COUPONUSE#{store_id}#{day}"


def coupon_claims_in(template_id: str, period: str) -> str:
    """Claims of an automatic template within one period (a birthday's year, a win-back's absence)."""
    return f"CLAIM#{template_id}#{period}"


# ---- loyalty activity, reviews and "guess you like" (adapters/guest_activity.py, reviews.py) ----------------
MEMBER_INFO = "MEMBERINFO"
STORE_RECO = "RECO"  # in the store partition; "RECO" sorts after "DISH#\uffff", outside the menu read
ORDER_REVIEW = "REVIEW"


def guest_reco(store_id: str) -> str:
    """A guest's dish counts in one store (``USER#<openid>`` / ``RECO#<sid>``)."""
    return f"RECO#{store_id}"


def last_order_on(day: str) -> str:
    """GSI2PK of a member's info item: the guests whose latest order was on ``day`` (win-back, after N)."""
    return f"LASTORDER#{day}"


def phone_only_since(day: str) -> str:
    """GSI2PK of the member info of a guest who shared a phone on ``day`` and never ordered (phone retention);
    their first paid order moves it to ``LASTORDER#<day>``."""
    return f"PHONEONLY#{day}"


# ---- member profiles and segments (adapters/member_profile_table.py) -------------------------------------
MEMBER_PROFILE = "MEMBERPROFILE"
PROFILE_SHARDS = 16  # GSI1 partitions the daily job pages through, so no index partition holds every member


def profile_shard_of(openid: str) -> str:
    """GSI1PK of a member's profile: ``PROFILES#<nn>``, the shard fixed by the openid's hash."""
    shard = int(hashlib.sha256(openid.encode("utf-8")).hexdigest()[:8], 16) % PROFILE_SHARDS
    return profile_shard(shard)


def profile_shard(shard: int) -> str:
    return f"PROFILES#{shard:02d}"


def in_segment(segment: str) -> str:
    """GSI2PK of a member's profile: the members the daily job last put in ``segment``."""
    return f"SEGMENT#{segment}"


CAMPAIGN = "CAMPAIGN"
CAMPAIGNS_DUE = "CAMPAIGNS#SCHEDULED"  # GSI1PK of a campaign until it is sent; GSI1SK ``<send_at>#<id>``


def campaign(campaign_id: str) -> str:
    return f"CAMPAIGN#{campaign_id}"


def campaign_member(openid: str) -> str:
    return f"MEMBER#{openid}"


SEGMENT_SETTINGS = ("SEGMENTS", "SETTINGS")  # thresholds and saved custom segments; sorts after every DAY#


def custom_segment(segment_id: str) -> str:
    """PK of a saved custom segment's member items (SK ``MEMBER#<openid>``, as a campaign's)."""
    return f"CUSTOMSEGMENT#{segment_id}"


def segment_run(day: str) -> tuple[str, str]:
    """The daily job's cursor and partial figures for one business day (``SEGMENTS`` / ``RUN#<day>``), so a run
    cut short by the Lambda's time limit is continued by the next invocation."""
    return "SEGMENTS", f"RUN#{day}"


def segment_sizes(day: str) -> tuple[str, str]:
    """The sizes of every segment on one business day (``SEGMENTS`` / ``DAY#<day>``): the "over time" view."""
    return "SEGMENTS", f"DAY#{day}"


def birthday_on(month_day: str) -> str:
    """GSI1PK of a member's info item when they gave a birthday (``MM-DD``)."""
    return f"BIRTHDAY#{month_day}"


def joined_on(day: str) -> str:
    """GSI1PK of a user profile item: the guests who first logged in on ``day`` (new-member coupons)."""
    return f"JOINED#{day}"


# The counter's member lookup (adapters/member_lookup_table.py): by the last 4 digits of a bound phone, or by
# the member code staff see. A user's phone-tail item lives in their own partition, so erasure deletes it by key.
PHONE_TAIL = "PHONETAIL"


def phone_tail(tail: str) -> str:
    """GSI1PK of a member's ``USER#<openid>`` / ``PHONETAIL`` item: the members whose phone ends in ``tail``."""
    return f"PHONETAIL#{tail}"


def member_code_of(code: str) -> str:
    """GSI2PK of a user profile item: the guest whose member code is ``code`` (set at every login)."""
    return f"MEMBERCODE#{code}"


def dish_reviews(store_id: str, dish_id: str) -> str:
    """The partition of a dish's reviews (dish ids are per store: the demo stores share them)."""
    return f"DISH#{store_id}#{dish_id}"


def dish_review(at_iso: str, order_id: str) -> str:
    return f"REVIEW#{at_iso}#{order_id}"


def order_of_dish_review(sort_key: str) -> str:
    """The order id in a dish review's sort key (``REVIEW#<at>#<oid>``)."""
    return sort_key.rsplit("#", 1)[-1]


def store_reviews(store_id: str, month: str) -> str:
    """GSI2PK of review items: a store's reviews of a month (``yyyy-mm``), for the keyword report."""
    return f"REVIEWS#{store_id}#{month}"


# ---- delivery (adapters/delivery_table.py) ------------------------------------------------------------
DELIVERY = "DELIVERY"  # SK of an order's dispatch (``ORDER#<oid>/DELIVERY``)
RIDER = "RIDER"  # SK of the rider's latest position while the order is out for delivery (``ORDER#<oid>/RIDER``)


def active_deliveries(store_id: str) -> str:
    """GSI1PK of a dispatch while it is not ended (sparse): the console's active deliveries of a store."""
    return f"DELIVERIES#{store_id}"


# ---- dine-in tables (adapters/seating_table.py) ------------------------------------------------------------
TABLE_OPEN_PREFIX = "TABLEOPEN#"  # in the store partition, sorts after "DISH#": never part of the menu read
TABLE_SESSION = "SESSION"
CART_LINE_PREFIX = "LINE#"
ROUND_PREFIX = "ROUND#"
CALL_PREFIX = "CALL#"


def table_open(table_no: str) -> str:
    """``STORE#<sid>`` / ``TABLEOPEN#<no>``: the table's open session (exists while one is open)."""
    return f"{TABLE_OPEN_PREFIX}{table_no}"


def table_session(session_id: str) -> str:
    """Partition of a table session: ``SESSION``, its cart lines, rounds and service calls."""
    return f"TSESSION#{session_id}"


def cart_line(line_id: str) -> str:
    return f"{CART_LINE_PREFIX}{line_id}"


def table_round(round_no: int) -> str:
    return f"{ROUND_PREFIX}{round_no:03d}"


def service_call(call_id: str) -> str:
    return f"{CALL_PREFIX}{call_id}"


def open_calls(store_id: str) -> str:
    """GSI2PK of a service call until it is answered (sparse): the console's open calls of a store."""
    return f"CALLS#{store_id}"


# ---- reports (adapters/report_index.py, adapters/report_sources.py) -------------------------------------
USER_PROFILE = "PROFILE"  # SK of a guest's user item (USER#<openid>), written by repository.record_login
CHAIN_SCOPE = "chain"


def reports(scope: str) -> str:
    """Partition of a scope's report index (a store id or ``chain``): one item per built report."""
    return f"REPORTS#{scope}"


def report_entry(period: str, first_day: str) -> str:
    """``<day|week|month>#<first day of the period>``: sorts by period kind, then by date."""
    return f"{period}#{first_day}"


# ---- sold-out events (adapters/sold_out_log.py) ----------------------------------------------------------


def sold_out_events(store_id: str, day: str) -> str:
    """Partition of a store's sold-out and back-in-stock moments of one business day (report operations)."""
    return f"SOLDOUT#{store_id}#{day}"


def notice(kind: str) -> str:
    """``NOTICE#READY``: a WeChat message to an order's guest (sorts before ``ORDER``, outside the order's
    ``ORDER..STOCK_ISSUE`` read)."""
    return f"NOTICE#{kind}"


# ---- WeChat access token (adapters/wechat_token_table.py) ------------------------------------------------

ACCESS_TOKEN = "ACCESS_TOKEN"


def wechat_app(appid: str) -> str:
    """Partition of what every container shares about one mini-program (its server access token)."""
    return f"WECHAT#{appid}"


# ---- the management console: staff, login names, sessions, the audit log, login throttling -------------------
#
# | item | PK | SK | notes |
# | --- | --- | --- | --- |
# | staff profile | ``STAFF#<id>`` | ``PROFILE`` | GSI1 ``STAFF`` / ``<login>`` lists all staff |
# | login name | ``STAFFLOGIN#<login>`` | ``STAFF`` | unique login → staff id |
# | session | ``STAFFSESSION#<sha256(id)>`` | ``SESSION`` | TTL ``expires_at``; the raw id never stored |
# | audit entry | ``STORE#<sid>`` | ``LOG#AUDIT#<iso>#<id>`` | newest first by a reverse range query |
# | day counters | ``STORE#<sid>`` | ``STATS#<yyyy-mm-dd>`` | atomic ADD (adapters.counters) |
# | login throttle | ``LOGINGUARD#<scope>#<hmac>`` (scope account or client) | ``GUARD`` | ``failures`` ADD, ``last_at``; TTL |
# | first owner claim | ``DEPLOYMENT`` | ``FIRST_OWNER`` | written once, with the first owner (``python -m tools.ops first-owner``) |
# | lockouts of an hour | ``LOGINGUARD#LOCKOUTS`` | ``<yyyy-mm-ddTHH>`` | ``lockouts`` ADD (alert threshold); TTL |
#
# Store-partition items sort after ``DISH#`` (keys.py rule) so the one-query menu read never sees them:
# hence ``LOG#AUDIT#`` rather than ``AUDIT#``. Chain-wide audit entries live under ``STORE#_chain``.

STAFF_LIST = "STAFF"
STAFF_PROFILE = "PROFILE"
LOGIN_SK = "STAFF"
SESSION_SK = "SESSION"
AUDIT_PREFIX = "LOG#AUDIT#"
CHAIN_PARTITION = "_chain"  # audit of chain-wide actions
SECURITY_PARTITION = "_security"  # audit of login lockouts (the owner's staff page lists them)
GUARD_SK = "GUARD"
LOCKOUTS_PK = "LOGINGUARD#LOCKOUTS"
DEPLOYMENT_PK = "DEPLOYMENT"
FIRST_OWNER_SK = "FIRST_OWNER"


def staff(staff_id: str) -> str:
    return f"STAFF#{staff_id}"


def staff_login(login: str) -> str:
    return f"STAFFLOGIN#{login}"


def staff_session(session_hash: str) -> str:
    return f"STAFFSESSION#{session_hash}"


def login_guard(scope: str, digest: str) -> str:
    return f"LOGINGUARD#{scope}#{digest}"


def audit(at_iso: str, entry_id: str) -> str:
    return f"{AUDIT_PREFIX}{at_iso}#{entry_id}"


def stats(day: str) -> str:
    return f"STATS#{day}"


# ---- shifts (adapters/shift_table.py): their own partition per store, out of every store-partition read ------
SHIFT_PREFIX = "SHIFT#"


def shifts(store_id: str) -> str:
    """The partition of a store's shifts (``SHIFTS#<sid>``): the shifts newest first, one query."""
    return f"SHIFTS#{store_id}"


def shift(shift_id: str) -> str:
    return f"{SHIFT_PREFIX}{shift_id}"


def open_shift(staff_id: str) -> str:
    """Exists while the cashier has an open shift in the store: put only if absent, deleted at closing."""
    return f"OPENSHIFT#{staff_id}"


# ---- invoices (adapters/invoice_table.py) ------------------------------------------------------------------
INVOICE = "INVOICE"  # in the order's partition: ``ORDER#<oid>/INVOICE`` (one request per order)
INVOICE_RED = "INVOICE#RED"  # beside it: the red invoice (冲红) that reverses it, counted on its own day


def invoices_pending(store_id: str) -> str:
    """GSI2PK of an invoice request until it is issued (sparse): the console's pending list."""
    return f"INVOICES#{store_id}"


def invoiced(store_id: str, day: str) -> str:
    """GSI2PK of an issued invoice: the store's invoices of a business day, what the settlement counts."""
    return f"INVOICED#{store_id}#{day}"


# ---- daily settlement (adapters/settlement_table.py) -----------------------------------------------------
BILL_WAIT = "BILLWAIT"


def settlement(scope: str) -> str:
    """Partition of a scope's daily settlements (a store id or ``chain``): one item per settled day."""
    return f"SETTLEMENT#{scope}"


def settlement_day(day: str) -> str:
    return f"DAY#{day}"


# ---- push over WebSocket (adapters/push_table.py) -------------------------------------------------------
PUSH_CONNECTION = "CONN"


def push_connection(connection_id: str) -> str:
    """``WSCONN#<connection id>`` / ``CONN``: who holds the connection and which topics it subscribed."""
    return f"WSCONN#{connection_id}"


def push_listeners(order_id: str | None, store_id: str | None) -> str:
    """The partition of a topic's subscriptions: the order's (``PUSH#ORDER#<oid>``) or the store's
    (``PUSH#STORE#<sid>``, its kitchen stations, pickup board and dashboard together): one push reads one
    partition per audience with one Query."""
    return f"PUSH#ORDER#{order_id}" if order_id else f"PUSH#STORE#{store_id}"


def push_subscription(topic: str, connection_id: str) -> str:
    return f"{topic}#{connection_id}"
