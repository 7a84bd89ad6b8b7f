"""The benchmark's simulated customers: synthetic accounts and one full cancellation each."""

from __future__ import annotations

import json
from pathlib import Path

from devstack.conversation import CONFIRMATION

FIRST_ACCOUNT = 20000000


def account_number(n: int) -> str:
    return str(FIRST_ACCOUNT + n)


def zip_code(n: int) -> str:
    return f"{10000 + n % 89999:05d}"


def write_accounts(path: Path, count: int, first: int = 0) -> Path:
    """A fixture file with customers ``first`` .. ``first + count - 1``, each with a service, a
    balance and a router."""
    accounts = []
    for n in range(first, first + count):
        accounts.append(
            {
                "account_number": account_number(n),
                "name": f"Bench Customer {n}",
                "tier": "Professional",
                "sales_rep": "Bench Rep",
                "sales_rep_active": True,
                "server": "us-east",
                "billing_zip": zip_code(n),
                "users": [
                    {
                        "first_name": "Sam",
                        "last_name": f"Bench{n}",
                        "email": f"bench{n}@example.com",
                        "primary": True,
                    }
                ],
                "services": [
                    {
                        "id": f"SVC-B{n}",
                        "name": "Business Internet",
                        "plan": "Fiber 300",
                        "price": "59.00",
                        "billing_period": "monthly",
                        "next_anniversary": "+20d",
                        "equipment": [
                            {
                                "id": f"EQ-B{n}",
                                "model": "Arris SB8200",
                                "serial": f"BENCH{n:08d}",
                                "kind": "modem",
                                "retail_price": "150.00",
                            }
                        ],
                    }
                ],
                "invoices": [
                    {"number": f"INV-B{n}", "amount_due": "42.50", "due_date": "+10d", "status": "open"}
                ],
            }
        )
    path.write_text(json.dumps({"accounts": accounts}))
    return path


def _has_button(messages, word: str) -> bool:
    return any(word in b.get("title", "").lower() for m in messages for b in (m.get("buttons") or []))


async def cancellation(say, n: int) -> bool:
    """One customer's full cancellation: identification, reason, offer declined, readiness,
    balance and equipment, confirmation. True when a confirmation number was given."""
    await say("hi")
    await say("I want to cancel my internet service")
    await say(account_number(n))
    await say(zip_code(n))
    answer = await say("it's too expensive")
    if _has_button(answer, "offer"):
        answer = await say("/deny")
    answer = await say("/affirm")  # data backed up
    answer = await say('/inform{"end_when":"end_of_period"}')
    answer = await say("/affirm")  # confirm the summary and accept the terms
    return any(CONFIRMATION.search(m.get("text", "")) for m in answer)


TURNS = 9
