"""レンタル端末/SIM: the days of the month on which マイページ accepts each application."""
from __future__ import annotations

from datetime import date

from bot.engine.format import jdate

CHANGE_LAST_DAY = 15          # plan / 安心サポート changes: 1st–15th
CANCEL_DEADLINE_DAY = 15      # cancellation deadline for the end of the current month
SETTLEMENT_DAY = 25           # no cancellation and no card change on this day


def _next_window(first: date) -> str:
    """The next 1st–15th window for a change refused today (plan and 安心サポート alike)."""
    return f"次は{jdate(first)}～{jdate(first.replace(day=CHANGE_LAST_DAY))}にお申し込みいただけます。"
