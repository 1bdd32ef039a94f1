"""Hardened REST input channel: ``POST /webhooks/rest/webhook`` (the public contract, interfaces.md).

Request: ``{"sender": "<conversation id>", "message": "<text>", "metadata": {"token": "<login token>"}}``.

* A malformed request gets a 4xx JSON error ``{"error": <code>, "message": <explanation>}``: a body
  that is not JSON (or not UTF-8, or too large), not an object; ``sender`` missing, not a string,
  empty, longer than MAX_SENDER_CHARS, with control characters, or using the web chat's reserved
  prefix; ``message`` not a string; ``metadata`` not an object.
* Every well-formed request gets a non-empty list of bot messages, never a 500 or a stack trace:
  the text goes through bot.channels.guard (control/bidi characters and lone surrogates removed,
  phone numbers reduced to their last 4 digits, empty and over-long text answered politely without
  NLU, slash syntax other than the bot's own button payloads read as plain text); when Rasa
  produced nothing (the action server down or failing) or takes longer than no_reply.REPLY_TIMEOUT,
  the customer gets an apology with the right contacts.
* ``metadata.token`` is checked here and replaced with a conversation-bound claim
  (bot.identity.claims.issue_claim). Optional ``metadata.client``: the backend's id of the end customer (a
  session id, at most MAX_SENDER_CHARS): the per-client limits count it across that customer's
  conversations (else each conversation is its own client); it reaches Rasa only hashed. Outside
  production ``metadata.today`` is passed on; other metadata is not. The tracker store never holds a
  login token.
* The same text from the same sender within DEDUP_SECONDS (bot.channels.repeats) gets the previous answer.
* ``?stream=true`` is not supported (answered as a normal request).
* **Who may call it** (``authorize``): with ``MADOGUCHI_ENV=production`` only callers with
  ``Authorization: Bearer $MADOGUCHI_REST_TOKEN`` (constant-time comparison; anything else: 401; no
  token configured: the channel is off, 403 for everyone); in development only loopback callers
  (the peer address and any X-Forwarded-For / X-Real-IP / Forwarded address), 403 otherwise.
  ``GET /webhooks/rest/`` (health) stays open.
* At most guard.MESSAGE_RATE messages per minute per client (429, ``{"error": "rate_limited",
  "message": <a polite Japanese request to wait>}``, Retry-After: 60).
* The Rasa server's body limit (plain and chunked) is guard.MAX_BODY_BYTES (``limit_request_size``).

credentials.yml (replaces Rasa's stock ``rest:`` entry; the URL stays /webhooks/rest/webhook)::

    bot.channels.rest.HardenedRestInput:
"""
from __future__ import annotations

import ipaddress
import json
import logging
import os
import unicodedata
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.core.channels.rest import RestInput

from bot import rasa_ext
from bot.channels import guard, no_reply  # guard also installs log masking
from bot.channels.blueprints import AttachingBlueprint
from bot.channels.repeats import Deduplicator
from bot.identity import signing

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = guard.MAX_BODY_BYTES
MAX_SENDER_CHARS = 128
RESERVED_SENDER_PREFIXES = ("web-",)   # conversations of the web chat (bot.channels.secure_socketio)

Handler = Callable[[UserMessage], Awaitable[Any]]


class BadRequest(Exception):
    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def _error(exc: BadRequest) -> HTTPResponse:
    return response.json({"error": exc.code, "message": exc.message}, status=exc.status, ensure_ascii=False)


def parse_body(raw: Optional[bytes]) -> Dict[str, Any]:
    """The request's JSON object; raises BadRequest for anything else."""
    raw = raw or b""
    if len(raw) > MAX_BODY_BYTES:
        raise BadRequest("body_too_large", f"the request body must be at most {MAX_BODY_BYTES} bytes", 413)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("invalid_encoding", "the request body must be UTF-8 encoded JSON") from None
    try:
        body = json.loads(text)
    except (ValueError, RecursionError):
        raise BadRequest("invalid_json", "the request body must be a JSON object") from None
    if not isinstance(body, dict):
        raise BadRequest("invalid_body", "the request body must be a JSON object")
    return body


def parse_sender(body: Dict[str, Any]) -> str:
    sender = body.get("sender")
    if sender is None:
        raise BadRequest("missing_sender", "'sender' (the conversation id) is required")
    if not isinstance(sender, str):
        raise BadRequest("invalid_sender", "'sender' must be a string")
    if not sender.strip() or len(sender) > MAX_SENDER_CHARS:
        raise BadRequest("invalid_sender", f"'sender' must be 1 to {MAX_SENDER_CHARS} characters")
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp") for ch in sender):
        raise BadRequest("invalid_sender", "'sender' must not contain control characters")
    if sender.startswith(RESERVED_SENDER_PREFIXES):
        raise BadRequest("invalid_sender", "'sender' uses a prefix reserved for the web chat")
    return sender


def parse_message(body: Dict[str, Any]) -> str:
    message = body.get("message")
    if not isinstance(message, str):
        raise BadRequest("invalid_message", "'message' must be a string")
    return message


def parse_metadata(body: Dict[str, Any]) -> Dict[str, Any]:
    metadata = body.get("metadata")
    if metadata is None:
        return {}
    if not isinstance(metadata, dict):
        raise BadRequest("invalid_metadata", "'metadata' must be a JSON object")
    return metadata


def _bot_text(sender_id: str, text: str) -> Dict[str, Any]:
    return {"recipient_id": sender_id, "text": text}


# ------------------------------------------------------------------------------ who may call
REST_TOKEN_ENV = "MADOGUCHI_REST_TOKEN"
_FORWARD_HEADERS = ("x-forwarded-for", "x-real-ip")


def _is_loopback(address: Any) -> bool:
    text = str(address or "").strip().strip("[]")
    if text.lower().startswith("::ffff:"):
        text = text[7:]
    try:
        return ipaddress.ip_address(text).is_loopback
    except ValueError:
        return False


def _forwarded_addresses(request: Request) -> List[str]:
    found: List[str] = []
    for name in _FORWARD_HEADERS:
        for value in request.headers.getall(name, []):
            found += [part.strip() for part in value.split(",") if part.strip()]
    for value in request.headers.getall("forwarded", []):
        for element in value.split(","):
            for pair in element.split(";"):
                key, _, val = pair.strip().partition("=")
                if key.lower() == "for":
                    val = val.strip('"')
                    if val.startswith("["):
                        val = val[1:].split("]", 1)[0]
                    elif val.count(":") == 1:
                        val = val.split(":", 1)[0]
                    found.append(val)
    return found


def authorize(request: Request) -> Optional[BadRequest]:
    """None when this caller may use the REST channel, else the error to answer with."""
    from bot import settings

    if settings.dev_mode():
        peer = getattr(request, "ip", None) or getattr(getattr(request, "conn_info", None), "client_ip", None)
        addresses = [peer] + _forwarded_addresses(request)
        if all(_is_loopback(a) for a in addresses):
            return None
        return BadRequest("forbidden", "in development the REST channel answers loopback callers only", 403)
    expected = os.environ.get(REST_TOKEN_ENV, "").strip()
    if not expected:
        return BadRequest("rest_disabled", "the REST channel is off (MADOGUCHI_REST_TOKEN is not set)", 403)
    header = request.headers.get("authorization") or ""
    scheme, _, given = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not signing.equal(given.strip(), expected):
        return BadRequest("unauthorized", "Authorization: Bearer <MADOGUCHI_REST_TOKEN> is required", 401)
    return None


def rest_client(sender_id: str, metadata: Dict[str, Any]) -> str:
    """The client the limits count (messages per minute, failed verifications): the end customer the
    backend names in ``metadata.client`` (e.g. its session id; callers are authenticated, see
    authorize), else the conversation. Hashed (guard.client_id)."""
    named = metadata.get("client")
    if isinstance(named, str) and 0 < len(named.strip()) <= MAX_SENDER_CHARS:
        return guard.client_id("rest", named.strip())
    return guard.client_id("rest-conversation", sender_id)


class HardenedRestInput(RestInput):
    """Rasa's REST channel with the input rules of bot.channels.guard."""

    @classmethod
    def name(cls) -> Text:
        return "rest"

    def __init__(self) -> None:
        self.dedup = Deduplicator()

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        rasa_ext.install()  # start-up of the Rasa server (credentials.yml); idempotent
        return cls()

    async def _answer(self, on_new_message: Handler, request: Request, sender_id: str, text: str,
                      metadata: Dict[str, Any]) -> List[Dict[str, Any]]:
        collector = CollectingOutputChannel()
        message = UserMessage(text, collector, sender_id, input_channel=self.name(), metadata=metadata)
        answered = await no_reply.run_in_time(on_new_message, message)
        agent = getattr(getattr(request.app, "ctx", None), "agent", None)
        if not answered:
            # Rasa keeps working on it (and saves the conversation); the customer is not kept waiting.
            logger.warning("no answer within %.0f s in conversation %s", no_reply.REPLY_TIMEOUT, sender_id)
            return [_bot_text(sender_id, await no_reply.no_reply_text(agent, sender_id, slow=True))]
        messages = list(collector.messages)
        if not messages:
            messages = [_bot_text(sender_id, await no_reply.no_reply_text(agent, sender_id))]
        return messages

    def blueprint(self, on_new_message: Handler) -> Blueprint:
        webhook = AttachingBlueprint(guard.limit_request_size, "madoguchi_rest_webhook", __name__)
        from bot.privacy import masking

        masking.add_secret(os.environ.get(REST_TOKEN_ENV, "").strip())

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            refused = authorize(request)
            if refused is not None:
                logger.warning("REST channel: refused a caller (%s)", refused.code)
                reply = _error(refused)
                if refused.status == 401:
                    reply.headers["WWW-Authenticate"] = "Bearer"
                return reply
            try:
                body = parse_body(request.body)
                sender_id = parse_sender(body)
                raw_text = parse_message(body)
                raw_metadata = parse_metadata(body)
            except BadRequest as exc:
                return _error(exc)
            client = rest_client(sender_id, raw_metadata)
            if not guard.MESSAGE_RATE.allow(client):
                logger.warning("REST channel: message rate limit reached in conversation %s", sender_id)
                limited = _error(BadRequest("rate_limited", guard.RATE_LIMIT_REPLY, 429))
                limited.headers["Retry-After"] = "60"
                return limited
            try:
                text, reply = guard.clean_text(raw_text)
                if reply is not None:
                    return response.json([_bot_text(sender_id, reply)], ensure_ascii=False)
                assert text is not None
                token = raw_metadata.get("token")

                async def produce() -> List[Dict[str, Any]]:
                    metadata = await guard.secure_metadata(raw_metadata, sender_id, client=client)
                    return await self._answer(on_new_message, request, sender_id, text, metadata)

                messages = await self.dedup.run(self.dedup.key(sender_id, text, token), produce)
            except Exception:
                logger.exception("REST message could not be answered in conversation %s", sender_id)
                messages = [_bot_text(sender_id, no_reply.no_reply_apology())]
            return response.json(messages, ensure_ascii=False)

        return webhook
