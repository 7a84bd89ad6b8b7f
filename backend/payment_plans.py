"""Payment plans noted by staff. policy.yml's `how_to_pay` sends a customer who wants to pay a balance
in parts to a person, and billing (`billing_owner`) sets the plan up: the person's note is an open
staff task for billing with the balance, the number of months and the monthly amount. The assistant
never makes one; the staff console does, for a customer verified in the chat (docs/handoff.md)."""

from __future__ import annotations

from decimal import ROUND_UP, Decimal
from typing import Any, Dict, List

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend import audit
from backend.accounts import account_balance
from backend.cancellations import staff_task_from
from backend.errors import Conflict, InvalidField
from backend.identity import Verified
from backend.models import StaffTask
from backend.policy import Policy, money
from contract.vocabulary.numbers import format_money

KIND = "payment_plan"


def describe(details: Dict[str, Any]) -> str:
    """'$1,250.00 over 6 months ($208.34 a month)'."""
    return (
        f"{format_money(details['balance'])} over {details['months']} months "
        f"({format_money(details['monthly'])} a month)"
    )


def open_plans(session: Session, account_id: int) -> List[Dict[str, Any]]:
    """The account's payment plans waiting for billing, newest first."""
    tasks = session.execute(
        select(StaffTask)
        .where(StaffTask.account_id == account_id, StaffTask.kind == KIND, StaffTask.status == "open")
        .order_by(StaffTask.id.desc())
    ).scalars()
    return [{**t.details, "owner": t.owner, "text": describe(t.details)} for t in tasks]


def note(session: Session, policy: Policy, who: Verified, months: int, staff: str) -> Dict[str, Any]:
    """Note a payment plan of `months` monthly parts for the verified customer's balance: 2 to
    `policy.payment_plan_max_months` months, only with a balance due, one open plan per account.
    The task goes to `policy.billing_owner`; audited as `payment_plan_noted`."""
    if (
        isinstance(months, bool)
        or not isinstance(months, int)
        or not 2 <= months <= policy.payment_plan_max_months
    ):
        raise InvalidField("months", f"must be 2 to {policy.payment_plan_max_months}")
    balance = account_balance(session, who.account_id)
    if balance <= 0:
        raise Conflict("There is no balance to split into payments.", "no_balance")
    if open_plans(session, who.account_id):
        raise Conflict("A payment plan is already waiting for billing on this account.", "plan_pending")
    monthly = (balance / months).quantize(Decimal("0.01"), rounding=ROUND_UP)
    details = {"balance": money(balance), "months": months, "monthly": money(monthly), "noted_by": staff}
    session.add(
        staff_task_from(
            who,
            StaffTask(
                account_id=who.account_id,
                kind=KIND,
                owner=policy.billing_owner,
                status="open",
                details=details,
            ),
        )
    )
    session.flush()
    audit.record(
        session,
        "payment_plan_noted",
        who.account_id,
        who.conversation_id,
        staff=staff,
        months=months,
        balance=details["balance"],
        monthly=details["monthly"],
        owner=policy.billing_owner,
    )
    return {**details, "owner": policy.billing_owner, "text": describe(details)}
