"""Private methods of Rasa classes that our own subclasses override (no patching: Rasa calls them).

An override only works while Rasa still calls the method by that name with those parameters;
a renamed method would be skipped silently, so each one is checked at start-up. The architecture
test (tests/unit/rasa_ext/test_no_private_rasa_outside.py) requires every such override to be listed here.
"""
from __future__ import annotations

from typing import Optional

from bot.rasa_ext.base import Extension, Symbol

# (Rasa module, class, method, parameters): the override in bot/ that relies on it
OVERRIDDEN = (
    # bot.channels.secure_socketio.SecureSocketIOOutput: every send_* of SocketIOOutput emits
    # through it; ours adds the timestamp the chat page shows
    ("rasa.core.channels.socketio", "SocketIOOutput", "_send_message", "self, socket_id, response"),
)


def _senders_call_it() -> Optional[str]:
    import inspect

    from rasa.core.channels.socketio import SocketIOOutput

    for name in ("send_text_message", "send_image_url", "send_text_with_buttons", "send_elements",
                 "send_attachment"):
        if "_send_message" not in inspect.unwrap(getattr(SocketIOOutput, name)).__code__.co_names:
            return f"rasa.core.channels.socketio.SocketIOOutput.{name} no longer sends through _send_message"
    return None


def _nothing_to_apply() -> None:
    """Rasa calls the overrides itself."""


OVERRIDES = Extension(
    name="private-overrides",
    why="our channel subclasses override private methods that Rasa calls",
    symbols=tuple(Symbol(module, f"{cls}.{method}", params) for module, cls, method, params in OVERRIDDEN),
    apply=_nothing_to_apply,
    extra_checks=(_senders_call_it,),
)
