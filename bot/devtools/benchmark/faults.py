"""Faults under load (`make bench`, issue #17): bounded, loopback only, against servers the benchmark
started itself.

* single server, 32 customers: the action server is killed (SIGKILL) for 10 s, then restarted;
* cluster: one Rasa server is killed (SIGKILL, not restarted), then PostgreSQL is restarted
  (``pg_ctl restart -m fast``).

What is counted, per fault, over every reply of the run:

* **apologies**: replies that are one of the polite apologies (APOLOGY_PREFIXES: the channel's
  "no answer" / "slow answer" texts, the account actions' "cannot read your contract" text);
* **lost replies**: a message that got no answer at all (no HTTP 200 with a non-empty list, after the
  client's recovery below);
* **turns** in the tracker store after recovery, per conversation, against what the customer sent
  (every text is unique within its conversation): *lost* (answered normally, not stored), *not stored
  after an apology* (the customer was told to try again), *duplicated*, and conversations whose stored
  turns are *reordered*;
* **seconds until normal**: from the restart (the killed Rasa server: from the kill, it is not
  restarted) until the last abnormal reply (apology, lost, or a request that failed and was recovered),
  0 when there was none after it; ``None`` when answers were still abnormal when the run ended.

The client behaves as the nginx configuration expects (deploy/nginx.conf.template: "the client decides,
after checking the tracker"): when a request fails (connection reset, 502), it looks at the tracker; a
turn already there is not sent again (its answer is read from the tracker), else it is sent again, at
most RETRIES times.
"""
from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Awaitable, Callable, Dict, List, Optional, Sequence, Tuple

import aiohttp

from bot.devtools.benchmark.load import CONVERSATION_LENGTH, WEBHOOK
from bot.devtools.benchmark.traffic import Corpus, Message, customer_script

# The first characters of every polite apology a customer can get (bot/channels/no_reply.py NO_REPLY_TEXT,
# SLOW_REPLY_TEXT; bot/support/contacts.py apology); tests/unit/devtools/test_bench_parts.py keeps them true.
APOLOGY_PREFIXES = (
    "申し訳ございません。ただいまシステムの一部に不具合",
    "申し訳ございません。ただいまお返事に時間がかかっています",
    "申し訳ございません。ただいまご契約情報を確認できません",
)
OK, APOLOGY, LOST = "ok", "apology", "lost"
RETRIES = 3


def classify(status: Optional[int], payload: object) -> str:
    """ok / apology / lost for one HTTP answer (status None: the request failed)."""
    if status != 200 or not isinstance(payload, list) or not payload:
        return LOST
    texts = [str(m.get("text") or "") for m in payload if isinstance(m, dict)]
    if not any(texts) and not any(isinstance(m, dict) and (m.get("buttons") or m.get("custom")) for m in payload):
        return LOST
    if any(t.startswith(APOLOGY_PREFIXES) for t in texts):
        return APOLOGY
    return OK


def unique_script(corpus: Corpus, customer: int, length: int, tokens: Dict[str, str],
                  conversation_length: int = CONVERSATION_LENGTH, seed: int = 23) -> List[Message]:
    """A customer script whose texts never repeat within one conversation (so that every stored
    turn can be matched to what was sent, and the channel's duplicate-text cache never applies)."""
    draw = customer_script(corpus, customer, length * 4, tokens, seed=seed)
    script: List[Message] = []
    seen: set = set()
    for message in draw:
        if len(script) % conversation_length == 0:
            seen = set()
        if message.text in seen:
            continue
        seen.add(message.text)
        script.append(message)
        if len(script) == length:
            break
    return script


@dataclass
class Reply:
    conversation: str
    text: str
    sent_at: float
    done_at: float
    kind: str
    failed_requests: int = 0     # requests of this turn that got no answer (before the recovery)
    from_tracker: bool = False   # its answer was read from the tracker (the turn was already processed)


def check_turns(sent: Dict[str, List[Tuple[str, str]]], stored: Dict[str, List[str]]) -> Dict[str, int]:
    """sent: conversation -> [(text, kind of its reply)] in order; stored: conversation -> user texts
    in the tracker store, in order. Counts lost / not-stored-after-apology / duplicated turns and
    reordered conversations."""
    lost = unstored_apologies = duplicated = reordered = 0
    for conversation, turns in sent.items():
        have = stored.get(conversation, [])
        counts = Counter(have)
        for text, kind in turns:
            if counts[text] == 0:
                if kind == OK:
                    lost += 1
                else:
                    unstored_apologies += 1
        duplicated += sum(n - 1 for n in counts.values() if n > 1)
        wanted = [t for t, _ in turns if counts[t]]
        first_seen: List[str] = []
        for text in have:
            if text not in first_seen:
                first_seen.append(text)
        if [t for t in first_seen if t in set(wanted)] != wanted:
            reordered += 1
    return {"lost": lost, "not stored after apology": unstored_apologies, "duplicated": duplicated,
            "reordered conversations": reordered}


def seconds_until_normal(replies: Sequence[Reply], fault_at: float, restart_at: float) -> Optional[float]:
    """Seconds from `restart_at` until the last abnormal reply after `fault_at` (0 if none came after
    the restart); None when the last reply of the run was still abnormal."""
    after = sorted((r for r in replies if r.done_at >= fault_at), key=lambda r: r.done_at)
    abnormal = [r for r in after if r.kind != OK or r.failed_requests]
    if not abnormal:
        return 0.0
    if after[-1].kind != OK:
        return None
    return max(0.0, abnormal[-1].done_at - restart_at)


@dataclass
class FaultResult:
    name: str
    replies: List[Reply] = field(default_factory=list)
    fault_at: float = 0.0
    restart_at: float = 0.0
    back_at: float = 0.0                  # the restarted process answered its health check
    started: float = 0.0
    turns: Dict[str, int] = field(default_factory=dict)
    note: str = ""

    def count(self, kind: str) -> int:
        return sum(r.kind == kind for r in self.replies)

    @property
    def recovery(self) -> Optional[float]:
        return seconds_until_normal(self.replies, self.fault_at, self.restart_at)

    def row(self) -> Dict[str, str]:
        rec = self.recovery
        return {
            "fault": self.name, "replies": str(len(self.replies)), "apologies": str(self.count(APOLOGY)),
            "lost replies": str(self.count(LOST)),
            "failed requests (recovered)": str(sum(r.failed_requests for r in self.replies if r.kind != LOST)),
            "answers read from tracker": str(sum(r.from_tracker for r in self.replies)),
            "turns lost": str(self.turns.get("lost", "-")),
            "turns not stored after apology": str(self.turns.get("not stored after apology", "-")),
            "turns duplicated": str(self.turns.get("duplicated", "-")),
            "reordered conversations": str(self.turns.get("reordered conversations", "-")),
            "slowest answer s": f"{self.slowest():.1f}",
            "back up after s": f"{self.back_at - self.restart_at:.1f}" if self.back_at else "-",
            "normal again after s": "not by the end" if rec is None else f"{rec:.1f}",
        }

    def slowest(self) -> float:
        """Seconds of the slowest turn (request to answer, the client's recovery included) after the fault."""
        return max((r.done_at - r.sent_at for r in self.replies if r.done_at >= self.fault_at), default=0.0)

    def sent(self) -> Dict[str, List[Tuple[str, str]]]:
        out: Dict[str, List[Tuple[str, str]]] = {}
        for reply in sorted(self.replies, key=lambda r: r.sent_at):
            out.setdefault(reply.conversation, []).append((reply.text, reply.kind))
        return out


FAULT_COLUMNS = ["fault", "replies", "apologies", "lost replies", "failed requests (recovered)",
                 "answers read from tracker", "turns lost", "turns not stored after apology", "turns duplicated",
                 "reordered conversations", "slowest answer s", "back up after s", "normal again after s"]


# ---------------------------------------------------------------------------------- the tracker
def stored_turns(db_url: str, prefix: str) -> Dict[str, List[str]]:
    """conversation -> user texts in the tracker store (Rasa's `events` table), in order."""
    import sqlalchemy as sa

    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text("SELECT sender_id, data FROM events WHERE type_name = 'user' AND sender_id LIKE :p ORDER BY id"),
                {"p": prefix + "%"}).fetchall()
    finally:
        engine.dispose()
    out: Dict[str, List[str]] = {}
    for sender, data in rows:
        out.setdefault(sender, []).append(str(json.loads(data).get("text") or ""))
    return out


class TrackerReader:
    """The client's look at the tracker after a failed request: is this turn there, and what was answered?"""

    def __init__(self, db_url: str) -> None:
        import sqlalchemy as sa

        self.sa = sa
        self.engine = sa.create_engine(db_url, pool_pre_ping=True)

    def lookup(self, sender: str, text: str) -> Optional[List[dict]]:
        """The bot messages after the last user turn `text` of `sender`, None if that turn is not stored."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                self.sa.text("SELECT type_name, data FROM events WHERE sender_id = :s ORDER BY id"),
                {"s": sender}).fetchall()
        answer: Optional[List[dict]] = None
        for type_name, data in rows:
            event = json.loads(data)
            if type_name == "user":
                answer = [] if event.get("text") == text else None
            elif type_name == "bot" and answer is not None:
                answer.append({"recipient_id": sender, "text": event.get("text")})
        return answer

    def close(self) -> None:
        self.engine.dispose()


# ---------------------------------------------------------------------------------- the load
async def drive(url: str, scripts: List[List[Message]], prefix: str, fault: Callable[["FaultResult"], Awaitable[None]],
                result: FaultResult, tail_seconds: float = 20.0, request_timeout: float = 60.0,
                reader: Optional[TrackerReader] = None, clean: Callable[[str], str] = lambda t: t) -> FaultResult:
    """Closed-loop customers (as bot.devtools.benchmark.load) until `tail_seconds` after `fault` returned.
    `clean`: the text as the channel stores it (bot.channels.guard.clean_text)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()

    async def post(session: aiohttp.ClientSession, body: dict) -> Tuple[Optional[int], object]:
        try:
            async with session.post(url + WEBHOOK, json=body, timeout=aiohttp.ClientTimeout(total=request_timeout)) as resp:
                return resp.status, await resp.json(content_type=None)
        except Exception:  # reset, refused, timeout, not JSON
            return None, None

    async def customer(session: aiohttp.ClientSession, index: int, script: List[Message]) -> None:
        for n, message in enumerate(script):
            if stop.is_set():
                return
            conversation = f"{prefix}-{index:04d}-c{n // CONVERSATION_LENGTH}"
            body = message.body(conversation)
            sent_at = time.monotonic()
            status, payload = await post(session, body)
            failed, from_tracker = 0, False
            attempts = 0
            while (status != 200 or not isinstance(payload, list)) and reader is not None and attempts < RETRIES:
                failed += 1
                attempts += 1
                await asyncio.sleep(0.5 * attempts)
                try:
                    found = await loop.run_in_executor(None, reader.lookup, conversation, clean(message.text))
                except Exception:  # the database itself is restarting: look again later
                    continue
                if found is not None:
                    status, payload, from_tracker = 200, found or [], True
                    break
                status, payload = await post(session, body)
            if status != 200 or not isinstance(payload, list):
                failed += 1
            kind = classify(status, payload)
            result.replies.append(Reply(conversation, clean(message.text), sent_at, time.monotonic(), kind,
                                        failed, from_tracker))

    async def conductor() -> None:
        await fault(result)
        await asyncio.sleep(tail_seconds)
        stop.set()

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        result.started = time.monotonic()
        customers = [asyncio.ensure_future(customer(session, i, s)) for i, s in enumerate(scripts)]
        await conductor()
        await asyncio.gather(*customers)
    return result


async def in_thread(function: Callable[[], object]) -> object:
    return await asyncio.get_running_loop().run_in_executor(None, function)
