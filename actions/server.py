"""The action server (``actions/``) on loopback by default, with a shared token on every call.

``python -m actions.server`` replaces ``rasa run actions``: rasa-sdk listens on all interfaces
and answers anyone, and a forged ``/webhook`` call with an invented tracker could queue a handoff
or start a verification with the backend's service token (issue 14). Here:

- it listens on ``ACTION_HOST`` (default ``127.0.0.1``) and ``ACTION_PORT`` (default 5055);
- every request but ``GET /health`` needs ``ACTION_SERVER_TOKEN``, which Rasa sends as the
  ``token`` query parameter when ``action_endpoint`` in the endpoints file has
  ``token: ${ACTION_SERVER_TOKEN}`` (``rasa.utils.endpoints.EndpointConfig``); a bearer header
  is accepted too. Without the setting every call is refused (503): the server never runs open.
"""

from __future__ import annotations

import hmac
import logging
from typing import Optional

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from actions.backend_client import BackendClient
from actions.settings import ActionServerSettings

logger = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5055
OPEN_PATHS = frozenset({"/health"})


def presented_token(request: Request) -> str:
    """The token of a request: ``?token=`` (as Rasa sends it) or ``Authorization: Bearer``."""
    header = request.headers.get("Authorization") or ""
    if header.startswith("Bearer "):
        return header[len("Bearer ") :]
    return request.args.get("token") or ""


def protect(app: Sanic, token: Optional[str]) -> None:
    """Refuse every request to ``app`` but the health check without ``token``."""

    @app.middleware("request")
    async def check_token(request: Request) -> Optional[HTTPResponse]:
        if request.path in OPEN_PATHS:
            return None
        if not token:
            return response.json(
                {"error": "not_configured", "message": "ACTION_SERVER_TOKEN is not set."}, status=503
            )
        if not hmac.compare_digest(presented_token(request).encode("utf-8", "replace"), token.encode()):
            logger.warning("action server: call without a valid token refused")
            return response.json(
                {"error": "unauthorized", "message": "A valid token is required."}, status=401
            )
        return None


def create_app(actions_package: str = "actions") -> Sanic:
    """rasa-sdk's app for ``actions_package`` behind the token of ``ACTION_SERVER_TOKEN``."""
    from rasa_sdk.endpoint import create_app as sdk_app

    app = sdk_app(actions_package, cors_origins=None)
    token = ActionServerSettings.current().action_server_token
    if not token:
        logger.error("ACTION_SERVER_TOKEN unset: the action server refuses every call.")
    protect(app, token)

    @app.listener("after_server_stop")
    async def close_backend_connections(_app, _loop) -> None:
        """Close the kept-alive connections to the backend (Ctrl-C logged an unclosed session)."""
        await BackendClient.close_shared()

    return app


def main() -> None:
    from rasa_sdk import utils

    utils.configure_colored_logging("INFO")
    settings = ActionServerSettings.current()
    host, port = settings.action_host, settings.action_port
    app = create_app(settings.action_package)
    logger.info("Action server on http://%s:%s", host, port)
    app.run(host, port, workers=1, access_log=False)


if __name__ == "__main__":
    main()
