"""Concurrent simulated customers over Rasa's REST channel, and the figures they produce."""

from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Dict, List, Optional

import aiohttp

from bot.channels.rest import rest_headers

# A scenario drives one customer: it gets a `say(text) -> bot messages` function and returns
# True when the conversation reached its goal (e.g. a confirmation number was given).
Say = Callable[[str], Awaitable[List[dict]]]
Scenario = Callable[[Say, int], Awaitable[bool]]


@dataclass
class LevelResult:
    """What one concurrency level measured."""

    concurrency: int
    conversations: int
    completed: int
    errors: int
    turns: int
    seconds: float
    latencies_ms: List[float] = field(default_factory=list)
    error_samples: List[str] = field(default_factory=list)

    def percentile(self, q: float) -> Optional[float]:
        """The q-th percentile (0..100) of turn latency in ms."""
        if not self.latencies_ms:
            return None
        ordered = sorted(self.latencies_ms)
        index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
        return ordered[index]

    def summary(self) -> Dict[str, Any]:
        """Figures of this level as a JSON-ready dict."""
        return {
            "concurrency": self.concurrency,
            "conversations": self.conversations,
            "completed": self.completed,
            "errors": self.errors,
            "turns": self.turns,
            "seconds": round(self.seconds, 3),
            "turns_per_s": round(self.turns / self.seconds, 2) if self.seconds else None,
            "conversations_per_s": round(self.completed / self.seconds, 3) if self.seconds else None,
            "p50_ms": _round(self.percentile(50)),
            "p95_ms": _round(self.percentile(95)),
            "p99_ms": _round(self.percentile(99)),
            "mean_ms": _round(statistics.fmean(self.latencies_ms)) if self.latencies_ms else None,
            "error_samples": self.error_samples[:5],
        }


def _round(value: Optional[float]) -> Optional[float]:
    return None if value is None else round(value, 2)


async def run_level(
    rest_url: str,
    scenario: Scenario,
    concurrency: int,
    per_user: int,
    first_customer: int,
    tag: str,
    progress=None,
) -> LevelResult:
    """Run ``concurrency`` customers at once, each completing ``per_user`` conversations."""
    result = LevelResult(concurrency, concurrency * per_user, 0, 0, 0, 0.0)
    timeout = aiohttp.ClientTimeout(total=120)
    connector = aiohttp.TCPConnector(limit=0)
    # the REST channel's bearer token (bot/channels/rest.py); Stack puts it in the environment
    async with aiohttp.ClientSession(timeout=timeout, connector=connector, headers=rest_headers()) as session:

        async def customer(user: int) -> None:
            for n in range(per_user):
                number = first_customer + user * per_user + n
                sender = f"{tag}-{number}"

                async def say(text: str) -> List[dict]:
                    started = time.perf_counter()
                    async with session.post(rest_url, json={"sender": sender, "message": text}) as answer:
                        body = await answer.json(content_type=None)
                        if answer.status != 200:
                            raise RuntimeError(f"HTTP {answer.status}: {str(body)[:200]}")
                    result.latencies_ms.append((time.perf_counter() - started) * 1000)
                    result.turns += 1
                    return body or []

                try:
                    if await scenario(say, number):
                        result.completed += 1
                    else:
                        result.errors += 1
                        result.error_samples.append(f"{sender}: goal not reached")
                except Exception as error:  # a failed conversation is a figure, not a crash
                    result.errors += 1
                    result.error_samples.append(f"{sender}: {error!r}"[:300])
                if progress is not None:
                    progress.update(1)

        started = time.perf_counter()
        await asyncio.gather(*(customer(user) for user in range(concurrency)))
        result.seconds = time.perf_counter() - started
    return result
