"""auth: POST /login {"code"} → a signed session token (creating the user on first login)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body
from pydantic import BaseModel, Field

from diancan import bootstrap
from diancan.http import make_resolver
from diancan.observability import tools
from diancan.services.auth import login

logger, metrics, tracer = tools("auth")
app = make_resolver()


class LoginRequest(BaseModel):
    code: str = Field(min_length=1, max_length=128, description="the code from wx.login()")


class LoginAnswer(BaseModel):
    token: str = Field(description="send as Authorization: Bearer <token>")
    expires_in: int = Field(description="seconds")
    new_user: bool


@app.post("/login", summary="Exchange a wx.login code for a session token", tags=["auth"])
def post_login(request: Annotated[LoginRequest, Body()]) -> LoginAnswer:
    answer = login(request.code, wechat=bootstrap.wechat_login(), repository=bootstrap.repository(),
                   signer=bootstrap.token_signer(), business_tz=bootstrap.settings().business_tz)
    metrics.add_metric(name="GuestLogins", unit="Count", value=1)
    return LoginAnswer.model_validate(answer)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict, context) -> dict:
    return app.resolve(event, context)
