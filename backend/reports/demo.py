"""A demo history for the reports page (`cancel-backend seed --history`): synthetic past
conversations written once per database, so the page shows figures right after `make run`."""

from __future__ import annotations

import dataclasses

from sqlalchemy import func, select

from backend.db import Database
from backend.models import Account
from backend.policy import Policy
from backend.reports.history import synthetic, write

HISTORY_DAYS = 90
DEMO_HOLDOUT_SHARE = 0.1  # the generated history holds out 10 % so the holdout comparison has data


def seed_history(database_url: str, policy: Policy, count: int) -> str:
    """Write `count` conversations over the last 90 days unless a history is already there."""
    db = Database(database_url)
    try:

        def work(session):
            present = session.execute(
                select(func.count()).select_from(Account).where(Account.name.like("History customer %"))
            ).scalar_one()
            if present:
                return f"demo history already present ({present} customers); nothing added"
            demo_policy = dataclasses.replace(
                policy, offer_holdout_share=max(policy.offer_holdout_share, DEMO_HOLDOUT_SHARE)
            )
            written = write(session, demo_policy, synthetic(demo_policy, count, HISTORY_DAYS))
            return f"demo history: {written} conversations over the last {HISTORY_DAYS} days"

        return db.transaction(work)
    finally:
        db.close()
