"""admin: the management console (Flask in the shared layer) behind a function URL (payload 2.0)."""

import serverless_wsgi

from diancan.console.app import create_app
from diancan.console.function_url import cookies_to_list
from diancan.observability import tools

logger, metrics, tracer = tools("admin")
app = create_app()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict, context) -> dict:
    return cookies_to_list(serverless_wsgi.handle_request(app, event, context))
