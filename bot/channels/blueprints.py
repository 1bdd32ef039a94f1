"""The blueprint of each of our channels: it also runs the channel's `attach(app)` when Rasa
registers it, for what a blueprint under ``/webhooks/<channel>/`` cannot hold (the body limit of
the whole server, socket.io, routes at the app root: the chat page, ``/staff/``, ``/metrics``)."""
from __future__ import annotations

from typing import Any, Callable, Dict, Text

from sanic import Blueprint, Sanic


class AttachingBlueprint(Blueprint):
    def __init__(self, attach: Callable[[Sanic], None], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ctx.attach = attach   # on ctx: sanic objects take no new attributes

    def register(self, app: Sanic, options: Dict[Text, Any]) -> None:
        self.ctx.attach(app)
        super().register(app, options)
