"""Hardened socket.io input channel (the chat page's, bot.channels.chat_page, at ``/chat/``).

Rasa 3.6's stock ``SocketIOInput`` with ``session_persistence`` lets a client name any
``session_id`` in ``session_request`` (and in every ``user_uttered``), i.e. join and write
into somebody else's conversation. Here:

* session ids are issued by the server and signed (bot.channels.session_keys);
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
  connection only (event ``session_history``, bot.channels.web_conversations);
* **logout**: the event ``logout`` and a ``session_request`` with ``{"new": true}`` (the page's
  ログアウト and 新しい会話) drop the connection's login token, and ``logout`` also removes the
  identity proof (slot ``identity_proof``) of the conversation the connection was bound to; a later
  message is anonymous unless it carries a token itself. A reconnect only has the token the page
  still holds (``auth`` is read again by the client on every connection);
* at most guard.MESSAGE_RATE messages per minute per connection; the channel's ``client`` metadata
  (the verification limits, bot.identity.limits) is a hash of the connection id.

Its credentials.yml entry ``bot.channels.secure_socketio.SecureSocketIOInput``, the optional keys and
their defaults, the routes and the events: docs/chat-widget.md.
"""
from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, Iterable, Optional, Text

from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketIOOutput

from bot import rasa_ext, settings
from bot.channels import guard  # also installs log masking
from bot.channels import no_reply, web_conversations
from bot.channels.blueprints import AttachingBlueprint
from bot.channels.chat_page import DEFAULT_DEMO_ACCOUNTS, ChatPage
from bot.channels.session_keys import new_sender_id, sign_session, verify_session

logger = logging.getLogger(__name__)

# HTTP long-polling only by default: the websocket implementation of sanic 21.12 (pinned by
# Rasa 3.6) fails on Python 3.11 ("Passing coroutines is forbidden" in asyncio.wait), which
# breaks the upgrade. Set ``transports: [polling, websocket]`` once sanic is newer.
DEFAULT_TRANSPORTS = ("polling",)

Handler = Callable[[UserMessage], Awaitable[Any]]


class SecureSocketIOOutput(SocketIOOutput):
    """Bot messages go to the room of the conversation, and nowhere else. `sent` counts them (every
    send_* of SocketIOOutput emits through _send_message): no_reply.handle_with_fallback apologises
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


class SecureSocketIOInput(ChatPage, InputChannel):
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

    def _attach(self, app: Sanic, sio: AsyncServer) -> None:
        """socket.io and the chat page at the app root; the server's body limit."""
        guard.limit_request_size(app)
        sio.attach(app, self.socketio_path)
        self._app = app
        self.add_page_routes(app)

    def _agent(self) -> Any:
        """Rasa's agent (its tracker and lock stores), once the server has started."""
        return getattr(getattr(self._app, "ctx", None), "agent", None)

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
        bp = AttachingBlueprint(lambda app: self._attach(app, sio), "madoguchi_webhook", __name__)

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
                await web_conversations.forget_identity(self._agent(), sender_id)
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
                history = await web_conversations.history(self._agent(), sender_id)
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
                await no_reply.handle_with_fallback(on_new_message, message, self._agent())
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


def _clean_token(token: Any) -> Optional[str]:
    if isinstance(token, str) and token.strip() and len(token) <= guard.MAX_TOKEN_CHARS:
        return token.strip()
    return None
