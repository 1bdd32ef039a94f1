"""レンタル端末/SIM: 安心サポート, changing or removing it, and the loss/theft cover.

Changes and removals are accepted on the 1st–15th, once per contract: a change applies from next
month, a removal ends with this month.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Optional

from bot.engine.calendar import add_months, month_end, month_start, next_month_start
from bot.engine.rental.contract import ANSHIN_NAMES, Anshin, RentalContract
from bot.engine.format import jdate
from bot.engine.rental.days import CHANGE_LAST_DAY, _next_window
from bot.engine.result import Result

# Seed 003 gives the loss/theft cover for 安心サポートPremium only; it says nothing of one for Premium for SIM.
THEFT_COVER_KINDS = (Anshin.PREMIUM,)
THEFT_COVER_DELAY_MONTHS = 2

# ---- the rules, as customers read them (general answers and computed ones share these) -----------
THEFT_RULE = "安心サポートPremiumの紛失・盗難の補償のみ、利用開始月から2か月経過後に補償を開始します。"
ANSHIN_RULE = (
    "安心サポートの変更・解除は毎月1日～15日にマイページの『安心サポート確認・変更』から受け付け、"
    "変更は申請月の翌月から適用、解除は申請月の当月末となります。変更・解除は1契約につき1回までです。"
)


@dataclass(frozen=True, kw_only=True)
class TheftCoverResult(Result):
    covered_plan: bool                   # 安心サポートPremium (the only plan the seed gives the cover for)
    use_began: Optional[date]
    cover_starts: Optional[date]

    def describe(self) -> str:
        if self.cover_starts is None:
            return self.rule
        return f"紛失・盗難の補償は{jdate(self.cover_starts)}から開始されます。{self.rule}"


def _cover_start(use_began: date) -> date:
    return add_months(month_start(use_began), THEFT_COVER_DELAY_MONTHS)


def premium_theft_cover_start(contract: RentalContract) -> TheftCoverResult:
    """Premium's loss/theft cover starts 2 months after the month its use began."""
    if contract.anshin not in THEFT_COVER_KINDS or contract.anshin_start is None:
        return TheftCoverResult(covered_plan=False, use_began=None, cover_starts=None,
                                rule=f"ご契約の安心サポートは「{ANSHIN_NAMES[contract.anshin]}」です。"
                                "紛失・盗難の補償(利用開始月から2か月経過後に開始)のご案内は安心サポートPremiumのみで、"
                                "ご契約のプランについての補償のご案内はございません。詳しくは窓口へお問い合わせください。")
    return TheftCoverResult(covered_plan=True, use_began=contract.anshin_start,
                            cover_starts=_cover_start(contract.anshin_start), rule=THEFT_RULE)


@dataclass(frozen=True, kw_only=True)
class AnshinChangeResult(Result):
    applied: date
    possible: bool
    current: Anshin
    requested: Anshin
    removal: bool
    effective: Optional[date]            # change: 1st of next month; removal: last day of this month
    next_possible: Optional[date]        # None when it will never be possible (change already used)
    theft_cover_starts: Optional[date]   # when switching to Premium

    def describe(self) -> str:
        if not self.possible:
            when = _next_window(self.next_possible) if self.next_possible else ""
            return f"{jdate(self.applied)}は{ANSHIN_NAMES[self.requested] if not self.removal else '安心サポートの解除'}のお手続きはできません。{when}{self.rule}"
        if self.removal:
            return f"{jdate(self.applied)}にお申し込みいただくと、{jdate(self.effective)}で解除となります。{self.rule}"
        text = f"{jdate(self.applied)}にお申し込みいただくと、{jdate(self.effective)}から{ANSHIN_NAMES[self.requested]}が適用されます。{self.rule}"
        if self.theft_cover_starts:
            text += f"紛失・盗難の補償は{jdate(self.theft_cover_starts)}から開始されます。"
        return text


def default_anshin_target(current: Anshin) -> Anshin:
    """The change a customer who names no target can make: to 安心サポート, or Premium if already on it."""
    return Anshin.STANDARD if current != Anshin.STANDARD else Anshin.PREMIUM


def anshin_change(contract: RentalContract, today: date, requested: Anshin) -> AnshinChangeResult:
    """Change (or remove, requested=NONE) 安心サポート: 1st–15th, once per contract."""
    removal = requested == Anshin.NONE
    common = dict(applied=today, current=contract.anshin, requested=requested, removal=removal)
    if contract.anshin_changes_used >= 1:
        return AnshinChangeResult(possible=False, effective=None, next_possible=None, theft_cover_starts=None,
                                  rule="このご契約ではすでに安心サポートの変更・解除を1回ご利用済みです。" + ANSHIN_RULE, **common)
    if requested == contract.anshin:
        already = "安心サポートのご契約はありません。" if removal else f"すでに{ANSHIN_NAMES[requested]}をご契約中です。"
        return AnshinChangeResult(possible=False, effective=None, next_possible=None, theft_cover_starts=None,
                                  rule=already, **common)
    if today.day > CHANGE_LAST_DAY:
        return AnshinChangeResult(possible=False, effective=None, next_possible=next_month_start(today),
                                  theft_cover_starts=None, rule=ANSHIN_RULE, **common)
    if removal:
        return AnshinChangeResult(possible=True, effective=month_end(today), next_possible=None,
                                  theft_cover_starts=None, rule=ANSHIN_RULE, **common)
    effective = next_month_start(today)
    cover = _cover_start(effective) if requested in THEFT_COVER_KINDS else None
    return AnshinChangeResult(possible=True, effective=effective, next_possible=None, theft_cover_starts=cover,
                              rule=ANSHIN_RULE + (THEFT_RULE if cover else ""), **common)
