"""Closed-loop load generator (aiohttp): N simulated customers, each a series of conversations (own sender ids), each sending
its next message only after the reply to the previous one; bounded messages and a time cap per level."""
from __future__ import annotations

import asyncio
import math
import statistics
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional

import aiohttp

from bot.devtools.benchmark.traffic import Message

WEBHOOK = "/webhooks/rest/webhook"


@dataclass
class LevelResult:
    customers: int
    sent: int = 0
    ok: int = 0
    errors: int = 0
    empty: int = 0  # HTTP 200 but no bot message at all
    duration: float = 0.0
    latencies: List[float] = field(default_factory=list)  # seconds, successful requests
    error_samples: List[str] = field(default_factory=list)
    by_category: Dict[str, List[float]] = field(default_factory=dict)
    capped: bool = False  # the time cap ended the level before every script was done

    def pct(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        data = sorted(self.latencies)  # nearest rank
        k = max(0, min(len(data) - 1, math.ceil(p / 100 * len(data)) - 1))
        return data[k]

    @property
    def throughput(self) -> float:
        return self.ok / self.duration if self.duration > 0 else 0.0

    def category_p50(self) -> Dict[str, float]:
        return {k: statistics.median(v) for k, v in self.by_category.items() if v}


# Messages per conversation: support chats are short (Rasa's per-turn work grows with the length of
# the conversation, so endless conversations would measure something customers never do).
CONVERSATION_LENGTH = 10


async def _customer(session: aiohttp.ClientSession, url: str, sender: str, script: List[Message],
                    deadline: float, result: LevelResult, timeout: float,
                    conversation_length: int = CONVERSATION_LENGTH) -> None:
    for index, message in enumerate(script):
        # one simulated customer = one chat window serving successive conversations
        conversation = f"{sender}-c{index // conversation_length}"
        if time.monotonic() >= deadline:
            result.capped = True
            return
        result.sent += 1
        started = time.perf_counter()
        try:
            async with session.post(url + WEBHOOK, json=message.body(conversation),
                                    timeout=aiohttp.ClientTimeout(total=timeout)) as resp:
                payload = await resp.json(content_type=None)
                status = resp.status
        except Exception as exc:  # connection refused/reset, timeout, bad JSON
            result.errors += 1
            if len(result.error_samples) < 5:
                result.error_samples.append(f"{type(exc).__name__}: {exc}"[:200])
            continue
        elapsed = time.perf_counter() - started
        if status != 200 or not isinstance(payload, list):
            result.errors += 1
            if len(result.error_samples) < 5:
                result.error_samples.append(f"HTTP {status}: {str(payload)[:150]}")
            continue
        result.ok += 1
        result.latencies.append(elapsed)
        result.by_category.setdefault(message.category, []).append(elapsed)
        if not payload:
            result.empty += 1


async def run_level(url: str, scripts: List[List[Message]], sender_prefix: str, time_cap: float,
                    request_timeout: float = 60.0) -> LevelResult:
    result = LevelResult(customers=len(scripts))
    connector = aiohttp.TCPConnector(limit=0, force_close=False)
    async with aiohttp.ClientSession(connector=connector) as session:
        started = time.monotonic()
        deadline = started + time_cap
        await asyncio.gather(*(
            _customer(session, url, f"{sender_prefix}-{i:04d}", script, deadline, result, request_timeout)
            for i, script in enumerate(scripts)))
        result.duration = time.monotonic() - started
    return result


async def warm_up(url: str, messages: List[Message], sender: str) -> float:
    """Send a few messages once (first requests build TF graphs, open DB files); returns seconds."""
    started = time.perf_counter()
    async with aiohttp.ClientSession() as session:
        for message in messages:
            async with session.post(url + WEBHOOK, json=message.body(sender),
                                    timeout=aiohttp.ClientTimeout(total=120)) as resp:
                await resp.read()
    return time.perf_counter() - started
