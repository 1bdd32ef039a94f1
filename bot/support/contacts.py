"""Contacts and opening hours of each service (data in contacts.yml; the desks' names in bot.engine.services)."""
from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, time
from typing import Dict, Optional

import yaml

from bot.engine import services
from bot.engine.calendar import is_business_day

SERVICES = services.KEYS


@dataclass(frozen=True)
class Hours:
    days: str  # every_day | business_days
    open: time
    close: time
    text: str

    def is_open(self, now: datetime) -> bool:
        if self.days == "business_days" and not is_business_day(now.date()):
            return False
        # 「16時30分まで」 includes the closing time itself, as bot.engine.haas.phone_support_hours does.
        return self.open <= now.time().replace(tzinfo=None) <= self.close


@dataclass(frozen=True)
class Contact:
    service: str
    name: str
    contact: str
    hours: Optional[Hours]
    source: str

    def describe(self, now: datetime) -> str:
        """The contact, its hours and whether it is open right now, as one chat message."""
        text = f"【{self.name}】{self.contact}"
        if self.hours is None:
            return text
        state = "現在受付中です。" if self.hours.is_open(now) else "現在は受付時間外です。"
        return f"{text}\n受付時間: {self.hours.text}。{state}"


@functools.lru_cache(maxsize=1)
def contacts() -> Dict[str, Contact]:
    raw = yaml.safe_load(services.CONTACTS_FILE.read_text(encoding="utf-8"))
    result = {}
    for service, item in raw.items():
        hours = item.get("hours")
        result[service] = Contact(
            service=service,
            name=services.info(service).contact_name,
            contact=item["contact"],
            hours=None
            if not hours
            else Hours(hours["days"], time.fromisoformat(hours["open"]), time.fromisoformat(hours["close"]), hours["text"]),
            source=item["source"],
        )
    return result


def contact_for(service: str) -> Optional[Contact]:
    return contacts().get(service)


def contacts_text(service: Optional[str] = None, now: Optional[datetime] = None) -> str:
    """The service's contact with its hours (all services when unknown)."""
    from bot import settings

    now = now or settings.now()
    wanted = [service] if service in SERVICES else list(SERVICES)
    return "\n".join(c.describe(now) for c in (contact_for(s) for s in wanted) if c is not None)


def apology(service: Optional[str] = None) -> str:
    """What the customer reads when the accounts database (or anything else) fails."""
    try:
        where = contacts_text(service)
    except Exception:  # the contact list itself must never turn an apology into silence
        where = ""
    return (
        "申し訳ございません。ただいまご契約情報を確認できません。しばらくしてからもう一度お試しいただくか、"
        "下記の窓口へお問い合わせください。" + (f"\n{where}" if where else "")
    )
