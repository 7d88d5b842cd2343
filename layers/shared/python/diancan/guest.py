"""The guest behind a request: the openid of a valid bearer token, or 401."""

from aws_lambda_powertools.event_handler import LambdaFunctionUrlResolver

from diancan import bootstrap
from diancan.http import bearer_token


def current_guest(app: LambdaFunctionUrlResolver) -> str:
    return bootstrap.token_signer().verify(bearer_token(app))
