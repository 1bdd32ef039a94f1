"""ライセンス保守: the year of maintenance, the residual value and the incident packs.

Residual value R(d), as a percentage of the purchase price, measured from the last maintenance
start S (purchase, renewal or rejoin): falls 20 % a year. Operator's decision: count whole elapsed
months m between S and d, R = max(0, 100 − m × 20/12).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from bot.engine.calendar import add_months, whole_months_between
from bot.engine.license_maintenance.contract import LicenseMaintenanceContract
from bot.engine.format import jdate, pct
from bot.engine.result import Result, policy

DEPRECIATION_PER_YEAR = 20        # percent of the price
MAINTENANCE_MONTHS = 12

# ---- the rules, as customers read them (general answers and computed ones share these) -----------
STATUS_RULE = ("ライセンス保守はご購入(または更新・再加入)の日から1年間有効です。更新しない場合は満了日の翌日から"
               "会員IDが無効となり、アップデートやメールサポートはご利用いただけません(ソフトウェアはそのまま使えます)。")
ACTIVE_RULE = ("保守期間中は製品のアップグレード・アップデート、日本語リソース、メールサポート、"
               "オンラインヘルプ&サポートWEBをご利用いただけます。保守の初年度は必須で、"
               "保守契約数はライセンス数と同数です。")
LAPSED_RULE = ("更新されなかったため、満了日の翌日から会員IDが無効となり、アップグレード・アップデート、"
               "メールサポート、オンラインヘルプ&サポートWEBはご利用いただけません。"
               "ソフトウェアは引き続きお使いいただけます。再加入も可能です。")
RESIDUAL_RULE = policy("ライセンス残存価値は保守開始日(購入・更新・再加入日)から1年で20%(6か月で10%)下がるものとし、"
                       "1か月未満を切り捨てた経過月数で計算しています。")
INCIDENT_RULE = ("インシデントの有効期限は購入日から1年間です。1コールが30分を超える場合は別コールとして扱います。"
                 "ご予約はメールのみで、お電話では受け付けていません。")


def maintenance_end(start: date) -> date:
    """The expiry date (満了日), the last day covered by a year of maintenance started on `start`.

    Seed 001: below 80 % there is no maintenance; on the anniversary R is exactly 80 %, so that day
    is still covered (decision: the anniversary is the expiry date; the member ID lapses the day after)."""
    return add_months(start, MAINTENANCE_MONTHS)


def _one_decimal(value: Fraction) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.1"), ROUND_HALF_UP)


@dataclass(frozen=True, kw_only=True)
class ResidualValueResult(Result):
    since: date                 # last maintenance start S
    on: date
    months_elapsed: int
    percent: Decimal            # R rounded to one decimal
    exact: Fraction             # R exactly (used for fees)

    def describe(self) -> str:
        return (
            f"{jdate(self.since)}の保守開始から{self.months_elapsed}か月経過しているため、"
            f"{jdate(self.on)}時点のライセンス残存価値は{pct(self.percent)}%です。{self.rule}"
        )


def residual_value(contract: LicenseMaintenanceContract, on: date) -> ResidualValueResult:
    """R on `on`: 100 % at the maintenance start, 20 % less a year by whole elapsed months, never below 0."""
    months = whole_months_between(contract.maintenance_start, on)
    exact = max(Fraction(0), Fraction(100) - Fraction(months * DEPRECIATION_PER_YEAR, 12))
    return ResidualValueResult(
        since=contract.maintenance_start, on=on, months_elapsed=months,
        percent=_one_decimal(exact), exact=exact, rule=RESIDUAL_RULE,
    )


@dataclass(frozen=True, kw_only=True)
class MaintenanceStatusResult(Result):
    active: bool
    start: date
    last_day: date              # last covered day (満了日)
    invalid_from: date          # the member ID is invalid from this day when not renewed

    def describe(self) -> str:
        if self.active:
            return f"保守期間中です({jdate(self.start)}～{jdate(self.last_day)})。{self.rule}"
        return f"保守期間は{jdate(self.last_day)}で満了し、{jdate(self.invalid_from)}から会員IDが無効となっています。{self.rule}"


def maintenance_status(contract: LicenseMaintenanceContract, today: date) -> MaintenanceStatusResult:
    """Active (1 year from the last maintenance start) or lapsed."""
    start = contract.maintenance_start
    last_day = maintenance_end(start)
    # A renewal paid in advance starts on the old expiry date, so a start in the future is active too.
    active = today <= last_day
    return MaintenanceStatusResult(
        active=active, start=start, last_day=last_day, invalid_from=last_day + timedelta(days=1),
        rule=ACTIVE_RULE if active else LAPSED_RULE,
    )


# IncidentStatus/IncidentsResult have the shape of remote_support's MonthCharge/ChargeResult (an item
# dataclass and a result holding a tuple of them), not its logic: the duplicates tool pairs them.
@dataclass(frozen=True, kw_only=True)
class IncidentStatus:
    purchased: date
    valid_until: date
    remaining: int
    usable: bool


@dataclass(frozen=True, kw_only=True)
class IncidentsResult(Result):
    packs: tuple[IncidentStatus, ...]
    usable_remaining: int

    def describe(self) -> str:
        if not self.packs:
            return f"インシデントのご購入はありません。{self.rule}"
        parts = "、".join(
            f"{jdate(p.purchased)}購入分 残り{p.remaining}回({jdate(p.valid_until)}まで有効"
            f"{'' if p.usable else '・期限切れ'})"
            for p in self.packs
        )
        return f"{parts}。ご利用いただける残り回数は{self.usable_remaining}回です。{self.rule}"


def incidents(contract: LicenseMaintenanceContract, today: date) -> IncidentsResult:
    """Each incident pack's remaining calls and whether it is still usable (1 year from its purchase)."""
    packs = []
    for pack in contract.incidents:
        valid_until = maintenance_end(pack.purchased)   # "1 year from" reads the same as for maintenance
        usable = today <= valid_until and pack.remaining > 0
        packs.append(IncidentStatus(purchased=pack.purchased, valid_until=valid_until,
                                    remaining=pack.remaining, usable=usable))
    return IncidentsResult(
        packs=tuple(packs),
        usable_remaining=sum(p.remaining for p in packs if p.usable),
        rule=INCIDENT_RULE,
    )
