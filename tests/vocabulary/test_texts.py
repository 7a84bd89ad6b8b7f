"""Every customer-facing text reads well (issue 10, class 10): each response of domain.yml and
each text the actions and the backend build, rendered with sample data, against
`tests.text_rules` (no "None", no "..", no "(s)", one money format, human dates)."""

from __future__ import annotations

import ast
import re
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from actions.cancel_flow import confirmation_text, pending_text
from actions.requests import _status_text
from bot.policy import Routing, ServiceTerms, load_policy
from tests.text_rules import text_problems

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text())
SAMPLE_SLOTS = {
    "offer_title": "20% off for 3 months",
    "offer_description": "Stay with us and pay 20% less for the next 3 billing months.",
    "customer_first_name": "Erin",
    "service_name": "Starter Hosting",
}
TODAY = date.today()


@pytest.mark.parametrize("name", sorted(DOMAIN["responses"]))
def test_domain_responses(name):
    for variant in DOMAIN["responses"][name]:
        text = re.sub(r"\{(\w+)\}", lambda m: SAMPLE_SLOTS[m.group(1)], variant.get("text", ""))
        assert not text_problems(text), (name, text)
        for button in variant.get("buttons") or []:
            assert not text_problems(button["title"]), (name, button)


def _constants(path: Path):
    """Every string constant (and constant part of an f-string) in a module, docstrings and
    comments aside."""
    tree = ast.parse(path.read_text())
    docstrings = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Expr)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            yield node.lineno, node.value


@pytest.mark.parametrize("module", sorted(p.name for p in (ROOT / "actions").glob("*.py")))
def test_action_message_templates(module):
    """The fixed parts of every message the actions write."""
    for line, text in _constants(ROOT / "actions" / module):
        if " " not in text:  # slot names, payloads, keys
            continue
        assert "(s)" not in text and ".." not in text.replace("...", ""), (module, line, text)
        assert not re.search(r"\bNone\b", text), (module, line, text)


def test_filed_confirmation_with_sample_data():
    filed = {
        "confirmation_number": "ABCD-EFGH-JKLM",
        "service": {"id": "SVC-1", "name": "Web"},
        "end_date": (TODAY + timedelta(days=30)).isoformat(),
        "final_bill_items": [{"description": "Web: monthly charge", "amount": "1850.4"}],
        "balance": {"balance": "1850.40", "currency": "USD"},
        "equipment": [{"model": "Router", "rma": "RMA-1"}],
        "return_deadline": None,
        "non_return_fee_total": "1200",
        "next_steps": ["You can revoke this request."],
        "receipt_sent_to": "e•••@example.com",
        "survey_url": "https://survey.example.com",
    }
    text = confirmation_text(filed)
    assert not text_problems(text), text
    assert "$1,850.40" in text and "$1,200.00" in text


def test_status_and_pending_texts():
    status = {
        "confirmation_number": "ABCD-EFGH-JKLM",
        "status": "received",
        "service": {"id": "SVC-1", "name": "Web"},
        "received_at": f"{TODAY}T10:00:00",
        "end_date": TODAY.isoformat(),
        "return_deadline": None,
        "equipment": [],
    }
    assert not text_problems(_status_text(status))
    pending = {
        "id": "SVC-1",
        "name": "Web",
        "status": "cancellation_pending",
        "pending_cancellation": {"confirmation_number": "ABCD-EFGH-JKLM", "end_date": TODAY.isoformat()},
    }
    text = pending_text(pending)
    assert not text_problems(text) and "ABCD-EFGH-JKLM" in text


@pytest.mark.parametrize(
    "when, days", [("immediate", 0), ("end_of_period", 0), ("date", 5), ("date", 40), ("date", 75)]
)
def test_backend_quote_texts(when, days):
    policy = load_policy(ROOT / "bot" / "policy.yml")
    terms = ServiceTerms("Web", Decimal("1850.40"), "monthly", TODAY + timedelta(days=10))
    quote = policy.quote(
        terms, when, TODAY, TODAY + timedelta(days=days) if when == "date" else None, has_equipment=True
    )
    routing = Routing(
        action="sympathetic", reply="We are sorry to see you go.", survey_url="https://s.example"
    )
    steps = policy.next_steps(quote, routing, True, Decimal("1850.40"))
    for text in [
        quote.explanation,
        quote.renewal_warning or "",
        *steps,
        *(i["description"] for i in quote.final_bill_items),
    ]:
        assert not text_problems(text), text
    if when == "immediate":
        assert not any("stays active until" in s for s in steps)
