"""Every sentence the action server says to customers, and the buttons it shows.

The actions pick a message and fill it; nothing customer-facing is written anywhere else in
`actions/`. Three kinds of entries:

- constants: fixed sentences, and ``(title, payload)`` buttons;
- templates: sentences with ``{named}`` fields, filled with ``.format(...)`` by the action;
- functions: texts built from a backend answer (a summary, a confirmation, a status).

The static responses that rules utter themselves (greeting, the reason, offer, backup and end-date
questions, ...) are `utter_*` responses in domain.yml. The messages here are not, because
`rasa data validate --fail-on-warnings` (tests/conversations/test_rasa_checks.py) refuses a
response that no story or rule uses, and these are uttered from inside actions.
tests/vocabulary/test_texts.py renders every entry with sample data against the text rules.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any, List, Mapping, Optional, Sequence, Tuple

from actions.settings import company_date, company_today
from contract.errors import ApiError
from contract.vocabulary.dates import human_date
from contract.vocabulary.numbers import format_money

Button = Tuple[str, str]


def day(value: Any) -> str:
    """'Saturday, December 19' (with the year when it is not this year in the company's time zone)."""
    return human_date(value, company_today())


def money(amount: Any, currency: str = "USD") -> str:
    """'1850.4' -> '$1,850.40' (the one money format, `contract.vocabulary.numbers`)."""
    return format_money(amount, currency)


def count_of(count: int, noun: str) -> str:
    """'1 device', '2 devices'."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _positive(amount: Any) -> bool:
    try:
        return Decimal(str(amount)) > 0
    except (InvalidOperation, ValueError):
        return False


# --------------------------------------------------------------------------- buttons

PERSON_BUTTON: Button = ("Talk to a person", "/request_human")
MENU_BUTTONS: List[Button] = [
    ("Cancel a service", "/cancel_service"),
    ("Status of a request", "/check_status"),
    ("Revoke a cancellation", "/revoke_cancellation"),
    ("Request a refund", "/ask_refund"),
    ("Report a return tracking number", "/report_tracking"),
    ("My final bill", "/ask_balance"),
    PERSON_BUTTON,
]
MENU_WITHOUT_PERSON: List[Button] = [b for b in MENU_BUTTONS if b != PERSON_BUTTON]
SEND_CODE_BUTTON: Button = ("Send me a code", "/request_code")
CONFIRM_SERVICE_BUTTONS: List[Button] = [("Yes, that one", "/affirm"), ("No, another one", "/deny")]
CONFIRM_FILING_BUTTONS: List[Button] = [
    ("Yes, cancel it. I accept the terms", "/affirm"),
    ("No, don't cancel", "/deny"),
]
REVOKE_BUTTONS: List[Button] = [("Yes, revoke it", "/affirm"), ("No, keep the cancellation", "/deny")]
ALL_SERVICES_TITLE = "All {count}"
BOTH_SERVICES_TITLE = "Both"
END_IMMEDIATELY_TITLE = "Immediately"
END_OF_PERIOD_TITLE = "End of billing period"
END_OF_PERIOD_ON_TITLE = "End of billing period ({date})"
END_ON_DATE_TITLE = "On a date I choose"
PENDING_STATUS_TITLE = "Check its status"
PENDING_REVOKE_TITLE = "Revoke it"
SOMETHING_ELSE_TITLE = "Something else"

# --------------------------------------------------------------------------- everywhere

UNAVAILABLE = (
    "Sorry, I can't reach our account system right now, so I can't do that at the moment. "
    "Nothing has been changed. Please try again in a few minutes."
)
EXPIRED = (
    "For your security, your verification has expired. I'll need to check your details "
    "again; nothing has been changed."
)
EXPIRED_START_AGAIN = EXPIRED + ' Say "cancel" to start again.'
EXPIRED_NOTHING_FILED = EXPIRED + ' Nothing was filed; say "cancel" to start again.'
STOPPED = "Okay, I've stopped there. Nothing has been changed. Anything else?"
NOTHING_CHANGED = "Okay, nothing has been changed."
PERSON_CAN_HELP = " If you'd rather, a person can help you with this."

# --------------------------------------------------------------------------- identification

ASK_IDENTIFIER = (
    "First I need to check it's you. What's your account number, or the email address "
    "or phone number registered on the account?"
)
ASK_FACTOR = (
    "Thanks. Now your billing ZIP code or your 4-digit account PIN, please. "
    "Or I can send a one-time code to the email or phone on the account."
)
ASK_CODE = "I've sent a 6-digit code to {sent_to}. Please type it here when it arrives."
SOME_CONTACT = "your contact"
NOT_AN_IDENTIFIER = (
    "That doesn't look like an account number (8 digits), an email address or a phone number "
    "with its area code. Could you type it again?"
)
# "my zip is 02139" where the identifier is asked: not refused as a bad identifier
FACTOR_BEFORE_IDENTIFIER = (
    "Thanks, I'll ask for that right after. First I need to find the account: what's your "
    "account number, or the email address or phone number registered on it?"
)
NO_CODE_POSSIBLE = (
    "I couldn't send a code to the contact on this account. Please "
    "give the billing ZIP code or the account PIN instead."
)
FACTOR_DIGITS_ONLY = (
    "Please type just the digits: the 5-digit billing ZIP, the 4-digit PIN, or the 6-digit code."
)
FACTOR_NOT_RIGHT = (
    "That doesn't look right: please type the 5-digit billing ZIP, the 4-digit PIN or the 6-digit code."
)
NOT_VERIFIED = (
    "Sorry, I couldn't verify the account with those details. Let's try again: "
    "please check the details and start with the account number, email or phone."
)


def verified(first_name: Optional[str]) -> str:
    """Verification succeeded."""
    return f"Thanks{', ' + first_name if first_name else ''}, you're verified."


def locked(minutes: int) -> str:
    """Verification is locked for about ``minutes``."""
    return (
        "For your security, account verification is locked after several unsuccessful "
        f"tries. You can try again in about {count_of(minutes, 'minute')}, "
        "or talk to a person now."
    )


# --------------------------------------------------------------------------- services


def service_label(service: Mapping[str, Any]) -> str:
    """'Office Internet (SVC-6001)'."""
    return f"{service.get('name', 'Service')} ({service.get('id', '?')})"


def bundle_warning(service: Mapping[str, Any]) -> Optional[str]:
    """Sentence warning that cancelling ``service`` affects the other members of its bundle."""
    bundle = service.get("bundle")
    if not bundle:
        return None
    others = [m for m in bundle.get("members") or [] if m.get("id") != service.get("id")]
    if not others:
        return None
    names = ", ".join(f"{m.get('name')} ({m.get('id')})" for m in others)
    bundle_name = str(bundle.get("name") or "a")
    if not bundle_name.lower().endswith("bundle"):
        bundle_name += " bundle"
    return (
        f"Note: {service.get('name')} is part of the {bundle_name}. "
        f"Cancelling it also affects {names}: bundle pricing may end for those services."
    )


def only_service(service: Mapping[str, Any], named: str) -> str:
    """The customer named a kind of service this account does not have."""
    return (
        f"I don't see {named} on this account: its only active service is "
        f"{service.get('name')} ({service.get('id')})."
    )


def pending_text(service: Mapping[str, Any]) -> str:
    """What the customer reads about a service whose cancellation is already filed."""
    pending = service.get("pending_cancellation") or {}
    number = pending.get("confirmation_number")
    text = f"{service.get('name')} already has a pending cancellation request"
    if number:
        text += f" (confirmation number {number})"
    if pending.get("end_date"):
        text += f"; it ends on {day(pending['end_date'])}"
    return text + ". Nothing new needs to be filed. Would you like to check its status or revoke it?"


def pending_note(service: Mapping[str, Any], other: Mapping[str, Any]) -> str:
    """Why the only service left to cancel is taken without asking."""
    number = (service.get("pending_cancellation") or {}).get("confirmation_number")
    return (
        f"{service.get('name')}: cancellation already requested"
        + (f" (confirmation number {number})" if number else "")
        + f". So this is about {other.get('name')}."
    )


def service_list(active: Sequence[Mapping[str, Any]], pending: Sequence[Mapping[str, Any]]) -> str:
    """The question listing the services to choose from (and the ones already requested)."""
    lines = [
        f"{n}. {service_label(s)}, {s.get('plan')}, {money(s.get('price'))}/"
        f"{'year' if s.get('billing_period') == 'annual' else 'month'}"
        for n, s in enumerate(active, start=1)
    ]
    for s in pending:
        request = s.get("pending_cancellation") or {}
        lines.append(
            f"- {service_label(s)}: cancellation already requested"
            + (f", ends {day(request['end_date'])}" if request.get("end_date") else "")
            + (
                f" (confirmation number {request['confirmation_number']})"
                if request.get("confirmation_number")
                else ""
            )
        )
    return "You have these services. Which one would you like to cancel?\n" + "\n".join(lines)


def confirm_service(service: Mapping[str, Any]) -> str:
    """ "Just to confirm ...?" with the bundle warning."""
    text = f"Just to confirm: you want to cancel {service_label(service)}?"
    warning = bundle_warning(service)
    return text + "\n" + warning if warning else text


def service_switched(service: Mapping[str, Any]) -> str:
    """ "no, the other one" at the confirmation: which service it is now, with the bundle warning."""
    text = f"Okay, {service_label(service)} then."
    warning = bundle_warning(service)
    return text + "\n" + warning if warning else text


ASK_SERVICE = "Which service would you like to cancel?"
ASK_SERVICE_ID = "Which service would you like to cancel? Please type its ID (it starts with SVC-)."
ALL_ONE_AT_A_TIME = (
    "Okay, {which}: {names}. I'll take them one at a time, with one "
    "summary and one confirmation number each. The answers you give now count "
    "for all of them."
)


def one_at_a_time(names: Sequence[str]) -> str:
    """Several services chosen at once: which ones, and how they will be handled."""
    which = "both" if len(names) == 2 else f"all {len(names)}"
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return ALL_ONE_AT_A_TIME.format(which=which, names=listed)


NO_ACTIVE_SERVICE = "I don't see any active service on this account, so there is nothing to cancel."
SERVICE_NOT_MATCHED = (
    "I couldn't match that to one of your services. Please "
    "pick one from the list (you can also type its number)."
)
NEXT_SERVICE = "Next: {name}."

# --------------------------------------------------------------------------- reason, offer, backup

REASON_THANKS = "Thanks for telling me."
REASON_SKIPPED = "No problem."
REASON_GO_AHEAD = "Go ahead: pick a reason below or type it in your own words."
OFFER_FAILED = (
    "Sorry, I couldn't apply the offer right now: I can't reach our account system. "
    "Nothing has been changed. Please try again in a few minutes."
)
OFFER_APPLIED = (
    "Done: {offer} is now applied to {service}. Your service stays active and nothing has been cancelled."
)
YOUR_SERVICE = "your service"
OFFER_DECLINED = "Understood, I've noted that. Let's continue."
# "let me think about it" / "what's the catch?" at the offer: the offer stays open
OFFER_THINK = "Of course, take your time: nothing changes until you decide."
OFFER_TERMS = "{title}: {terms}"
BACKUP_WAIT = "No problem: please back up what you need first, I'll wait here. Nothing has been cancelled."
BACKUP_NOTED = "Thanks, noted that your data is backed up."
FAST_TRACK = "Okay, I'll skip the optional questions."

# --------------------------------------------------------------------------- refusals

# The fields of the backend's 422 answers that hold what a customer typed, as the customer calls
# them; a 422 on any other field is the assistant's fault, and the customer reads the fallback.
FIELD_NAMES = {
    "date": "The end date",
    "tracking_number": "The tracking number",
    "amount": "The amount",
    "reason": "The reason",
}


def refusal(error: ApiError, fallback: str) -> str:
    """The backend's reason for refusing, as one sentence the customer can read.

    A 422 names its field ("date: must be within 365 days", field "date"): the field becomes
    its name in words ("The end date must be within 365 days."). A 409 or 404 sentence is kept
    as the backend wrote it. Always a capital first and a full stop last; ``fallback`` (a
    sentence) when the backend gave no reason or named a field the customer never typed."""
    text = " ".join((error.message or "").split())
    field = str(error.extra.get("field") or "")
    if field:
        if field not in FIELD_NAMES:
            return fallback
        prefix = f"{field}: "
        text = f"{FIELD_NAMES[field]} {text[len(prefix) :] if text.startswith(prefix) else text}"
    if not text:
        return fallback
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "?", "!")) else f"{text}."


# --------------------------------------------------------------------------- end date

WHEN_LABEL = {
    "immediate": "immediately",
    "end_of_period": "at the end of the billing period",
    "date": "on the date you chose",
}
END_WHEN_NOT_READ = (
    "Sorry, I didn't get that. Choose immediately, the end of "
    'the billing period, or type a date like "Dec 15" or '
    '"end of next month".'
)
# the date question (utter_ask_end_date, with its examples) follows: not said twice
END_DATE_NOT_READ = "Sorry, I couldn't read that date."
# {why} of the refusals below is a whole sentence: `refusal(...)` of the backend's answer.
# the date question (utter_ask_end_date) follows these: they don't ask it themselves
DATE_REFUSED = "That date doesn't work. {why}"
LATEST_END = "The latest end I can set is {date}."
MONTH_WITHOUT_DAY = "{month} works; I just need the day."
DATE_REFUSED_WHY = "It can't be chosen for this service."


def quoted(quote: Mapping[str, Any], fallback_date: Optional[str]) -> str:
    """The chosen end option as the backend quoted it."""
    parts = [f"Your service would end on {day(quote.get('end_date', fallback_date))}."]
    if quote.get("explanation"):
        parts.append(str(quote["explanation"]))
    if quote.get("renewal_warning"):
        parts.append(str(quote["renewal_warning"]))
    return " ".join(parts)


def end_when_question(options: Sequence[Mapping[str, Any]]) -> Tuple[str, List[Button]]:
    """The three end options with the backend's explanations, and their buttons."""
    by_when = {o.get("when"): o for o in options}
    imm = by_when.get("immediate", {})
    eop = by_when.get("end_of_period", {})
    lines = ["When should the service end?"]
    lines.append(
        "1. Immediately"
        + (f": {imm['explanation']}" if imm.get("explanation") else " (no refund for the rest of the period)")
    )
    lines.append(
        "2. At the end of the billing period"
        + (f", on {day(eop['end_date'])}" if eop.get("end_date") else "")
        + (f": {eop['explanation']}" if eop.get("explanation") else "")
    )
    lines.append('3. On a date you choose (type it, e.g. "Dec 15" or "end of next month")')
    eop_title = (
        END_OF_PERIOD_ON_TITLE.format(date=day(eop["end_date"]))
        if eop.get("end_date")
        else END_OF_PERIOD_TITLE
    )
    return "\n".join(lines), [
        (END_IMMEDIATELY_TITLE, '/inform{"end_when":"immediate"}'),
        (eop_title, '/inform{"end_when":"end_of_period"}'),
        (END_ON_DATE_TITLE, '/inform{"end_when":"date"}'),
    ]


# --------------------------------------------------------------------------- summary and filing

SHALL_I_FILE = "Shall I file the cancellation?"
FIGURES_UNAVAILABLE = (
    "I couldn't load the final figures just now. Shall I still file the "
    "cancellation? The confirmation will list them."
)
DECLINED = (
    "Okay, I haven't cancelled anything. If you change your mind, just "
    'say "cancel" and we\'ll pick it up again.'
)
FILING_REFUSED = "I couldn't file the cancellation. {why} Nothing was filed."
FILING_REFUSED_WHY = "The request was refused."
FILING_UNANSWERED = (
    "I couldn't get an answer from our system, so I can't confirm yet that your cancellation is "
    'filed. Say "yes" in a minute and I\'ll try again: it will never be filed twice.'
)


ITEMS_IN_FULL = 3


def items_text(items: Sequence[Mapping[str, Any]], currency: str = "USD") -> str:
    """Final-bill items on one line; beyond ``ITEMS_IN_FULL`` the first and the last are named,
    the ones between counted with their sum, and the total said (a date a year away is 12
    monthly charges)."""
    if not items:
        return "nothing further"

    def one(item: Mapping[str, Any]) -> str:
        return f"{item.get('description')} {money(item.get('amount'), currency)}"

    if len(items) <= ITEMS_IN_FULL:
        return "; ".join(map(one, items))
    between = items[1:-1]
    return (
        f"{one(items[0])}; {len(between)} more charges like it, {money(_sum(between), currency)}; "
        f"{one(items[-1])} ({len(items)} charges, {money(_sum(items), currency)} in all)"
    )


def _sum(items: Sequence[Mapping[str, Any]]) -> Decimal:
    return sum((Decimal(str(i.get("amount") or 0)) for i in items), Decimal(0))


def equipment_lines(equipment: Sequence[Mapping[str, Any]]) -> str:
    """Devices with their non-return fee on one line."""
    return "; ".join(
        f"{e.get('model')} (serial ending {e.get('serial_last4')}): "
        f"{money(e.get('non_return_fee'))} fee if not returned"
        for e in equipment
    )


def summary(preview: Mapping[str, Any], *, fast: bool, chosen: bool) -> List[str]:
    """The messages before the final question (design steps 7-9), from the backend's preview:
    on the full path the balance and the equipment each in its own message, then the summary
    with the terms and the question; on the fast path everything in one message."""
    service = preview.get("service") or {}
    balance = preview.get("balance") or {}
    currency = balance.get("currency", "USD")
    devices = preview.get("equipment") or []
    owes = _positive(balance.get("balance"))
    when = str(preview.get("when") or "end_of_period")
    deadline = preview.get("return_deadline")

    balance_text = (
        f"You have an outstanding balance of {money(balance.get('balance'), currency)}. "
        "All balances are due at cancellation. "
        f"{balance.get('how_to_pay', '')}".strip()
    )
    if balance.get("blocks_filing"):
        balance_text += " The balance has to be settled before the cancellation can be filed."
    equipment_text = (
        "Please return the leased equipment by "
        f"{day(deadline) if deadline else 'the return deadline'}: "
        f"{equipment_lines(devices)}. After you confirm, you'll get a prepaid return label "
        "by email. Once you've shipped it, tell me the tracking number here "
        '(say "report a tracking number").'
    )
    messages: List[str] = []
    if not fast:
        if owes:
            messages.append(balance_text)
        if devices:
            messages.append(equipment_text)

    lines = ["Here's the summary:", f"- Service: {service_label(service)}"]
    warning = bundle_warning(service)
    if warning:
        lines.append(f"- {warning}")
    ends = f"- Ends: {day(preview.get('end_date'))} ({WHEN_LABEL.get(when, when)}"
    if not chosen:
        ends += ", the default since no other date was chosen"
    lines.append(ends + ")")
    if _positive(preview.get("refund")):
        lines.append(f"- Refund: {money(preview.get('refund'), currency)}")
    elif when == "immediate":
        lines.append("- No refund for the rest of the period (immediate cancellation)")
    lines.append(f"- Final bill: {items_text(preview.get('final_bill_items') or [], currency)}")
    if preview.get("renewal_warning"):
        lines.append(f"- {preview['renewal_warning']}")
    if fast:
        lines.append(f"- Balance: {balance_text if owes else 'nothing outstanding'}")
        if devices:
            lines.append(f"- Equipment: {equipment_text}")
    else:
        lines.append(
            f"- Balance: {money(balance.get('balance'), currency)}" + (" due at cancellation" if owes else "")
        )
        if devices:
            devices_text = count_of(len(devices), "device")
            lines.append(
                f"- Equipment to return by {day(deadline)}: {devices_text}"
                if deadline
                else f"- Equipment to return: {devices_text}"
            )
    lines.append(str(preview.get("terms") or ""))
    lines.append("Do you want me to file this cancellation and accept these terms?")
    return messages + ["\n".join(line for line in lines if line)]


def confirmation_text(filed: Mapping[str, Any]) -> str:
    """The filed request: confirmation number, end, final bill, balance, equipment, next steps."""
    service = filed.get("service") or {}
    lines = [
        "Your cancellation is filed.",
        f"Confirmation number: {filed.get('confirmation_number')}",
        f"Service: {service_label(service)}",
        f"Ends: {day(filed.get('end_date'))}",
        f"Final bill: {items_text(filed.get('final_bill_items') or [])}",
    ]
    balance = filed.get("balance")
    if isinstance(balance, dict):
        amount = balance.get("balance")
        currency = balance.get("currency", "USD")
    else:
        amount, currency = balance, "USD"
    if amount is not None:
        lines.append(
            f"Balance: {money(amount, currency)}" + (" due at cancellation" if _positive(amount) else "")
        )
    equipment = filed.get("equipment") or []
    if equipment:
        devices = [
            " ".join([str(e.get("model"))] + ([f"RMA {e['rma']}"] if e.get("rma") else [])) for e in equipment
        ]
        lines.append(
            "Equipment: "
            + (
                f"return by {day(filed['return_deadline'])}: "
                if filed.get("return_deadline")
                else "to return: "
            )
            + "; ".join(devices)
            + (
                f" (non-return fees up to {money(filed.get('non_return_fee_total'))})"
                if _positive(filed.get("non_return_fee_total"))
                else ""
            )
        )
        if filed.get("label_url"):
            lines.append(f"Prepaid return label: {filed['label_url']}")
        elif filed.get("return_directions"):
            lines.append(f"How to return: {filed['return_directions']}")
    steps = filed.get("next_steps") or []
    if steps:
        lines.append("Next steps:\n" + "\n".join(f"- {s}" for s in steps))
    if filed.get("receipt_url"):
        lines.append(f"Your receipt (PDF): {filed['receipt_url']}")
    if filed.get("receipt_sent_to"):
        lines.append(f"A receipt is on its way to {filed['receipt_sent_to']}.")
    if filed.get("survey_url") and not any(filed["survey_url"] in str(s) for s in steps):
        lines.append(f"Would you tell us why you left? It takes two minutes: {filed['survey_url']}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- other requests

STATUS_WORDS = {
    "received": "received and being processed",
    "revoked": "revoked: the service stays active",
    "completed": "completed",
}


def status_text(c: Mapping[str, Any]) -> str:
    """A filed request's status."""
    service = c.get("service") or {}
    code = str(c.get("status") or "")
    status = STATUS_WORDS.get(code, code)
    text = (
        f"Request {c.get('confirmation_number')} for {service_label(service)} is {status}. "
        f"Received {day(company_date(c.get('received_at')))}; it ends on "
        f"{day(c.get('end_date'))}."
    )
    if c.get("status") == "received" and c.get("return_deadline") and c.get("equipment"):
        text += f" Equipment is due back by {day(c.get('return_deadline'))}."
    return text


STATUS_UNCHANGED = "That's the request I just checked, and nothing has changed since: {status}"


def revoke_question(number: str, c: Optional[Mapping[str, Any]]) -> str:
    """ "Revoke ...?" with the request's service and end date when known."""
    detail = f" for {service_label(c.get('service') or {})}, ending {day(c.get('end_date'))}" if c else ""
    return f"Revoke cancellation {number}{detail}? The service would then stay active as before."


EXAMPLE_CONFIRMATION = "ABCD-EFGH-JKLM"  # the shape of a confirmation number, never a request
ASK_CONFIRMATION_NUMBER = (
    "What's the confirmation number? It's 12 letters and digits, like "
    f"{EXAMPLE_CONFIRMATION}, and it's in your receipt."
)
NOT_A_CONFIRMATION_NUMBER = (
    f"A confirmation number has 12 letters and digits, like {EXAMPLE_CONFIRMATION}. Could you type it again?"
)
CONFIRMATION_CHECK_FAILED = (
    "That confirmation number doesn't check out; a character may be mistyped. Could you type it again?"
)
REQUEST_NOT_FOUND_CHECK = (
    "I couldn't find a request {number} on this account. Please check the number in your receipt."
)
REQUEST_NOT_FOUND = "I couldn't find a request {number} on this account."
NO_OPEN_REQUEST = (
    "I don't see an open cancellation request on this account: every service on it is active "
    "as before. If you have a confirmation number from an earlier request, just type it here."
)
# Replies that repeat a number the customer typed without finding it (not a request to reuse).
NUMBER_REFUSALS = tuple(
    t.split("{")[0] for t in (REQUEST_NOT_FOUND_CHECK, REQUEST_NOT_FOUND, CONFIRMATION_CHECK_FAILED)
)
CANNOT_REVOKE = "I can't revoke {number}. {why}"
CANNOT_REVOKE_WHY = "It has already ended or was already revoked."
REVOKED = "Done: cancellation {number} is revoked, and {service} stays active as before."
ASK_TRACKING_NUMBER = "What's the tracking number of the return parcel?"
NOT_A_TRACKING_NUMBER = "A tracking number is usually 8 to 40 letters and digits. Could you type it again?"
TRACKING_REFUSED = "I couldn't record that tracking number. {why}"
REFUSED_WHY = "It was refused."


def tracking_recorded(tracking: str, models: str) -> str:
    """The tracking number is recorded (for the devices ``models`` names)."""
    return (
        f"Thanks, tracking number {tracking} is recorded"
        + (f" for {models}" if models else "")
        + ". We'll confirm once the equipment arrives."
    )


ASK_REFUND_AMOUNT = "How much do you think should be refunded? (e.g. 49.99)"
NOT_AN_AMOUNT = "How much should be refunded? Please type an amount like 49.99."
ASK_REFUND_REASON = 'And why is the refund due? A sentence is enough, e.g. "charged twice in October".'
REFUND_REASON_TOO_SHORT = "Could you say in a few words why the refund is due?"
REFUND_REFUSED = "I couldn't file the refund request. {why}"
# (the backend's `message` says the same in other words: one apology, not two)
REFUND_CREDITED = "I'm sorry for the trouble. A credit of {amount} will be processed for your account."
REFUND_IN_REVIEW = (
    "I'm sorry for the trouble. Your refund request for {amount} is being "
    "reviewed by our billing team; they'll get back to you."
)


def balance_text(balance: Mapping[str, Any], quote: Optional[Mapping[str, Any]]) -> str:
    """What the customer owes and, with the quote of a chosen service, its final bill."""
    currency = balance.get("currency", "USD")
    if _positive(balance.get("balance")):
        invoices = ", ".join(
            f"{i.get('number')} {money(i.get('amount_due'), currency)} due {day(i.get('due_date'))}"
            for i in balance.get("invoices") or []
        )
        text = (
            f"Your outstanding balance is {money(balance.get('balance'), currency)}"
            + (f" ({invoices})" if invoices else "")
            + ". "
            + ("It's due at cancellation. " if balance.get("due_at_cancellation") else "")
            + str(balance.get("how_to_pay") or "")
        )
    else:
        text = "You have no outstanding balance."
    items = (quote or {}).get("final_bill_items") or []
    if items:
        text += (
            " Final bill if the service ends at the end of the billing period: "
            + items_text(items, currency)
            + "."
        )
    return text.strip()


# --------------------------------------------------------------------------- questions in between

WHEN_NAMES = {
    "immediate": "Ending immediately",
    "end_of_period": "Ending at the end of the billing period",
    "date": "Ending on a chosen date",
}
FEE_GENERAL = (
    "There's no separate charge for asking to cancel. What you'd still pay depends on your "
    "account and the end date you choose: before you confirm anything I'll show you the "
    "final bill for each option, any balance, and the fee for leased equipment that isn't "
    "returned."
)
REFUND_GENERAL = (
    "Whether anything is refunded depends on the end date you choose; I'll show the exact "
    "figure for each option before you confirm. If you were charged for something you "
    "shouldn't have been, I can also file a refund request for you afterwards."
)
BALANCE_GENERAL = (
    "Any outstanding balance is due when the service is cancelled. Once I've verified your "
    "account I can tell you the exact amount, your final bill and how to pay."
)
EQUIPMENT_GENERAL = (
    "If you have leased equipment (a modem or router, for example), you'll get a prepaid "
    "return label by email when the cancellation is filed, plus a return deadline. "
    "A non-return fee applies to each device that isn't sent back in time. After shipping, "
    "just tell me the tracking number here."
)
NO_EQUIPMENT_FOR_SERVICE = "There's no leased equipment to return for this service."
NO_EQUIPMENT_ON_ACCOUNT = "There's no leased equipment to return on your account."


def fees_answer(options: Sequence[Mapping[str, Any]], devices: Sequence[Mapping[str, Any]]) -> str:
    """What the customer would still pay for each end option, and the non-return fees."""
    lines = ["Here's what you'd still pay for this service:"]
    for o in options:
        items = o.get("final_bill_items") or []
        lines.append(
            f"- {WHEN_NAMES.get(str(o.get('when')), o.get('when'))} ({day(o.get('end_date'))}): "
            + (items_text(items) if items else "nothing further")
        )
    for e in devices:
        lines.append(
            f"- {e.get('model')}: {money(e.get('non_return_fee'))} only if it isn't returned in time"
        )
    return "\n".join(lines)


def refunds_answer(options: Sequence[Mapping[str, Any]]) -> str:
    """The refund of each end option."""
    lines = ["Refunds for this service:"]
    for o in options:
        refund = o.get("refund")
        lines.append(
            f"- {WHEN_NAMES.get(str(o.get('when')), o.get('when'))}: "
            + (f"refund of {money(refund)}" if _positive(refund) else "no refund")
            + (f". {o['explanation']}" if o.get("explanation") else "")
        )
    return "\n".join(lines)


def equipment_answer(devices: Sequence[Mapping[str, Any]], return_window_days: Any) -> str:
    """The devices to return, their fees and how."""
    lines = [
        f"Equipment to return (within {return_window_days} days after the "
        "service ends; you'll get a prepaid return label by email when the cancellation "
        "is filed):"
    ]
    for e in devices:
        lines.append(
            f"- {e.get('model')} (serial ending {e.get('serial_last4')}): "
            f"{money(e.get('non_return_fee'))} fee if not returned"
        )
    lines.append('After shipping, tell me the tracking number ("report a tracking number").')
    return "\n".join(lines)


# --------------------------------------------------------------------------- misunderstandings

NOT_UNDERSTOOD_LONG = (
    "I read your whole message but couldn't tell what you'd like me to do. Could you say it in one sentence?"
)
NOT_IN_SCOPE = "Sorry, that's not something I can help with."
NOT_UNDERSTOOD = "Sorry, I didn't understand that."
OFFER_PERSON = "{opening} Would you like to talk to a person?"
OFFER_PERSON_IN_FORM = "{opening} Would you like to talk to a person? Or we can carry on where we were."
CARRY_ON = "{opening} Let's carry on where we were."
WHAT_I_CAN_DO = "{opening} Here's what I can do:"
SWITCH_TO_CANCEL = "Sure, let's do the cancellation first."
DETAILS_NOTED = "Thanks, I've noted your account details. What would you like to do?"
WHAT_TO_DO = "What would you like to do?"
WHAT_CAN_I_HELP_WITH = "What can I help you with?"
STATUS_OR_REVOKE = "Which one: check its status, or revoke it and keep the service?"

# --------------------------------------------------------------------------- questions about the question

# "what?", "i dont understand", "what are my options": the question now asked, said plainly
# (the form asks it again right after, with its buttons)
CLARIFY_QUESTION = {
    "account_identifier": (
        "I need something that identifies your account: your 8-digit account number, "
        "or the email address or phone number we have for you."
    ),
    "verification_factor": (
        "To make sure it's really you, please type the billing ZIP code of the account (5 digits) "
        "or your 4-digit account PIN. If you have neither at hand, I can send a one-time code instead."
    ),
    "service_id": "I need to know which of your services should be cancelled: pick one below or type its number.",
    "service_confirmed": (
        "I'm checking I picked the right service: say yes if it's the one to cancel, or no to choose again."
    ),
    "reason": (
        "I'm asking why you're leaving. You can pick one of the reasons below, write your own, "
        "or skip the question."
    ),
    "offer_response": (
        "We'd like to offer you something to stay: say yes to take the offer and keep your service, "
        "or no to go on with the cancellation."
    ),
    "backup_confirmed": (
        "Once the service is cancelled, the files and data on it are gone for good. Say yes if "
        "you've saved what you need, or \"not yet\" and I'll wait."
    ),
    "end_when": (
        "I'm asking when the service should stop: right away, at the end of the billing period, "
        "or on a date you choose."
    ),
    "end_date": 'Please type the day the service should end, for example "Dec 15" or "end of next month".',
    "final_confirmation": (
        "This is the last step: say yes and I file the cancellation as summarised, or no and nothing changes."
    ),
    "confirmation_number": (
        "I need the confirmation number of the request. It looks like ABCD-EFGH-JKLM and was in "
        "the message and the email you got when the request was filed."
    ),
    "revoke_confirmed": "Say yes to undo the cancellation and keep the service, or no to leave it cancelled.",
    "tracking_number": (
        "I need the tracking number of the parcel you sent the equipment back in; it's on the shipping receipt."
    ),
    "refund_amount": "How much money should come back to you? Please type an amount, like 49.99.",
    "refund_reason": 'Please tell me in a sentence why the refund is due, for example "charged twice in October".',
}
CLARIFY_ANY = "Please answer the question below, or say stop to stop here."
# "why do you need my zip?"
CLARIFY_WHY = {
    "account_identifier": "I need it to find your account and to check it's you before anything is changed.",
    "verification_factor": (
        "The ZIP code or PIN proves it's really you, so that no one else can make changes to your "
        "services. If you'd rather, I can send a one-time code to the email or phone on the account instead."
    ),
    "reason": "It's optional: it only helps us improve. You can skip it.",
    "backup_confirmed": (
        "Data on the service can't be retrieved after it's cancelled, and I want to be sure you don't lose anything."
    ),
    "end_when": "So that you decide when the service stops and what is still charged.",
    "end_date": "So that you decide when the service stops and what is still charged.",
}
# "is this safe?"
CLARIFY_SAFE = (
    "Yes. I only use your details to check it's you, and they're masked in what we keep of this "
    "chat. I'll never ask for a password or a card number."
)
CLARIFY_MENU = "Here's what I can do:"
# "dunno", "i don't remember" where a detail the customer may not have is asked
CLARIFY_UNSURE = {
    "account_identifier": (
        "No problem: the email address or the phone number on the account works just as well as "
        "the account number."
    ),
    "verification_factor": (
        "No problem: instead of the ZIP code or PIN, I can send a one-time code to the email or "
        "phone on the account."
    ),
    "confirmation_number": (
        "No problem: it's in the message and the email you got when the request was filed "
        "(it looks like ABCD-EFGH-JKLM)."
    ),
}

# --------------------------------------------------------------------------- a person

HANDOFF_UNREACHABLE = (
    "I'm sorry, no one from our team can be reached right now. I can still do the "
    "cancellation, or any of these, for you right here:"
)
HANDOFF_PENDING = (
    "I've asked a member of our team to join this chat; they'll be with "
    "you as soon as they can. Until then I'm still here to help."
)


def waiting_text(answer: Mapping[str, Any]) -> str:
    """What the customer is told while waiting: 'shortly' only when someone is available now,
    otherwise their place in line and the backend's expected wait."""
    position, minutes = answer.get("position"), answer.get("expected_wait_minutes")
    seen = "They will see everything written here, so you don't need to repeat anything."
    if answer.get("someone_available"):
        return "I've asked a member of our team to join this chat; a person will be with you shortly. " + seen
    line = f"you're number {position} in line" if position else "you're in line"
    wait = f", and the expected wait is about {count_of(minutes, 'minute')}" if minutes else ""
    return (
        f"I've asked a member of our team to join this chat. Everyone is busy right now: {line}{wait}. "
        + seen
    )


def off_duty(next_opening_text: Optional[str]) -> str:
    """No one on duty: when someone will answer, and that the assistant carries on."""
    return (
        "No one from our team is available right now"
        + (f"; someone will answer from {next_opening_text}. " if next_opening_text else ". ")
        + "Your request is queued and they will pick up this conversation then. I don't "
        "need to wait for them: I can carry on with your cancellation right away, or help "
        "with any of these:"
    )
