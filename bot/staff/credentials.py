"""Who may see the operators' pages: the API token and the staff password, from the environment."""
from __future__ import annotations

import os
from typing import Optional

from bot import settings

API_TOKEN_FILE = settings.PROJECT_ROOT / "var" / "api-token"   # written by scripts/run.sh


def api_token() -> Optional[str]:
    """MADOGUCHI_API_TOKEN; outside production also var/api-token (what `make run` generates)."""
    token = os.environ.get("MADOGUCHI_API_TOKEN", "").strip()
    if token:
        return token
    if settings.dev_mode() and API_TOKEN_FILE.is_file():
        return API_TOKEN_FILE.read_text().strip() or None
    return None


def staff_password() -> Optional[str]:
    return os.environ.get("MADOGUCHI_STAFF_PASSWORD", "").strip() or None
