"""``python -m bot ask``: one message (or a file of them) through the running bot, over REST.

Prints the bot's reply and the diagnostic line (bot.staff.turns.diagnostic_line), read from the
conversation's tracker through Rasa's HTTP API (``/conversations/<id>/tracker``, with the API token:
MADOGUCHI_API_TOKEN, else var/api-token). ``--account ID`` sends a freshly minted login token as
``metadata.token``; ``--today YYYY-MM-DD`` sends ``metadata.today`` (honoured outside production
only). Every question gets a conversation of its own (``staff-ask-<random>``) unless ``--sender``.
"""
from __future__ import annotations

import json
import os
import secrets
import sys
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Dict, List, Optional, TextIO

from bot.staff import credentials, turns

DEFAULT_URL = "http://127.0.0.1:" + os.environ.get("RASA_PORT", "5005")


class AskError(Exception):
    """The bot could not be asked (not running, bad answer); the message says why."""


@dataclass
class Answer:
    question: str
    replies: List[Dict[str, Any]]
    turn: Optional[turns.Turn]
    diagnostic: str


def _request(method: str, url: str, body: Optional[dict] = None, timeout: float = 60) -> Any:
    data = json.dumps(body, ensure_ascii=False).encode("utf-8") if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as r:
            return json.loads(r.read() or b"null")
    except urllib.error.HTTPError as exc:
        raise AskError(f"{method} {url.split('?')[0]}: HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise AskError(f"cannot reach the bot at {url.split('/webhooks')[0].split('/conversations')[0]} "
                       f"({reason}); is it running (make run)?") from None


def mint_token(account_id: str) -> str:
    from bot.identity.tokens import issue
    from bot.storage.repository import account_exists

    if not account_exists(account_id):
        raise AskError(f"no account {account_id!r} in the accounts database (see `python -m bot accounts list`)")
    return issue(account_id, minutes=60)


def ask(question: str, url: str = DEFAULT_URL, token: Optional[str] = None, today: Optional[str] = None,
        sender: Optional[str] = None, api_token: Optional[str] = None) -> Answer:
    sender = sender or "staff-ask-" + secrets.token_hex(6)
    metadata: Dict[str, Any] = {}
    if token:
        metadata["token"] = token
    if today:
        metadata["today"] = today
    body: Dict[str, Any] = {"sender": sender, "message": question}
    if metadata:
        body["metadata"] = metadata
    replies = _request("POST", url.rstrip("/") + "/webhooks/rest/webhook", body)
    if not isinstance(replies, list):
        raise AskError("the REST channel did not answer with a list of messages")
    api_token = api_token if api_token is not None else credentials.api_token()
    query = "?" + urllib.parse.urlencode({"token": api_token}) if api_token else ""
    try:
        tracker = _request("GET", f"{url.rstrip('/')}/conversations/{urllib.parse.quote(sender)}/tracker{query}")
        turn = turns.last_turn((tracker or {}).get("events") or [], sender)
        line = turns.diagnostic_line(turn)
    except AskError as exc:
        turn, line = None, f"[diag] unavailable: {exc} (the tracker API needs the API token: MADOGUCHI_API_TOKEN)"
    return Answer(question, replies, turn, line)


def format_replies(replies: List[Dict[str, Any]]) -> str:
    lines = []
    for message in replies:
        if message.get("text"):
            lines.append(str(message["text"]))
        for button in message.get("buttons") or []:
            lines.append(f"  [{button.get('title')}] {button.get('payload')}")
    return "\n".join(lines) or "(no reply)"


def summary_table(answers: List[Answer]) -> str:
    rows = [("#", "kind", "intent", "conf", "answer / account question", "question")]
    for i, a in enumerate(answers, 1):
        t = a.turn
        answer = (("faq/" + t.faq_key) if t and t.faq_answered and t.faq_key else (t.account_question if t else None))
        rows.append((str(i), t.kind if t else "?", (t.intent or "?") if t else "?",
                     f"{t.confidence:.2f}" if t and t.confidence is not None else "-", answer or "-",
                     a.question if len(a.question) <= 30 else a.question[:29] + "…"))
    widths = [max(len(r[c]) for r in rows) for c in range(5)]
    out = ["  ".join(r[c].ljust(widths[c]) for c in range(5)) + "  " + r[5] for r in rows]
    kinds: Dict[str, int] = {}
    for a in answers:
        kinds[a.turn.kind if a.turn else "?"] = kinds.get(a.turn.kind if a.turn else "?", 0) + 1
    out.append("")
    out.append(f"{len(answers)} questions: " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())))
    return "\n".join(out)


def read_questions(path: Path) -> List[str]:
    """One question a line; blank lines and lines starting with # are skipped."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def run(args: Any, out: TextIO = sys.stdout) -> int:
    """The `python -m bot ask` command (bot/cli.py). Exit 0 ok, 1 bot unreachable, 2 bad input."""
    if args.today:
        try:
            date.fromisoformat(args.today)
        except ValueError:
            print(f"--today must be YYYY-MM-DD, got {args.today!r}", file=sys.stderr)
            return 2
    questions = list(args.question or [])
    if args.file:
        try:
            questions += read_questions(args.file)
        except OSError as exc:
            print(f"cannot read {args.file}: {exc.strerror}", file=sys.stderr)
            return 2
    if not questions:
        print("nothing to ask: give a question or --file questions.txt", file=sys.stderr)
        return 2
    try:
        token = mint_token(args.account) if args.account else None
        answers = []
        for question in questions:
            answer = ask(question, args.url or DEFAULT_URL, token=token, today=args.today, sender=args.sender)
            answers.append(answer)
            if len(questions) > 1:
                print(f"> {question}", file=out)
            print(format_replies(answer.replies), file=out)
            print(answer.diagnostic, file=out)
            if len(questions) > 1:
                print(file=out)
    except AskError as exc:
        print(str(exc), file=sys.stderr)
        return 2 if "no account" in str(exc) else 1
    if len(questions) > 1:
        print(summary_table(answers), file=out)
    return 0
