"""The chat page (``bot/web/static``) served by the chat channel (bot.channels.secure_socketio) at
``/chat/`` on the Rasa server itself (same origin as socket.io): the static files, ``GET
/chat/api/config`` and, in development mode only, ``POST /chat/api/demo-login``, which mints a
login token for a demo account of ``fixtures/demo_accounts.yml``."""
from __future__ import annotations

import json
import logging
import mimetypes
from pathlib import Path
from typing import Any, Dict, List, Tuple

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import settings
from bot.channels import guard

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent.parent / "web" / "static"
DEFAULT_DEMO_ACCOUNTS = "fixtures/demo_accounts.yml"
DEMO_TOKEN_MINUTES = 60


def load_demo_accounts(path: Path) -> List[Dict[str, str]]:
    """``[{"id", "name"}]`` of the demo fixture; empty when the file is missing or unreadable."""
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, yaml.YAMLError) as exc:
        logger.warning("Cannot read demo accounts from %s: %s", path, exc)
        return []
    accounts = data.get("accounts") if isinstance(data, dict) else None
    result = []
    for account in accounts or []:
        if isinstance(account, dict) and account.get("id") not in (None, ""):
            result.append({"id": str(account["id"]), "name": str(account.get("name") or "")})
    return result


class ChatPage:
    """The page's routes, for the channel that holds its settings (chat_path, embed_origins,
    demo_accounts_path and the socket.io settings the page reads from its config)."""

    def add_page_routes(self, app: Sanic) -> None:
        if not self.chat_path:
            return
        base = self.chat_path
        channel = self

        async def redirect(_: Request) -> HTTPResponse:
            return response.redirect(base + "/", status=308)

        async def index(_: Request) -> HTTPResponse:
            return await channel._static_file("index.html")

        async def static(_: Request, path: str) -> HTTPResponse:
            return await channel._static_file(path)

        async def config(_: Request) -> HTTPResponse:
            return channel._json(channel.page_config())

        async def demo_login(request: Request) -> HTTPResponse:
            status, body = channel.demo_login(request)
            return channel._json(body, status=status)

        add = app.add_route
        add(redirect, base, methods=["GET"], name="madoguchi_chat_redirect", strict_slashes=True)
        add(index, base + "/", methods=["GET"], name="madoguchi_chat_index", strict_slashes=True)
        add(config, base + "/api/config", methods=["GET"], name="madoguchi_chat_config")
        add(demo_login, base + "/api/demo-login", methods=["POST"], name="madoguchi_demo_login")
        add(static, base + "/<path:path>", methods=["GET"], name="madoguchi_chat_static")

    def _security_headers(self) -> Dict[str, str]:
        ancestors = " ".join(["'self'", *self.embed_origins])
        return {
            "Content-Security-Policy": (
                "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
                f"frame-ancestors {ancestors}"
            ),
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            "Cache-Control": "no-cache",
        }

    def _json(self, body: Any, status: int = 200) -> HTTPResponse:
        headers = self._security_headers()
        headers["Cache-Control"] = "no-store"
        return response.json(body, status=status, headers=headers, ensure_ascii=False)

    async def _static_file(self, relative: str) -> HTTPResponse:
        root = STATIC_DIR.resolve()
        try:
            path = (root / relative).resolve()
            path.relative_to(root)
        except (ValueError, OSError):
            return response.text("not found", status=404)
        if not path.is_file():
            return response.text("not found", status=404)
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if path.suffix == ".js":
            mime = "text/javascript"
        if mime.startswith("text/") or mime.endswith("javascript"):
            mime += "; charset=utf-8"
        return await response.file(path, mime_type=mime, headers=self._security_headers())

    def page_config(self) -> Dict[str, Any]:
        dev = settings.dev_mode()
        return {
            "socketio_path": self.socketio_path,
            "namespace": self.namespace,
            "transports": self.transports,
            "user_message_evt": self.user_message_evt,
            "bot_message_evt": self.bot_message_evt,
            "max_message_chars": min(self.max_message_chars, guard.MAX_CHARS),
            "dev_mode": dev,
            "embed_origins": self.embed_origins,
            "demo_accounts": load_demo_accounts(self.demo_accounts_path) if dev else [],
        }

    def demo_login(self, request: Request) -> Tuple[int, Dict[str, Any]]:
        """Mint a login token for a demo account (development mode only)."""
        if not settings.dev_mode():
            return 404, {"error": "not_found"}
        if "application/json" not in (request.headers.get("content-type") or ""):
            return 415, {"error": "expected application/json"}
        try:
            body = json.loads(request.body or b"{}")
        except ValueError:
            return 400, {"error": "invalid JSON"}
        account_id = body.get("account_id") if isinstance(body, dict) else None
        accounts = {a["id"]: a for a in load_demo_accounts(self.demo_accounts_path)}
        if not isinstance(account_id, str) or account_id not in accounts:
            return 403, {"error": "not a demo account"}
        from bot.identity import tokens

        token = tokens.issue(account_id, minutes=DEMO_TOKEN_MINUTES)
        return 200, {
            "token": token,
            "account_id": account_id,
            "name": accounts[account_id]["name"],
            "expires_in_minutes": DEMO_TOKEN_MINUTES,
        }
