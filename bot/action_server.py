"""The action server, started as ``python -m bot.action_server --actions actions [--port 5055]``.

rasa_sdk 3.6's server accepts any caller and believes any tracker it is sent: a forged
``POST /webhook`` could run the account actions or the verification form directly. This wrapper
creates the same rasa_sdk Sanic app and adds:

* **a shared secret**: every request except ``GET /health`` must carry
  ``Authorization: Bearer $MADOGUCHI_ACTION_SECRET`` (Rasa sends it: ``headers`` of
  ``action_endpoint`` in endpoints.yml). Missing → 401, wrong → 403 (constant-time comparison).
  Without MADOGUCHI_ACTION_SECRET the server refuses to start.
* **loopback by default**: it listens on 127.0.0.1 unless SANIC_HOST says otherwise (a container
  in Kubernetes sets SANIC_HOST=0.0.0.0 and a NetworkPolicy that admits only the Rasa pods);
* **a body limit** (MADOGUCHI_ACTION_MAX_BODY_BYTES, default 4 MiB) enforced by Sanic for plain and
  chunked bodies, and on the decompressed size of a ``Content-Encoding: deflate`` body;
* no CORS (only Rasa calls it) and error bodies that never echo the request.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import zlib
from typing import Any, Optional

from bot import settings
from bot.identity import signing

SECRET_ENV = "MADOGUCHI_ACTION_SECRET"
DEFAULT_MAX_BODY = 4 * 1024 * 1024
MIN_SECRET_CHARS = 16
OPEN_PATHS = ("/health",)

logger = logging.getLogger(__name__)


def max_body_bytes() -> int:
    return settings.positive_int("MADOGUCHI_ACTION_MAX_BODY_BYTES", DEFAULT_MAX_BODY)


def configured_secret() -> str:
    secret = os.environ.get(SECRET_ENV, "").strip()
    if len(secret) < MIN_SECRET_CHARS:
        raise SystemExit(f"{SECRET_ENV} must be set (at least {MIN_SECRET_CHARS} characters): only Rasa, "
                         "which sends it from endpoints.yml, may call the action server")
    return secret


def authorized(header: Optional[str], secret: str) -> Optional[int]:
    """None when the Authorization header carries the secret; else the HTTP status (401 / 403)."""
    if not header:
        return 401
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not value:
        return 401
    if not signing.equal(value.strip(), secret):
        return 403
    return None


def inflate_bounded(data: bytes, limit: int) -> bytes:
    """zlib-decompress at most `limit` bytes; a larger (or broken) body raises ValueError."""
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(data, limit + 1)
    except zlib.error as exc:
        raise ValueError("bad deflate body") from exc
    if len(out) > limit or inflater.unconsumed_tail:
        raise ValueError("body too large")
    return out


def create_app(actions: str = "actions", secret: Optional[str] = None, *, auto_reload: bool = False) -> Any:
    from sanic import response
    from sanic.exceptions import SanicException
    from rasa_sdk.endpoint import create_app as sdk_app

    from bot.privacy import logs, masking

    secret = secret or configured_secret()
    masking.add_secret(secret)
    logs.install()
    app = sdk_app(actions, cors_origins="", auto_reload=auto_reload)
    limit = max_body_bytes()
    app.config.REQUEST_MAX_SIZE = limit

    @app.middleware("request")
    async def require_secret(request: Any) -> Any:
        if request.path in OPEN_PATHS and request.method in ("GET", "HEAD"):
            return None
        status = authorized(request.headers.get("authorization"), secret)
        if status is not None:
            logger.warning("action server: refused %s %s from %s (%s)", request.method, request.path,
                           request.ip, "no credentials" if status == 401 else "wrong secret")
            headers = {"WWW-Authenticate": "Bearer"} if status == 401 else {}
            return response.json({"error": "unauthorized" if status == 401 else "forbidden"},
                                 status=status, headers=headers)
        if request.headers.get("content-encoding") == "deflate":
            try:
                body = inflate_bounded(request.body or b"", limit)
            except ValueError:
                return response.json({"error": "invalid or too large body"}, status=413)
            # rasa_sdk decompresses again without a bound: hand it plain JSON instead.
            request.body = body
            request.parsed_json = None
            try:
                request.parsed_json = json.loads(body)
            except ValueError:
                return response.json({"error": "invalid body"}, status=400)
            request.headers.pop("content-encoding", None)
        return None

    # rasa_sdk's own handler returns the whole request body in its error response: not that.
    @app.exception(Exception)
    async def on_error(request: Any, exception: Exception) -> Any:
        if isinstance(exception, SanicException):
            status = getattr(exception, "status_code", 500) or 500
            return response.json({"error": str(exception)[:200]}, status=status)
        logger.error("action server: exception in %s %s", request.method, request.path, exc_info=exception)
        return response.json({"error": "internal error"}, status=500)

    return app


def main(argv: Optional[list] = None) -> None:
    from rasa_sdk import utils
    from rasa_sdk.constants import APPLICATION_ROOT_LOGGER_NAME
    from rasa_sdk.plugin import plugin_manager

    parser = argparse.ArgumentParser(description="Madoguchi's action server (rasa_sdk with a shared secret)")
    parser.add_argument("--actions", default="actions")
    parser.add_argument("-p", "--port", type=int, default=5055)
    parser.add_argument("-i", "--interface", default=os.environ.get("SANIC_HOST", "127.0.0.1"))
    parser.add_argument("--auto-reload", action="store_true")
    utils.add_logging_level_option_arguments(parser)
    utils.add_logging_file_arguments(parser)
    args = parser.parse_args(argv)
    utils.configure_colored_logging(args.loglevel)
    utils.configure_file_logging(logging.getLogger(APPLICATION_ROOT_LOGGER_NAME), args.log_file,
                                 args.loglevel, args.logging_config_file)
    utils.update_sanic_log_level()
    try:
        secret = configured_secret()
    except SystemExit as exc:
        print(f"action server: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    app = create_app(args.actions, secret, auto_reload=args.auto_reload)
    plugin_manager().hook.attach_sanic_app_extensions(app=app)
    logger.info("Action endpoint is up and running on http://%s:%s (shared secret required)", args.interface, args.port)
    app.run(args.interface, args.port, workers=utils.number_of_sanic_workers(), access_log=False)


if __name__ == "__main__":
    main()
