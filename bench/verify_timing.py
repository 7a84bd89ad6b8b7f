"""Timing of verification for known vs unknown identifiers (docs/security.md).

``python -m bench.verify_timing [--rounds N]`` runs the backend in process on a fresh SQLite
database with one demo-shaped account, then alternates ``verify/start`` and a wrong-factor
``verify`` for a known and an unknown identifier of each kind, and prints the median times.
Figures only, no assertion: the two medians of each pair should be close (same queries and the
same hashing on both paths).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path
from typing import Dict, List

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import delete

from backend.config import Settings
from backend.db import Database, upgrade
from backend.fixtures import load_data
from backend.models import VerificationLockout
from backend.server import create_app
from contract.vocabulary.dates import today_in

TOKEN = "bench-token"
ACCOUNT = {
    "accounts": [
        {
            "account_number": "31415926",
            "name": "Bench Account",
            "tier": "Essentials",
            "sales_rep": "Rita",
            "sales_rep_active": True,
            "server": "us-east",
            "billing_zip": "02139",
            "pin": "4321",
            "users": [
                {
                    "first_name": "Ben",
                    "last_name": "Ch",
                    "email": "bench@example.com",
                    "phone": "+1 617 555 0100",
                }
            ],
            "services": [
                {
                    "id": "SVC-BENCH",
                    "name": "Bench",
                    "plan": "Plan",
                    "price": "10.00",
                    "billing_period": "monthly",
                    "next_anniversary": "+20d",
                }
            ],
        }
    ]
}
PAIRS = {
    "email": ("bench@example.com", "nobody-bench@example.com"),
    "account number": ("31415926", "27182818"),
    "phone": ("+1 617 555 0100", "+1 617 555 0199"),
}


async def _measure(rounds: int) -> Dict[str, Dict[str, List[float]]]:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        upgrade(url)
        db = Database(url)
        db.transaction(load_data, ACCOUNT, today_in(Settings().company_timezone))
        settings = Settings(
            database_url=url,
            service_token=TOKEN,
            verify_max_failures=10**6,
            identifier_hash_key="bench-identifier-key",
        )
        client = TestClient(TestServer(create_app(settings, db=db)))
        await client.start_server()
        auth = {"Authorization": f"Bearer {TOKEN}"}
        times: Dict[str, Dict[str, List[float]]] = {}
        try:
            for i in range(rounds):
                for kind, (known, unknown) in PAIRS.items():
                    for label, identifier in (("known", known), ("unknown", unknown))[:: 1 if i % 2 else -1]:
                        started = time.perf_counter()
                        answer = await client.post(
                            "/api/v1/verify/start",
                            headers=auth,
                            json={"identifier": identifier, "conversation_id": f"bench-{i}"},
                        )
                        attempt = (await answer.json())["attempt_id"]
                        middle = time.perf_counter()
                        answer = await client.post(
                            "/api/v1/verify", headers=auth, json={"attempt_id": attempt, "factor": "99999"}
                        )
                        await answer.read()
                        ended = time.perf_counter()
                        bucket = times.setdefault(kind, {})
                        bucket.setdefault(f"start {label}", []).append((middle - started) * 1000)
                        bucket.setdefault(f"verify {label}", []).append((ended - middle) * 1000)
                if i % 50 == 49:
                    db.transaction(lambda s: s.execute(delete(VerificationLockout)))
        finally:
            await client.close()
            db.close()
        return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=60)
    args = parser.parse_args()
    times = asyncio.run(_measure(args.rounds))
    print(f"median ms over {args.rounds} rounds (known vs unknown identifier)")
    for kind, bucket in times.items():
        for step in ("start", "verify"):
            known = statistics.median(bucket[f"{step} known"])
            unknown = statistics.median(bucket[f"{step} unknown"])
            print(
                f"  {kind:15s} {step:7s} known {known:7.2f}  unknown {unknown:7.2f}  "
                f"difference {known - unknown:+6.2f}"
            )


if __name__ == "__main__":
    main()
