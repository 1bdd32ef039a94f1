"""Operators' routes on the Rasa server: ``GET /metrics`` and the staff page ``/staff/``.

An input channel only so that Rasa loads it from credentials.yml; it receives no messages. Its
blueprint attaches the routes at the app root (bot.channels.blueprints). The metrics
hooks are installed at start-up with the other Rasa extensions (bot.rasa_ext.metrics_hooks).

* ``GET /metrics`` (Prometheus text): for loopback callers (not proxied: no X-Forwarded-For /
  X-Real-IP / Forwarded header), otherwise only with the API token (``?token=`` or
  ``Authorization: Bearer``).
* ``/staff/``: the conversation review and charts (bot.staff.page). Log in with the staff password
  (``MADOGUCHI_STAFF_PASSWORD``) or the API token (``MADOGUCHI_API_TOKEN``; outside production also
  ``var/api-token``, which ``make run`` writes); this sets a signed session cookie (8 hours,
  HttpOnly, SameSite=Strict, path /staff). With neither configured the page is off. 5 wrong
  passwords from one address within 5 minutes: 429 until the 5 minutes are over.

credentials.yml::

    bot.channels.staff.StaffInput:

Optional: ``low_confidence`` (0.6, the review's threshold), ``staff_page`` (true).
"""
from __future__ import annotations

import asyncio
import ipaddress
import logging
import time
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from rasa.core.channels.channel import InputChannel, UserMessage

from bot import metrics, rasa_ext
from bot.channels.blueprints import AttachingBlueprint
from bot.identity import signing
from bot.staff.credentials import api_token, staff_password

logger = logging.getLogger(__name__)

COOKIE = "madoguchi_staff"
SESSION_SECONDS = 8 * 3600
MAX_FAILED_LOGINS, FAILED_LOGIN_WINDOW = 5, 300
PROXY_HEADERS = ("x-forwarded-for", "x-real-ip", "forwarded")
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
}


def is_loopback(request: Request) -> bool:
    if any(h in request.headers for h in PROXY_HEADERS):
        return False
    try:
        return ipaddress.ip_address(request.ip).is_loopback
    except ValueError:
        return False


def _request_token(request: Request) -> Optional[str]:
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return request.args.get("token")


def _matches(given: Optional[str], *expected: Optional[str]) -> bool:
    if not given:
        return False
    return any(signing.equal(given, e) for e in expected)


class StaffInput(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return "madoguchi_staff"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        rasa_ext.install()  # start-up of the Rasa server (credentials.yml): the metrics hooks among them
        credentials = credentials or {}
        return cls(low_confidence=float(credentials.get("low_confidence", 0.6)),
                   staff_page=bool(credentials.get("staff_page", True)))

    def __init__(self, low_confidence: float = 0.6, staff_page: bool = True) -> None:
        self.low_confidence = low_confidence
        self.staff_page = staff_page
        self.token, self.password = api_token(), staff_password()
        self._failures: Dict[str, List[float]] = {}
        if staff_page and not (self.token or self.password):
            logger.info("staff page off: neither MADOGUCHI_STAFF_PASSWORD nor MADOGUCHI_API_TOKEN is set")

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = AttachingBlueprint(self.add_routes, "madoguchi_staff_webhook", __name__)

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        return bp

    # ----------------------------------------------------------------------- sessions
    def _key(self) -> bytes:
        material = b"madoguchi/staff-session/v1\0" + (self.token or "").encode() + b"\0" + (self.password or "").encode()
        return signing.derive_key(material)

    def session_cookie(self, now: Optional[float] = None) -> str:
        expires = str(int((time.time() if now is None else now) + SESSION_SECONDS))
        return expires + "." + signing.mac_hex(self._key(), expires)

    def session_valid(self, value: Optional[str], now: Optional[float] = None) -> bool:
        if not value or "." not in value or not (self.token or self.password):
            return False
        expires, mac = value.split(".", 1)
        good = signing.mac_hex(self._key(), expires)
        return signing.equal(mac, good) and expires.isdigit() and int(expires) > (now or time.time())

    def authorised(self, request: Request) -> bool:
        return self.session_valid(request.cookies.get(COOKIE)) or _matches(_request_token(request), self.token)

    def _throttled(self, ip: str, now: float) -> bool:
        recent = [t for t in self._failures.get(ip, []) if now - t < FAILED_LOGIN_WINDOW]
        self._failures[ip] = recent
        return len(recent) >= MAX_FAILED_LOGINS

    # ----------------------------------------------------------------------- routes
    def add_routes(self, app: Sanic) -> None:
        channel = self

        async def metrics_route(request: Request) -> HTTPResponse:
            if not (is_loopback(request) or _matches(_request_token(request), channel.token)):
                return response.text("metrics: loopback or API token only\n", status=403)
            agent = getattr(app.ctx, "agent", None)
            processor = getattr(agent, "processor", None)
            metrics.set_model(metrics.model_name_of(getattr(processor, "model_path", None)))
            body, content_type = metrics.render()
            return response.raw(body, content_type=content_type)

        app.add_route(metrics_route, "/metrics", methods=["GET"], name="madoguchi_metrics")
        if not self.staff_page:
            return

        async def redirect(_: Request) -> HTTPResponse:
            return response.redirect("/staff/", status=308)

        async def page(request: Request) -> HTTPResponse:
            from bot.staff import page as staff_page

            if not (channel.token or channel.password):
                return response.html(staff_page.closed_page(), status=503, headers=PAGE_HEADERS)
            if not channel.authorised(request):
                return response.html(staff_page.login_page(), status=401, headers=PAGE_HEADERS)
            try:
                days = min(90.0, max(0.01, float(request.args.get("days", "7"))))
            except ValueError:
                days = 7.0
            html = await asyncio.get_running_loop().run_in_executor(None, channel.render_page, app, days)
            return response.html(html, headers=PAGE_HEADERS)

        async def login(request: Request) -> HTTPResponse:
            from bot.staff import page as staff_page

            now = time.time()
            if channel._throttled(request.ip, now):
                return response.html(staff_page.login_page("Too many attempts; try again in a few minutes."),
                                     status=429, headers=PAGE_HEADERS)
            given = (request.form.get("password") or "") if request.form else ""
            if not _matches(given, channel.token, channel.password):
                channel._failures.setdefault(request.ip, []).append(now)
                logger.warning("staff page: failed login from %s", request.ip)
                return response.html(staff_page.login_page("Wrong password."), status=401, headers=PAGE_HEADERS)
            reply = response.redirect("/staff/", status=303, headers=PAGE_HEADERS)
            reply.cookies[COOKIE] = channel.session_cookie(now)
            for key, value in (("httponly", True), ("samesite", "Strict"), ("path", "/staff"),
                               ("max-age", SESSION_SECONDS), ("secure", request.scheme == "https")):
                reply.cookies[COOKIE][key] = value
            return reply

        async def logout(_: Request) -> HTTPResponse:
            reply = response.redirect("/staff/", status=303, headers=PAGE_HEADERS)
            reply.cookies[COOKIE] = ""
            reply.cookies[COOKIE]["path"] = "/staff"
            reply.cookies[COOKIE]["max-age"] = 0
            return reply

        app.add_route(redirect, "/staff", methods=["GET"], name="madoguchi_staff_redirect", strict_slashes=True)
        app.add_route(page, "/staff/", methods=["GET"], name="madoguchi_staff_page", strict_slashes=True)
        app.add_route(login, "/staff/login", methods=["POST"], name="madoguchi_staff_login")
        app.add_route(logout, "/staff/logout", methods=["POST"], name="madoguchi_staff_logout")

    def render_page(self, app: Sanic, days: float) -> str:
        """The page's HTML (runs in a worker thread: it reads the tracker store)."""
        from bot.staff import page, review, store

        agent = getattr(app.ctx, "agent", None)
        engine = store.engine_of_tracker_store(getattr(agent, "tracker_store", None))
        model = metrics.model_name_of(getattr(getattr(agent, "processor", None), "model_path", None))
        if engine is None:
            return page.closed_page().replace("The staff page is off", "The tracker store is not an SQL store")
        until = time.time()
        all_turns = store.load_turns(engine, days, until)
        report = review.build(all_turns, days, until - days * 86400, until, self.low_confidence)
        return page.render(report, all_turns, model, days)
