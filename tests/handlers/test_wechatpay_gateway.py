"""WeChatPayGateway against the WeChat Pay simulator over loopback HTTP, mounted as the local stack mounts it."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta

import pytest
import requests
from wechatpayv3.utils import build_authorization, load_private_key
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from diancan.adapters.wechatpay import (
    OrderAlreadyPaid,
    UntrustedResponse,
    WeChatPayError,
    WeChatPayGateway,
    WeChatPayUnavailable,
)
from diancan.domain.clock import business_day
from local.serve import serving
from local.simulators.wxpay import create_app
from local.simulators.wxpay_crypto import load_public, verify_lines
from tests.wxpay_fixtures import (
    APPID,
    MCHID,
    MERCHANT_SERIAL,
    NotificationReceiver,
    make_config,
    make_simulator,
    now,
    other_wxpay_keys,
    wxpay_keys,
)

pytestmark = pytest.mark.handlers

OPENID = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"


@pytest.fixture(scope="module")
def receiver():
    receiver = NotificationReceiver()
    with serving(receiver.app()) as server:
        receiver.url = f"{server.base_url}/notify"
        yield receiver


@pytest.fixture(scope="module")
def simulator():
    sim = make_simulator(refund_delay_seconds=0.05)
    mounted = DispatcherMiddleware(lambda environ, start: [], {"/sim/wxpay": create_app(sim)})
    with serving(mounted) as server:
        sim.base_url = f"{server.base_url}/sim/wxpay"
        yield sim


@pytest.fixture(autouse=True)
def fresh_state(simulator, receiver):
    simulator.reset()
    receiver.answers.clear()
    while not receiver.arrivals.empty():
        receiver.arrivals.get_nowait()


@pytest.fixture
def gateway(simulator, receiver) -> WeChatPayGateway:
    return WeChatPayGateway(make_config(api_base=simulator.base_url, notify_url=receiver.url))


def control(simulator, action: str, body: dict) -> requests.Response:
    return requests.post(f"{simulator.base_url}/_control/{action}", json=body, timeout=5)


def prepay(gateway: WeChatPayGateway, out_trade_no: str = "ORD20261124001", amount_fen: int = 1000,
           expires: datetime | None = None) -> str:
    return gateway.prepay_jsapi(out_trade_no, amount_fen, OPENID, "点餐-堂食订单",
                                expires or now() + timedelta(minutes=15), attach="table=12")


def paid_order(gateway, simulator, receiver, out_trade_no: str = "ORD20261124001", amount_fen: int = 1000) -> dict:
    """Prepay, pay through the control route and consume the payment notification."""
    assert control(simulator, "pay", {"prepay_id": prepay(gateway, out_trade_no, amount_fen)}).status_code == 200
    arrival = receiver.next()
    return gateway.verify_notification(arrival.headers, arrival.body, now())


def wait_for(condition, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        time.sleep(0.02)
    return result


def test_a_paid_order_sends_a_notification_the_gateway_verifies_and_decrypts(gateway, simulator, receiver):
    notification = paid_order(gateway, simulator, receiver, amount_fen=1234)

    assert notification["event_type"] == "TRANSACTION.SUCCESS"
    assert notification["resource"]["out_trade_no"] == "ORD20261124001"
    assert notification["resource"]["trade_state"] == "SUCCESS"
    assert notification["resource"]["amount"]["total"] == 1234
    assert notification["resource"]["attach"] == "table=12"


def test_payment_params_are_signed_with_the_merchant_key_over_appid_timestamp_nonce_and_package(gateway):
    params = gateway.payment_params(prepay(gateway))

    assert params["package"].startswith("prepay_id=wx")
    assert params["signType"] == "RSA"
    assert verify_lines(load_public(wxpay_keys().merchant_public_pem), params["paySign"],
                        APPID, params["timeStamp"], params["nonceStr"], params["package"])


def test_query_shows_the_order_unpaid_and_then_paid(gateway, simulator, receiver):
    prepay_id = prepay(gateway)
    assert gateway.query_by_out_trade_no("ORD20261124001")["trade_state"] == "NOTPAY"

    control(simulator, "pay", {"prepay_id": prepay_id})
    paid = gateway.query_by_out_trade_no("ORD20261124001")

    assert paid["trade_state"] == "SUCCESS"
    assert paid["transaction_id"].startswith("4200")
    assert paid["payer"] == {"openid": OPENID}


def test_querying_an_unknown_order_is_a_business_error(gateway):
    with pytest.raises(WeChatPayError) as refused:
        gateway.query_by_out_trade_no("NO_SUCH_ORDER")

    assert (refused.value.code, refused.value.status) == ("ORDER_NOT_EXIST", 404)


def test_repeating_a_prepay_is_idempotent_but_changing_its_amount_is_refused(gateway):
    expires = now() + timedelta(minutes=15)  # a repeat sends the same parameters, its expiry included
    first = prepay(gateway, amount_fen=1000, expires=expires)

    assert prepay(gateway, amount_fen=1000, expires=expires) == first
    with pytest.raises(WeChatPayError) as refused:
        prepay(gateway, amount_fen=1001, expires=expires)
    assert refused.value.code == "OUT_TRADE_NO_USED"


def test_closing_an_unpaid_order_closes_it_and_it_can_no_longer_be_paid(gateway, simulator):
    prepay_id = prepay(gateway)

    gateway.close("ORD20261124001")

    assert gateway.query_by_out_trade_no("ORD20261124001")["trade_state"] == "CLOSED"
    assert control(simulator, "pay", {"prepay_id": prepay_id}).status_code == 409


def test_closing_a_paid_order_raises_order_already_paid(gateway, simulator, receiver):
    paid_order(gateway, simulator, receiver)

    with pytest.raises(OrderAlreadyPaid):
        gateway.close("ORD20261124001")


def test_a_full_refund_succeeds_and_sends_a_refund_notification(gateway, simulator, receiver):
    paid_order(gateway, simulator, receiver)

    refund = gateway.refund("ORD20261124001", "RF20261124001", 1000, 1000, "顾客取消")
    arrival = receiver.next()
    notification = gateway.verify_notification(arrival.headers, arrival.body, now())

    assert refund["status"] == "PROCESSING"
    assert notification["event_type"] == "REFUND.SUCCESS"
    assert notification["resource"]["refund_status"] == "SUCCESS"
    assert gateway.query_refund("RF20261124001")["status"] == "SUCCESS"
    assert gateway.query_by_out_trade_no("ORD20261124001")["trade_state"] == "REFUND"


def test_partial_refunds_may_add_up_to_the_paid_total_but_not_beyond(gateway, simulator, receiver):
    paid_order(gateway, simulator, receiver)
    gateway.refund("ORD20261124001", "RF1", 400, 1000, "少上一道菜")
    gateway.refund("ORD20261124001", "RF2", 600, 1000, "顾客取消")

    with pytest.raises(WeChatPayError) as refused:
        gateway.refund("ORD20261124001", "RF3", 1, 1000, "多退")

    assert refused.value.code == "INVALID_REQUEST"


def test_a_refund_above_the_paid_total_is_refused(gateway, simulator, receiver):
    paid_order(gateway, simulator, receiver)

    with pytest.raises(WeChatPayError) as refused:
        gateway.refund("ORD20261124001", "RF1", 1001, 1000, "多退")

    assert refused.value.code == "INVALID_REQUEST"


def test_an_abnormal_refund_set_through_the_control_route_is_notified(gateway, simulator, receiver):
    paid_order(gateway, simulator, receiver)
    control(simulator, "faults", {"hold_refunds": True})
    gateway.refund("ORD20261124001", "RF1", 1000, 1000, "顾客取消")

    assert control(simulator, "refund-result", {"out_refund_no": "RF1", "status": "ABNORMAL"}).ok
    arrival = receiver.next()

    assert gateway.verify_notification(arrival.headers, arrival.body, now())["event_type"] == "REFUND.ABNORMAL"
    assert gateway.query_refund("RF1")["status"] == "ABNORMAL"


def test_a_wrong_merchant_key_is_answered_401_sign_error(simulator, receiver):
    stranger = WeChatPayGateway(make_config(api_base=simulator.base_url, notify_url=receiver.url,
                                            merchant_private_key=other_wxpay_keys().merchant_private_pem))

    with pytest.raises(WeChatPayError) as refused:
        prepay(stranger)

    assert (refused.value.code, refused.value.status) == ("SIGN_ERROR", 401)


def test_an_answer_with_a_bad_signature_is_not_trusted(gateway, simulator):
    prepay(gateway)
    control(simulator, "faults", {"fail_calls": {"query": "bad_signature"}})

    with pytest.raises(UntrustedResponse):
        gateway.query_by_out_trade_no("ORD20261124001")


def test_answers_signed_by_another_platform_key_are_not_trusted(simulator, receiver):
    misconfigured = WeChatPayGateway(make_config(api_base=simulator.base_url, notify_url=receiver.url,
                                                 platform_public_key=other_wxpay_keys().platform_public_pem))

    with pytest.raises(UntrustedResponse):
        prepay(misconfigured)


def test_a_server_error_is_reported_as_unavailable_and_a_retry_succeeds(gateway, simulator):
    control(simulator, "faults", {"fail_calls": {"jsapi": 1}})

    with pytest.raises(WeChatPayUnavailable):
        prepay(gateway)
    assert prepay(gateway).startswith("wx")


def test_a_timeout_is_reported_as_unavailable(simulator, receiver):
    impatient = WeChatPayGateway(make_config(api_base=simulator.base_url, notify_url=receiver.url,
                                             timeout_seconds=0.2))
    control(simulator, "faults", {"fail_calls": {"query": {"mode": "timeout", "seconds": 0.6}}})

    with pytest.raises(WeChatPayUnavailable):
        impatient.query_by_out_trade_no("ORD20261124001")


def test_the_trade_bill_lists_the_days_payments_and_refunds(gateway, simulator, receiver):
    paid_order(gateway, simulator, receiver, amount_fen=1234)
    gateway.refund("ORD20261124001", "RF20261124001", 234, 1234, "少上一道菜")
    receiver.next()  # the refund has succeeded

    bill = gateway.trade_bill(business_day(now()))

    lines = bill.splitlines()
    assert lines[0].startswith("交易时间,公众账号ID,商户号")
    assert sum("`ORD20261124001" in line for line in lines) == 2
    assert lines[-1].split(",")[:3] == ["`2", "`12.34", "`2.34"]


def test_a_day_without_trades_has_no_bill(gateway):
    with pytest.raises(WeChatPayError) as refused:
        gateway.trade_bill(business_day(now()) - timedelta(days=1))

    assert refused.value.code == "NO_STATEMENT_EXIST"


def test_a_notification_is_retried_until_the_merchant_acknowledges_it(gateway, simulator, receiver):
    receiver.answers.extend([500, 503])

    bodies = [paid_order(gateway, simulator, receiver)["id"]]
    bodies += [json.loads(receiver.next().body)["id"] for _ in range(2)]

    assert len(set(bodies)) == 1
    delivery = wait_for(lambda: [d for d in simulator.state()["notifications"] if d["status"] == "delivered"])
    assert delivery[0]["attempts"] == ["500", "503", "204"]


def test_duplicated_notifications_carry_the_same_event_id(gateway, simulator, receiver):
    control(simulator, "faults", {"duplicate": 1})

    first = paid_order(gateway, simulator, receiver)
    second = receiver.next()

    assert json.loads(second.body)["id"] == first["id"]


def test_the_simulator_refuses_a_request_whose_body_differs_from_the_signed_one(simulator):
    path = "/v3/pay/transactions/out-trade-no/ORD20261124001/close"
    signed_body = json.dumps({"mchid": MCHID})
    authorization = build_authorization(path, "POST", MCHID, MERCHANT_SERIAL,
                                        load_private_key(wxpay_keys().merchant_private_pem), data=signed_body)

    answer = requests.post(simulator.base_url + path, data=json.dumps({"mchid": MCHID, "x": 1}),
                           headers={"Authorization": authorization, "Content-Type": "application/json"}, timeout=5)

    assert answer.status_code == 401
    assert answer.json()["code"] == "SIGN_ERROR"


def test_reordered_notifications_arrive_newest_first(gateway, simulator, receiver):
    control(simulator, "faults", {"reorder": True})
    first, second = prepay(gateway, "ORD20261124001"), prepay(gateway, "ORD20261124002")

    control(simulator, "pay", {"prepay_id": first})
    control(simulator, "pay", {"prepay_id": second})
    arrivals = [gateway.verify_notification(a.headers, a.body, now()) for a in (receiver.next(), receiver.next())]

    assert [n["resource"]["out_trade_no"] for n in arrivals] == ["ORD20261124002", "ORD20261124001"]


def test_a_dropped_notification_is_recorded_but_never_sent(gateway, simulator):
    control(simulator, "faults", {"drop": True})

    control(simulator, "pay", {"prepay_id": prepay(gateway)})

    assert [d["status"] for d in simulator.state()["notifications"]] == ["dropped"]
    assert gateway.query_by_out_trade_no("ORD20261124001")["trade_state"] == "SUCCESS"


def test_the_merchant_key_is_parsed_once_and_proven_by_a_signature_its_public_key_verifies():
    from cryptography.hazmat.primitives.asymmetric import padding
    from cryptography.hazmat.primitives.hashes import SHA256

    from diancan.adapters.wechatpay import merchant_key

    pem = wxpay_keys().merchant_private_pem
    key = merchant_key(pem)
    assert merchant_key(pem) is key
    bare = "".join(line for line in pem.splitlines() if "-----" not in line)  # the SDK also takes the bare base64
    assert merchant_key(bare).private_numbers() == key.private_numbers()
    signature = key.sign(b"order", padding.PKCS1v15(), SHA256())
    load_private_key(pem).public_key().verify(signature, b"order", padding.PKCS1v15(), SHA256())


def test_a_damaged_or_non_rsa_merchant_key_is_refused_when_the_client_is_built():
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    from diancan.adapters.wechatpay import merchant_key

    def pem_of(key) -> str:
        return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption()).decode()

    numbers = load_private_key(wxpay_keys().merchant_private_pem).private_numbers()
    # OpenSSL checks each signature and redoes a wrong one with d: both must be wrong for a wrong signature
    damaged = rsa.RSAPrivateNumbers(numbers.p, numbers.q, numbers.d + 2, numbers.dmp1 + 2, numbers.dmq1, numbers.iqmp,
                                    numbers.public_numbers).private_key(unsafe_skip_rsa_key_validation=True)
    with pytest.raises(ValueError, match="damaged"):
        merchant_key(pem_of(damaged))
    with pytest.raises(ValueError, match="RSA"):
        merchant_key(pem_of(ec.generate_private_key(ec.SECP256R1())))
    with pytest.raises(ValueError, match="not a PEM private key"):
        merchant_key("MIIEnotakey")
