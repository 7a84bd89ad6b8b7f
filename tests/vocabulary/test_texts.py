"""Every customer-facing text reads well (issue 10, class 10): each response of domain.yml, each
message of `actions/messages.py` (the action server's one home for its words) and each text of
the backend (`backend/wording.py`), rendered with sample data, against `tests.text_rules` (no "None",
no "..", no "(s)", one money format, human dates, counts that agree with their nouns)."""

from __future__ import annotations

import ast
import inspect
import itertools
import re
import string
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from actions import messages
from actions.messages import confirmation_text, pending_text
from actions.messages import status_text as _status_text
from actions.settings import company_today
from backend import wording
from backend.policy import Routing, ServiceTerms, load_policy
from contract import errors
from contract.vocabulary.dates import human_date
from tests.text_rules import text_problems

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text())
SAMPLE_SLOTS = {
    "offer_title": "20% off for 3 months",
    "offer_description": "Stay with us and pay 20% less for the next 3 billing months.",
    "customer_first_name": "Erin",
    "service_name": "Starter Hosting",
}
TODAY = company_today()  # the customers' today (COMPANY_TIMEZONE), as the actions render dates


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
    policy = load_policy(ROOT / "backend" / "policy.yml")
    terms = ServiceTerms("Web", Decimal("1850.40"), "monthly", TODAY + timedelta(days=10))
    quote = policy.quote(
        terms, when, TODAY, TODAY + timedelta(days=days) if when == "date" else None, has_equipment=True
    )
    routing = Routing(
        action="sympathetic", reply="We are sorry to see you go.", survey_url="https://s.example"
    )
    steps = policy.next_steps(quote, routing, True, Decimal("1850.40"), TODAY)
    for text in [
        quote.explanation,
        quote.renewal_warning or "",
        *steps,
        *(i["description"] for i in quote.final_bill_items),
    ]:
        assert not text_problems(text), text
    if when == "immediate":
        assert not any("stays active until" in s for s in steps)


# --------------------------------------------------------------------------- actions/messages.py

POLICY = load_policy(ROOT / "backend" / "policy.yml")
# Refusals as the backend answers them (422 naming a field, 409, 404), through the client.
REFUSALS = [
    errors.from_answer(
        422, {"error": "invalid_field", "message": "date: must be within 365 days", "field": "date"}
    ),
    errors.from_answer(
        422, {"error": "invalid_field", "message": "date: must be today or later", "field": "date"}
    ),
    errors.from_answer(
        422,
        {
            "error": "invalid_field",
            "message": "tracking_number: must be 8 to 40 letters and digits",
            "field": "tracking_number",
        },
    ),
    errors.from_answer(
        422,
        {"error": "invalid_field", "message": "reason: must be at most 1000 characters", "field": "reason"},
    ),
    errors.from_answer(
        422,
        {"error": "invalid_field", "message": "backup_confirmed: must be true", "field": "backup_confirmed"},
    ),
    errors.from_answer(409, {"error": "end_date_passed", "message": wording.END_DATE_PASSED}),
    errors.from_answer(409, {"error": "conflict", "message": "no full stop at the end"}),
    errors.from_answer(404, {"error": "not_found", "message": ""}),
]
# Sample values of every {field} of the message templates (each value is tried).
FIELDS = {
    "sent_to": ["e•••@example.com", messages.SOME_CONTACT],
    "count": [2, 3],
    "which": ["both", "all 3"],
    "names": ["Office Internet, Office Phones"],
    "name": ["Office Phones", "SVC-6002"],
    "offer": ["20% off for 3 months"],
    "title": ["20% off for 3 months"],
    "terms": [wording.offer_discount_terms(Decimal("9.99"), Decimal("7.99"), "month", 3)],
    "service": ["Office Internet (SVC-6001)", messages.YOUR_SERVICE],
    "why": [
        messages.DATE_REFUSED_WHY,
        messages.FILING_REFUSED_WHY,
        messages.CANNOT_REVOKE_WHY,
        messages.REFUSED_WHY,
        *(messages.refusal(error, messages.REFUSED_WHY) for error in REFUSALS),
    ],
    "number": ["ABCD-EFGH-JKLM"],
    "month": ["June 2028"],
    "amount": [messages.money("1250"), messages.money("49.5")],
    "opening": [messages.NOT_UNDERSTOOD, messages.NOT_IN_SCOPE, messages.NOT_UNDERSTOOD_LONG],
    "date": [human_date(TODAY + timedelta(days=20), TODAY)],
    "status": [
        _status_text(
            {
                "confirmation_number": "ABCD-EFGH-JKLM",
                "status": "received",
                "service": {"id": "SVC-1", "name": "Web"},
                "received_at": f"{TODAY}T10:00:00",
                "end_date": TODAY.isoformat(),
            }
        )
    ],
}


def _fields(template: str):
    return sorted({name for _, name, _, _ in string.Formatter().parse(template) if name})


def _message_constants():
    for name, value in vars(messages).items():
        if name.isupper() and isinstance(value, (str, tuple, list, dict)):
            yield name, value


def _texts_of(value):
    """The customer-facing strings of a constant: the text, the titles of buttons, the values of
    a mapping."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [str(v) for v in value.values()]
    if isinstance(value, tuple):
        return [value[0]]
    return [title for title, _ in value]


@pytest.mark.parametrize("name", sorted(dict(_message_constants())))
def test_message_constants_and_templates(name):
    """Every constant and template of actions/messages.py, filled with every sample of its fields."""
    for template in _texts_of(getattr(messages, name)):
        fields = _fields(template)
        missing = [f for f in fields if f not in FIELDS]
        assert not missing, f"{name}: add sample values for {missing} to FIELDS"
        for values in itertools.product(*(FIELDS[f] for f in fields)):
            text = template.format(**dict(zip(fields, values, strict=True)))
            assert not text_problems(text), (name, text, text_problems(text))


def _service(sid="SVC-6001", name="Office Internet", **extra):
    return {
        "id": sid,
        "name": name,
        "plan": "Business 500",
        "price": "89.9",
        "billing_period": "monthly",
        "status": "active",
        "bundle": None,
        **extra,
    }


BUNDLED = _service(
    bundle={
        "id": "B-1",
        "name": "Office Connect",
        "members": [
            {"id": "SVC-6001", "name": "Office Internet"},
            {"id": "SVC-6002", "name": "Office Phones"},
        ],
    }
)
PENDING = _service(
    "SVC-6003",
    "Web Hosting",
    status="cancellation_pending",
    pending_cancellation={"confirmation_number": "ABCD-EFGH-JKLM", "end_date": TODAY.isoformat()},
)
DEVICE = {"model": "Ubiquiti UDM Pro", "serial_last4": "4821", "non_return_fee": "120", "rma": "RMA-ABCD2345"}


def _quotes():
    terms = ServiceTerms("Office Internet", Decimal("1850.4"), "monthly", TODAY + timedelta(days=5))
    return [
        POLICY.quote(
            terms, when, TODAY, TODAY + timedelta(days=40) if when == "date" else None, True
        ).as_dict()
        for when in ("immediate", "end_of_period", "date")
    ]


def _previews():
    """Backend previews as POST .../preview answers them: each end option, with and without a
    balance, one or two devices, the backup confirmed or not."""
    for quote, owes, devices, backup in itertools.product(_quotes(), (True, False), (0, 1, 2), (True, False)):
        deadline = quote["equipment_return_deadline"]
        yield {
            "service": BUNDLED,
            **{k: v for k, v in quote.items() if k != "equipment_return_deadline"},
            "balance": {
                "balance": "1250.00" if owes else "0.00",
                "currency": "USD",
                "due_at_cancellation": owes,
                "blocks_filing": owes and backup,
                "how_to_pay": POLICY.how_to_pay,
            },
            "equipment": [DEVICE] * devices,
            "return_deadline": deadline if devices else None,
            "non_return_fee_total": str(120 * devices),
            "terms": wording.terms(backup, bool(devices)),
        }


def _renderings():
    """Every function of actions/messages.py that writes text, called with sample data."""
    filed = {
        "confirmation_number": "ABCD-EFGH-JKLM",
        "service": BUNDLED,
        "end_date": TODAY.isoformat(),
        "final_bill_items": [{"description": "Web: monthly charge", "amount": "1850.4"}],
        "balance": {"balance": "0.00", "currency": "USD"},
        "equipment": [DEVICE],
        "return_deadline": (TODAY + timedelta(days=30)).isoformat(),
        "non_return_fee_total": "120",
        "next_steps": ["You can revoke this request any time before the end date."],
        "receipt_url": "https://help.example.com/receipts/x.pdf",
        "return_directions": POLICY.returns.directions,
        "receipt_sent_to": "e•••@example.com",
        "survey_url": "https://survey.example.com",
    }
    status = {
        **filed,
        "status": "received",
        "received_at": f"{TODAY}T10:00:00Z",
    }
    balance = {
        "balance": "1250.00",
        "currency": "USD",
        "invoices": [{"number": "INV-1", "amount_due": "1250", "due_date": TODAY.isoformat()}],
        "due_at_cancellation": True,
        "how_to_pay": POLICY.how_to_pay,
    }
    quotes = _quotes()
    yield "verified", [messages.verified("Erin"), messages.verified(None)]
    yield "locked", [messages.locked(1), messages.locked(15)]
    yield "pending_text", [pending_text(PENDING), pending_text({**PENDING, "pending_cancellation": {}})]
    yield "pending_note", [messages.pending_note(PENDING, BUNDLED)]
    yield "only_service", [messages.only_service(BUNDLED, "hosting")]
    yield "service_list", [messages.service_list([BUNDLED, _service("SVC-6002", "Office Phones")], [PENDING])]
    yield "confirm_service", [messages.confirm_service(BUNDLED), messages.confirm_service(_service())]
    yield "service_switched", [messages.service_switched(BUNDLED), messages.service_switched(_service())]
    yield "service_label", [messages.service_label(BUNDLED)]
    yield "bundle_warning", [messages.bundle_warning(BUNDLED)]
    yield "quoted", [messages.quoted(q, None) for q in quotes]
    question, buttons = messages.end_when_question(quotes)
    yield "end_when_question", [question, *(t for t, _ in buttons), messages.end_when_question([])[0]]
    yield (
        "items_text",
        [
            messages.items_text(quotes[2]["final_bill_items"]),
            messages.items_text([]),
            messages.items_text(YEAR_OF_CHARGES),
        ],
    )
    yield "equipment_lines", [messages.equipment_lines([DEVICE, DEVICE])]
    yield (
        "summary",
        [
            text
            for preview in _previews()
            for fast, chosen in itertools.product((True, False), (True, False))
            for text in messages.summary(preview, fast=fast, chosen=chosen)
        ],
    )
    yield "confirmation_text", [confirmation_text(filed), confirmation_text({**filed, "equipment": []})]
    yield "status_text", [_status_text(status), _status_text({**status, "status": "revoked"})]
    yield (
        "revoke_question",
        [messages.revoke_question("ABCD-EFGH-JKLM", status), messages.revoke_question("X", None)],
    )
    yield (
        "tracking_recorded",
        [
            messages.tracking_recorded("1Z999AA10123456784", "Ubiquiti UDM Pro"),
            messages.tracking_recorded("1Z999AA10123456784", ""),
        ],
    )
    yield (
        "balance_text",
        [
            messages.balance_text(balance, quotes[2]),
            messages.balance_text({**balance, "balance": "0.00", "invoices": []}, None),
        ],
    )
    yield "fees_answer", [messages.fees_answer(quotes, [DEVICE])]
    yield "refunds_answer", [messages.refunds_answer(quotes)]
    yield "equipment_answer", [messages.equipment_answer([DEVICE, DEVICE], 30)]
    yield (
        "waiting_text",
        [
            messages.waiting_text({"someone_available": True}),
            messages.waiting_text({"position": 3, "expected_wait_minutes": 1}),
            messages.waiting_text({"position": 2, "expected_wait_minutes": 12}),
            messages.waiting_text({}),
        ],
    )
    yield "off_duty", [messages.off_duty("Monday at 9:00 AM"), messages.off_duty(None)]
    yield "money", [messages.money("1850.4")]
    yield "count_of", [messages.count_of(1, "device"), messages.count_of(2, "device")]
    yield (
        "one_at_a_time",
        [
            messages.one_at_a_time(["Home Internet", "Cloud Backup"]),
            messages.one_at_a_time(["Office Internet", "Office Phones", "Website Hosting"]),
        ],
    )
    yield "day", [messages.day(TODAY.isoformat()), messages.day(None)]
    yield "refusal", [messages.refusal(error, messages.REFUSED_WHY) for error in REFUSALS]


def test_message_functions_with_sample_data():
    """Every text-building function of actions/messages.py, with sample backend answers."""
    rendered = dict(_renderings())
    functions = {
        name
        for name, fn in vars(messages).items()
        if inspect.isfunction(fn) and fn.__module__ == messages.__name__ and not name.startswith("_")
    }
    assert functions <= set(rendered), f"no sample rendering for {functions - set(rendered)}"
    for name, texts in rendered.items():
        assert texts, name
        for text in texts:
            assert text and not text_problems(text), (name, text, text_problems(text))


def test_summary_from_a_preview():
    """The confirmation question as rendered from the backend's preview (one call): balance and
    equipment first on the full path, everything in one message on the fast path, the backend's
    terms, and counts that agree with their nouns."""
    preview = next(p for p in _previews() if p["when"] == "end_of_period" and len(p["equipment"]) == 2)
    balance, equipment, question = messages.summary(preview, fast=False, chosen=True)
    assert "$1,250.00" in balance and "Billing > Pay now" in balance
    assert "Ubiquiti UDM Pro (serial ending 4821): $120.00 fee if not returned" in equipment
    assert "2 devices" in question and preview["terms"] in question
    assert question.endswith("Do you want me to file this cancellation and accept these terms?")
    (fast,) = messages.summary({**preview, "equipment": [DEVICE]}, fast=True, chosen=False)
    assert "the default since no other date was chosen" in fast and "- Equipment: Please return" in fast


def test_no_customer_text_outside_messages():
    """actions/ writes no sentence of its own: every string constant elsewhere (docstrings aside)
    that reads like customer text (two words or more, starting with a capital or ending like a
    sentence) belongs in actions/messages.py."""
    found = []
    # the process's plumbing writes to the log and to the operator, never to a customer
    plumbing = {"messages.py", "server.py", "settings.py", "backend_client.py"}
    for path in sorted((ROOT / "actions").glob("*.py")):
        if path.name in plumbing:
            continue
        for line, text in _constants(path):
            words = re.search(r"[A-Za-z]{2,}[,;:]? [A-Za-z]{2,}", text)
            if words and (re.match(r"\s*[A-Z]", text) or re.search(r"[.?!:]\s*$", text)):
                found.append(f"{path.name}:{line}: {text!r}")
    assert not found, "\n".join(found)


# --------------------------------------------------------------------------- backend/wording.py


def test_backend_wording_with_sample_data():
    """The backend's customer-facing texts that the quote test above does not reach: terms, SOP
    replies, refund messages, charges counted in the singular and plural."""
    texts = [
        wording.terms(True, True),
        wording.terms(False, False),
        wording.sympathetic_reply("https://survey.example.com/exit"),
        wording.callback_reply("https://survey.example.com/exit"),
        wording.credit_message(Decimal("1250")),
        wording.REVIEW_MESSAGE,
        wording.revoked_notice("ABCD-EFGH-JKLM", "Office Internet"),
        wording.balance_blocks_filing(Decimal("1250"), "USD", POLICY.how_to_pay),
        wording.ALREADY_REQUESTED,
        wording.NO_SUCH_REQUEST,
        wording.ALREADY_REVOKED,
        wording.END_DATE_PASSED,
        wording.REVOKED_NO_EQUIPMENT,
        wording.NO_EQUIPMENT,
        wording.NO_SUCH_DEVICE,
        wording.offer_discount_terms(Decimal("9.99"), Decimal("7.99"), "month", 3),
        wording.offer_discount_terms(Decimal("1850.40"), Decimal("1387.80"), "year", 1),
        wording.offer_plan_terms(Decimal("39.95"), Decimal("35.96"), "month", "Flex"),
        wording.offer_pause_terms(Decimal("9.99"), "month", 3),
        wording.offer_pause_terms(Decimal("420"), "year", 1),
    ]
    for charges in (0, 1, 3):
        texts.append(
            wording.chosen_date_explanation(
                "Web", TODAY + timedelta(days=60), TODAY, charges, "monthly", Decimal("1850.40"), TODAY
            )
        )
    for text in texts:
        assert not text_problems(text), (text, text_problems(text))
    assert "1 more monthly charge of $1,850.40" in texts[-2] and "3 more monthly charges" in texts[-1]
    assert POLICY.refund_routing(Decimal("12.5")).message == wording.credit_message(Decimal("12.5"))


YEAR_OF_CHARGES = [
    {"description": f"Starter Hosting: monthly charge for the period starting month {n}", "amount": "9.99"}
    for n in range(1, 13)
]


def test_a_long_final_bill_names_the_first_and_last_charge_and_the_total():
    """A date a year away: 12 monthly charges read as two, a count and the total."""
    text = messages.items_text(YEAR_OF_CHARGES)
    assert text == (
        "Starter Hosting: monthly charge for the period starting month 1 $9.99; 10 more charges like "
        "it, $99.90; Starter Hosting: monthly charge for the period starting month 12 $9.99 "
        "(12 charges, $119.88 in all)"
    )
    assert messages.items_text(YEAR_OF_CHARGES[:3]).count("; ") == 2  # up to three in full
