"""Hardened socket.io input channel and the chat page (``/chat/``) that talks to it.

Rasa 3.6's stock ``SocketIOInput`` with ``session_persistence`` lets a client name any
``session_id`` in ``session_request`` (and in every ``user_uttered``), i.e. join and write
into somebody else's conversation. Here:

* session ids are issued by the server: ``web-<secrets.token_urlsafe(24)>`` is the Rasa
  sender id; the client receives ``<sender id>.<issued at>.<HMAC>`` (the *session key*),
  signed with a key derived from ``bot.settings.secret()``;
* ``session_request`` resumes a session only for a session key with a valid, unexpired
  signature; anything else (no id, a plain sender id, a forged or tampered key) gets a
  fresh session;
* the session is bound to the socket.io connection server-side; ``user_uttered`` always
  uses the bound session and ignores any ``session_id`` in the message;
* bot messages go only to the room of that session;
* the customer's login token (``metadata.token`` of a message, else ``auth.token`` of the
  connection) is passed on to Rasa as ``metadata.token`` -- checked by the shared input guard
  (``bot/channels/guard.py``), which replaces it by a signed conversation claim; other client
  metadata is not forwarded except ``display`` (the title of a clicked quick-reply button, for
  history, cleaned like a message: guard.clean_display) and, outside production, ``today``; the text
  goes through the guard's input rules too;
* on resume, the conversation history is read from the tracker store and sent to that
  connection only (event ``session_history``);
* **logout**: the event ``logout`` and a ``session_request`` with ``{"new": true}`` (the page's
  ログアウト and 新しい会話) drop the connection's login token, and ``logout`` also removes the
  identity proof (slot ``identity_proof``) of the conversation the connection was bound to; a later
  message is anonymous unless it carries a token itself. A reconnect only has the token the page
  still holds (``auth`` is read again by the client on every connection);
* at most guard.MESSAGE_RATE messages per minute per connection; the channel's ``client`` metadata
  (the verification limits, bot.identity.limits) is a hash of the connection id.

The same channel serves the chat page (``bot/web/static``) at ``/chat/`` on the Rasa server
itself (same origin as socket.io), ``GET /chat/api/config`` and, in development mode only,
``POST /chat/api/demo-login`` which mints a login token for a demo account of
``fixtures/demo_accounts.yml``.

credentials.yml::

    bot.channels.secure_socketio.SecureSocketIOInput:
      user_message_evt: user_uttered
      bot_message_evt: bot_uttered
      socketio_path: /socket.io

Optional: ``chat_path`` (default ``/chat``; empty disables the page), ``embed_origins`` (sites
allowed to show the page in an iframe and to hand it a login token), ``cors_allowed_origins``
(default: same origin only), ``session_max_age_hours`` (24), ``max_message_chars`` (2000),
``demo_accounts`` (``fixtures/demo_accounts.yml``), ``transports`` (``[polling]``), ``namespace``,
``client_manager_url`` (``redis://…``: rooms shared between several Rasa servers).
"""
from __future__ import annotations

import json
import logging
import mimetypes
import secrets
import time
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, Iterable, List, Optional, Text, Tuple

from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketIOOutput

from bot import rasa_ext, settings
from bot.channels import guard  # also installs log masking
from bot.identity import signing

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent.parent / "web" / "static"
DEFAULT_DEMO_ACCOUNTS = "fixtures/demo_accounts.yml"

SENDER_PREFIX = "web-"
_SIGNING_CONTEXT = b"madoguchi/chat-session/v1"
# client metadata keys that are passed on to Rasa, through bot.channels.guard (everything else is
# dropped; `today` outside production only; the channel adds its own `client`)
FORWARDED_METADATA_KEYS = ("token", "display", "today")
MAX_TOKEN_CHARS = 4096
MAX_DISPLAY_CHARS = 200
HISTORY_LIMIT = 200
# HTTP long-polling only by default: the websocket implementation of sanic 21.12 (pinned by
# Rasa 3.6) fails on Python 3.11 ("Passing coroutines is forbidden" in asyncio.wait), which
# breaks the upgrade. Set ``transports: [polling, websocket]`` once sanic is newer.
DEFAULT_TRANSPORTS = ("polling",)

Handler = Callable[[UserMessage], Awaitable[Any]]


# --------------------------------------------------------------------------- session keys
def _signature(sender_id: str, issued_at: int) -> str:
    # A key of its own (derived), so a chat-session signature can never double as a login token.
    key = signing.derive_key(_SIGNING_CONTEXT)
    return signing.mac_b64(key, f"{sender_id}.{issued_at}")


def new_sender_id() -> str:
    """A fresh, unguessable Rasa sender id for a web conversation."""
    return SENDER_PREFIX + secrets.token_urlsafe(24)


def sign_session(sender_id: str, issued_at: Optional[int] = None) -> str:
    """The session key handed to the client: ``<sender id>.<issued at>.<signature>``."""
    issued_at = int(time.time()) if issued_at is None else int(issued_at)
    return f"{sender_id}.{issued_at}.{_signature(sender_id, issued_at)}"


def verify_session(session_key: Any, max_age_seconds: Optional[float] = None) -> Optional[str]:
    """The sender id of a session key this server issued (and that has not expired), else None."""
    if not isinstance(session_key, str) or len(session_key) > 200:
        return None
    parts = session_key.split(".")
    if len(parts) != 3:
        return None
    sender_id, issued_text, signature = parts
    if not sender_id.startswith(SENDER_PREFIX) or not issued_text.isdigit():
        return None
    issued_at = int(issued_text)
    expected = _signature(sender_id, issued_at)
    if not signing.equal(signature, expected):
        return None
    now = time.time()
    if issued_at > now + 300:  # from the future: not one of ours
        return None
    if max_age_seconds is not None and now - issued_at > max_age_seconds:
        return None
    return sender_id


# ----------------------------------------------------------------------------- demo accounts
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


# ---------------------------------------------------------------------------------- output
class SecureSocketIOOutput(SocketIOOutput):
    """Bot messages go to the room of the conversation, and nowhere else. `sent` counts them (every
    send_* of SocketIOOutput emits through _send_message): guard.handle_with_fallback apologises
    when Rasa sent nothing."""

    sent = 0

    @classmethod
    def name(cls) -> Text:
        return SecureSocketIOInput.name()

    async def _send_message(self, socket_id: Text, response: Any) -> None:
        self.sent += 1
        if isinstance(response, dict):
            response = {**response, "timestamp": time.time()}
        await self.sio.emit(self.bot_message_evt, response, room=socket_id)

    async def send_custom_json(
        self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any
    ) -> None:
        # The stock channel lets the payload pick the room (``json_message["room"]``).
        await self._send_message(recipient_id, {"custom": json_message})


class _ChatBlueprint(Blueprint):
    """Blueprint that also attaches socket.io and the chat page (at the app root) to the app."""

    def __init__(self, channel: "SecureSocketIOInput", sio: AsyncServer, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.ctx.channel = channel
        self.ctx.sio = sio

    def register(self, app: Sanic, options: Dict[Text, Any]) -> None:
        guard.limit_request_size(app)
        self.ctx.sio.attach(app, self.ctx.channel.socketio_path)
        self.ctx.channel._app = app
        self.ctx.channel._add_page_routes(app)
        super().register(app, options)


# ----------------------------------------------------------------------------------- input
class SecureSocketIOInput(InputChannel):
    """socket.io channel with server-issued, signed sessions bound to the connection."""

    @classmethod
    def name(cls) -> Text:
        return "madoguchi"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        rasa_ext.install()  # start-up of the Rasa server (credentials.yml); idempotent
        credentials = credentials or {}
        return cls(
            user_message_evt=credentials.get("user_message_evt", "user_uttered"),
            bot_message_evt=credentials.get("bot_message_evt", "bot_uttered"),
            namespace=credentials.get("namespace"),
            socketio_path=credentials.get("socketio_path", "/socket.io"),
            chat_path=credentials.get("chat_path", "/chat"),
            embed_origins=credentials.get("embed_origins") or [],
            cors_allowed_origins=credentials.get("cors_allowed_origins"),
            session_max_age_hours=credentials.get("session_max_age_hours", 24),
            max_message_chars=credentials.get("max_message_chars", 2000),
            demo_accounts=credentials.get("demo_accounts", DEFAULT_DEMO_ACCOUNTS),
            transports=credentials.get("transports") or DEFAULT_TRANSPORTS,
            client_manager_url=credentials.get("client_manager_url"),
        )

    def __init__(
        self,
        user_message_evt: Text = "user_uttered",
        bot_message_evt: Text = "bot_uttered",
        namespace: Optional[Text] = None,
        socketio_path: Text = "/socket.io",
        chat_path: Optional[Text] = "/chat",
        embed_origins: Iterable[Text] = (),
        cors_allowed_origins: Any = None,
        session_max_age_hours: Optional[float] = 24,
        max_message_chars: int = 2000,
        demo_accounts: Text = DEFAULT_DEMO_ACCOUNTS,
        transports: Iterable[Text] = DEFAULT_TRANSPORTS,
        client_manager_url: Optional[Text] = None,
    ) -> None:
        self.user_message_evt = user_message_evt
        self.bot_message_evt = bot_message_evt
        self.namespace = namespace or "/"
        self.socketio_path = socketio_path
        self.chat_path = ("/" + chat_path.strip("/")) if chat_path else None
        self.embed_origins = [str(o) for o in embed_origins]
        # None = same origin only (engine.io checks the Origin header against the Host).
        self.cors_allowed_origins = cors_allowed_origins
        self.session_max_age = (
            float(session_max_age_hours) * 3600 if session_max_age_hours else None
        )
        self.max_message_chars = int(max_message_chars)
        path = Path(demo_accounts)
        self.demo_accounts_path = path if path.is_absolute() else settings.PROJECT_ROOT / path
        self.transports = [str(t) for t in transports]
        # redis://... : rooms shared by several Rasa processes (a reply or an HTTP-API push made
        # by one server reaches the customer's connection on another). None: in-process rooms.
        self.client_manager_url = client_manager_url or None
        self.sio: Optional[AsyncServer] = None
        self._app: Optional[Sanic] = None

    def get_output_channel(self) -> Optional[OutputChannel]:
        """Output channel for messages Rasa pushes outside a user turn (e.g. the HTTP API)."""
        if self.sio is None:
            return None
        return SecureSocketIOOutput(self.sio, self.bot_message_evt)

    # ------------------------------------------------------------------ socket.io handlers
    def blueprint(self, on_new_message: Handler) -> Blueprint:
        manager = None
        if self.client_manager_url:
            from socketio import AsyncRedisManager

            manager = AsyncRedisManager(self.client_manager_url, channel="madoguchi-socketio")
        sio = AsyncServer(
            async_mode="sanic",
            client_manager=manager,
            cors_allowed_origins=self.cors_allowed_origins,
            max_http_buffer_size=64 * 1024,
            transports=self.transports,
        )
        self.sio = sio
        bp = _ChatBlueprint(self, sio, "madoguchi_webhook", __name__)

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @sio.on("connect", namespace=self.namespace)
        async def connect(sid: Text, environ: Dict, auth: Optional[Dict] = None) -> bool:
            token = auth.get("token") if isinstance(auth, dict) else None
            await sio.save_session(
                sid, {"sender_id": None, "token": _clean_token(token)}, namespace=self.namespace
            )
            logger.debug("socket.io client %s connected", sid)
            return True

        @sio.on("disconnect", namespace=self.namespace)
        async def disconnect(sid: Text, *args: Any) -> None:
            guard.MESSAGE_RATE.forget(guard.client_id("sio", sid))
            logger.debug("socket.io client %s disconnected", sid)

        @sio.on("logout", namespace=self.namespace)
        async def logout(sid: Text, data: Any = None) -> None:
            """ログアウト: the connection's login and the bound conversation's identity proof end."""
            async with sio.session(sid, namespace=self.namespace) as session:
                session["token"] = None
                sender_id = session.get("sender_id")
            if sender_id:
                await self._forget_identity(sender_id)
            await sio.emit("logged_out", {}, to=sid, namespace=self.namespace)
            logger.debug("socket.io client %s logged out", sid)

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: Text, data: Any = None) -> None:
            fresh = isinstance(data, dict) and data.get("new") is True
            requested = data.get("session_id") if isinstance(data, dict) and not fresh else None
            sender_id = verify_session(requested, self.session_max_age)
            resumed = sender_id is not None
            if not resumed:
                sender_id = new_sender_id()
            async with sio.session(sid, namespace=self.namespace) as session:
                previous = session.get("sender_id")
                session["sender_id"] = sender_id
                if fresh:
                    session["token"] = None   # 新しい会話: the page sends its token again if it has one
            if previous and previous != sender_id:
                await sio.leave_room(sid, previous, namespace=self.namespace)
            await sio.enter_room(sid, sender_id, namespace=self.namespace)
            # A fresh signature each time: the session stays alive while it is in use.
            await sio.emit(
                "session_confirm", sign_session(sender_id), to=sid, namespace=self.namespace
            )
            if resumed:
                history = await self._history(sender_id)
                await sio.emit(
                    "session_history", {"messages": history}, to=sid, namespace=self.namespace
                )
            logger.debug("socket.io client %s bound to %s (resumed=%s)", sid, sender_id, resumed)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: Text, data: Any = None) -> None:
            session = await sio.get_session(sid, namespace=self.namespace)
            sender_id = session.get("sender_id")
            if not sender_id:
                logger.warning("Ignoring a message from %s before session_request", sid)
                await sio.emit(
                    "session_error", {"error": "no_session"}, to=sid, namespace=self.namespace
                )
                return
            if not isinstance(data, dict):
                return
            text = data.get("message")
            if not isinstance(text, str):
                return
            output = SecureSocketIOOutput(sio, self.bot_message_evt)
            client = guard.client_id("sio", sid)
            if not guard.MESSAGE_RATE.allow(client):
                logger.warning("socket.io: message rate limit reached in conversation %s", sender_id)
                await output.send_text_message(sender_id, guard.RATE_LIMIT_REPLY)
                return
            # Shared input rules (bot/channels/guard.py): control/bidi characters, length, empty
            # text, slash syntax, phone numbers; the login token becomes a conversation claim.
            text, reply = guard.clean_text(text)
            if reply is not None or text is None:
                await output.send_text_message(sender_id, reply or guard.EMPTY_REPLY)
                return
            text = text[: self.max_message_chars]
            metadata = self._metadata(data.get("metadata"), session.get("token"))
            metadata = await guard.secure_metadata(metadata, sender_id, extra=metadata, client=client)
            message = UserMessage(
                text, output, sender_id, input_channel=self.name(), metadata=metadata
            )
            await sio.emit("bot_typing", {"typing": True}, room=sender_id, namespace=self.namespace)
            try:
                agent = getattr(getattr(self._app, "ctx", None), "agent", None)
                await guard.handle_with_fallback(on_new_message, message, agent)
            finally:
                await sio.emit(
                    "bot_typing", {"typing": False}, room=sender_id, namespace=self.namespace
                )

        return bp

    @staticmethod
    def _metadata(raw: Any, connection_token: Optional[str]) -> Dict[str, Any]:
        if isinstance(raw, str):
            try:
                raw = json.loads(raw)
            except ValueError:
                raw = None
        raw = raw if isinstance(raw, dict) else {}
        metadata: Dict[str, Any] = {}
        token = _clean_token(raw.get("token")) or connection_token
        if token:
            metadata["token"] = token
        display = guard.clean_display(raw.get("display"))
        if display:
            metadata["display"] = display
        today = guard.clean_today(raw.get("today"))
        if today:
            metadata["today"] = today
        return metadata

    async def _forget_identity(self, sender_id: str) -> None:
        """Remove the identity proof from the conversation's tracker (after ログアウト)."""
        agent = getattr(getattr(self._app, "ctx", None), "agent", None)
        store = getattr(agent, "tracker_store", None)
        if store is None:
            return
        try:
            from rasa.shared.core.events import SlotSet

            lock_store = getattr(agent, "lock_store", None)
            if lock_store is not None:
                async with lock_store.lock(sender_id):   # not in the middle of one of its turns
                    await self._drop_proof(store, sender_id, SlotSet)
            else:
                await self._drop_proof(store, sender_id, SlotSet)
        except Exception:  # the logout itself has happened (the token is gone); log and go on
            logger.exception("Cannot remove the identity proof of a web conversation after logout")

    @staticmethod
    async def _drop_proof(store: Any, sender_id: str, slot_set: Any) -> None:
        tracker = await store.retrieve(sender_id)
        if tracker is None or not tracker.get_slot("identity_proof"):
            return
        tracker.update(slot_set("identity_proof", None))
        await store.save(tracker)

    async def _history(self, sender_id: str) -> List[Dict[str, Any]]:
        """The conversation so far, as the chat page shows it (text only)."""
        agent = getattr(getattr(self._app, "ctx", None), "agent", None)
        store = getattr(agent, "tracker_store", None)
        if store is None:
            return []
        try:
            retrieve = getattr(store, "retrieve_full_tracker", None) or store.retrieve
            tracker = await retrieve(sender_id)
        except Exception:  # the page must still work when the store hiccups
            logger.exception("Cannot read the history of a web conversation")
            return []
        if tracker is None:
            return []
        return history_messages(tracker.events)[-HISTORY_LIMIT:]

    # ----------------------------------------------------------------------- chat page
    def _add_page_routes(self, app: Sanic) -> None:
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
        minutes = 60
        token = tokens.issue(account_id, minutes=minutes)
        return 200, {
            "token": token,
            "account_id": account_id,
            "name": accounts[account_id]["name"],
            "expires_in_minutes": minutes,
        }


def _clean_token(token: Any) -> Optional[str]:
    if isinstance(token, str) and token.strip() and len(token) <= MAX_TOKEN_CHARS:
        return token.strip()
    return None


def history_messages(events: Iterable[Any]) -> List[Dict[str, Any]]:
    """User and bot utterances of a tracker, in the shape the chat page renders."""
    messages: List[Dict[str, Any]] = []
    for event in events:
        kind = getattr(event, "type_name", None)
        timestamp = getattr(event, "timestamp", None)
        if kind == "user":
            metadata = getattr(event, "metadata", None) or {}
            display = metadata.get("display") if isinstance(metadata, dict) else None
            text = display if isinstance(display, str) and display else (event.text or "")
            if text:
                messages.append({"sender": "user", "text": text, "timestamp": timestamp})
        elif kind == "bot":
            data = getattr(event, "data", None) or {}
            buttons = data.get("buttons") or data.get("quick_replies") or []
            parts = [p for p in (event.text or "").strip().split("\n\n") if p] or [""]
            for index, part in enumerate(parts):
                message: Dict[str, Any] = {"sender": "bot", "text": part, "timestamp": timestamp}
                if index == len(parts) - 1 and buttons:
                    message["quick_replies"] = [
                        {"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))}
                        for b in buttons
                        if isinstance(b, dict)
                    ]
                if message["text"] or message.get("quick_replies"):
                    messages.append(message)
    return messages
