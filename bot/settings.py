"""Settings read from the environment (see shared interfaces: MADOGUCHI_*)."""
from __future__ import annotations

import os
import secrets
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

PROJECT_ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("MADOGUCHI_VAR_DIR", PROJECT_ROOT / "var"))
TOKYO = ZoneInfo("Asia/Tokyo")


class SettingsError(ValueError):
    """A setting has a value we cannot use; the message names the variable."""


def today() -> date:
    """Today in Asia/Tokyo, or MADOGUCHI_TODAY (YYYY-MM-DD) when staff or tests fix it."""
    fixed = os.environ.get("MADOGUCHI_TODAY", "").strip()
    if fixed:
        try:
            return date.fromisoformat(fixed)
        except ValueError:
            raise SettingsError(f"MADOGUCHI_TODAY must be YYYY-MM-DD, got {fixed!r}") from None
    return datetime.now(TOKYO).date()


def today_for(metadata: object) -> date:
    """Today for one message: `metadata.today` (YYYY-MM-DD) lets staff and tests ask "as if it were
    that day" — outside production only (a customer must never move the bot's clock); else today()."""
    if dev_mode() and isinstance(metadata, dict) and isinstance(metadata.get("today"), str):
        try:
            return date.fromisoformat(metadata["today"].strip()[:10])
        except ValueError:
            pass
    return today()


def now() -> datetime:
    """Current time in Asia/Tokyo; the date part follows MADOGUCHI_TODAY when set."""
    current = datetime.now(TOKYO)
    return datetime.combine(today(), current.timetz())


def db_url() -> str:
    """SQLAlchemy URL of the accounts database (a SQLite file in var/ by default)."""
    url = os.environ.get("MADOGUCHI_DB_URL", "").strip()
    if url:
        return url
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{VAR_DIR / 'accounts.db'}"


def secret() -> bytes:
    """Token signing key: MADOGUCHI_SECRET, else one generated once and kept in var/ (development)."""
    value = os.environ.get("MADOGUCHI_SECRET", "")
    if value:
        return value.encode()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    path = VAR_DIR / "secret.key"
    if not path.exists():
        # O_EXCL: two processes starting together must not overwrite each other's key.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_urlsafe(48))
        except FileExistsError:
            pass
    return path.read_text().strip().encode()


def dev_mode() -> bool:
    """Development settings (demo login on the chat page) unless MADOGUCHI_ENV=production."""
    return os.environ.get("MADOGUCHI_ENV", "development") != "production"


def positive_int(name: str, default: int) -> int:
    """An environment variable holding a positive integer; unset, empty, malformed or <= 0: `default`."""
    try:
        value = int(os.environ.get(name, "") or default)
    except ValueError:
        return default
    return value if value > 0 else default
