"""auth: POST /login {"code"} → a signed session token (creating the user on first login)."""

from pydantic import BaseModel, Field

from diancan import bootstrap
from diancan.http import make_resolver, parse_body
from diancan.observability import tools
from diancan.services.auth import login

logger, metrics, tracer = tools("auth")
app = make_resolver()


class LoginRequest(BaseModel):
    code: str = Field(min_length=1, max_length=128)


@app.post("/login")
def post_login() -> dict:
    request = parse_body(app, LoginRequest)
    answer = login(request.code, wechat=bootstrap.wechat_login(), repository=bootstrap.repository(),
                   signer=bootstrap.token_signer())
    metrics.add_metric(name="GuestLogins", unit="Count", value=1)
    return answer


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict, context) -> dict:
    return app.resolve(event, context)
