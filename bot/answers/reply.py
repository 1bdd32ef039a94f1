"""What an answer sends back: text, optional buttons, and the question to remember."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional


# Button/Reply have the shape of the engine's small dataclasses (duplicates pairs them), not their logic.
@dataclass(frozen=True)
class Button:
    title: str
    payload: str


@dataclass(frozen=True)
class Reply:
    text: str
    buttons: tuple[Button, ...] = ()
    pending: Optional[str] = None      # the question waiting for a contract choice / verification / a date


VERIFY_BUTTONS = (Button("本人確認する", "/request_verification"), Button("結構です", "/decline_verification"))
