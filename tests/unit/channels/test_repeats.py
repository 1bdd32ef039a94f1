"""Repeated messages (bot.channels.repeats): the same text from the same sender is answered once."""
import asyncio

from bot.channels.repeats import Deduplicator


def test_repeated_messages_are_answered_once():
    calls = []

    async def produce():
        calls.append(1)
        await asyncio.sleep(0.05)
        return [{"text": f"answer {len(calls)}"}]

    async def run():
        dedup = Deduplicator(window=5)
        key = dedup.key("s", "こんにちは", None)
        together = await asyncio.gather(dedup.run(key, produce), dedup.run(key, produce))
        again = await dedup.run(key, produce)
        other = await dedup.run(dedup.key("s", "こんにちは", "token"), produce)
        return together, again, other

    together, again, other = asyncio.run(run())
    assert together[0] == together[1] == again == [{"text": "answer 1"}]
    assert other == [{"text": "answer 2"}] and len(calls) == 2
