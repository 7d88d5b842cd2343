"""Powertools idempotency records in the one table (``IDEMPOTENCY#<operation>`` / ``<operation>#<hash>``).

For operations a person triggers and might trigger twice (a staff refund clicked twice, a retried HTTP
call): the same request key returns the first result instead of doing it again. Operations that are
naturally idempotent through conditional writes (payments, transitions, stock) do not need it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from diancan.adapters.aws import client
from diancan.domain.request_keys import KeyInFlight, KeyReused

ONE_DAY = 24 * 3600
Once = Callable[..., dict]


def once(operation: str, table_name: str, region: str, *, key: str, validate: str,
         expires_after_seconds: int = ONE_DAY) -> Once:
    """``run(request, work, context=None)``: ``work()`` once per JMESPath ``key`` of ``request``; a repeat
    answers ``work``'s first (JSON) result without calling it. A failed ``work`` leaves no record, so the same
    key may try again; the same key with another ``validate`` part is 409 IDEMPOTENCY_KEY_REUSED, and one
    still running 409 REQUEST_IN_PROGRESS (a double click arriving while the first is at WeChat Pay). Given
    the Lambda ``context``, a run cut off by the function's timeout stops blocking its key when that time is
    up (without one, only when the record expires)."""
    from aws_lambda_powertools.utilities.idempotency import (
        DynamoDBPersistenceLayer,
        IdempotencyConfig,
        idempotent_function,
    )
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyValidationError,
    )

    store = DynamoDBPersistenceLayer(table_name=table_name, key_attr="PK", sort_key_attr="SK",
                                     static_pk_value=f"IDEMPOTENCY#{operation}", expiry_attr="expires_at",
                                     boto3_client=client("dynamodb", region))
    config = IdempotencyConfig(event_key_jmespath=key, payload_validation_jmespath=validate,
                               raise_on_no_idempotency_key=True, expires_after_seconds=expires_after_seconds)

    def run(request: dict, work: Callable[[], dict], context: Any = None) -> dict:
        def keyed(request: dict) -> dict:
            return work()

        if context is not None:
            config.register_lambda_context(context)
        keyed_once = idempotent_function(keyed, data_keyword_argument="request", persistence_store=store,
                                         config=config, key_prefix=operation)
        try:
            return keyed_once(request=request)
        except IdempotencyValidationError:
            raise KeyReused() from None
        except IdempotencyAlreadyInProgressError:
            raise KeyInFlight() from None

    return run
