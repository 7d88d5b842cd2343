"""admin: the management console (Flask in the shared layer) behind a function URL (payload 2.0).

The console's services are built from diancan.bootstrap on the first request, not at import (cold start)."""

import serverless_wsgi

from diancan.console.app import create_app
from diancan.console.config import console_settings
from diancan.console.function_url import cookies_to_list
from diancan.console.wiring import build
from diancan.observability import tools

logger, metrics, tracer = tools("admin")
settings = console_settings()
app = create_app(lambda: build(settings), settings)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict, context) -> dict:
    return cookies_to_list(serverless_wsgi.handle_request(app, event, context))
