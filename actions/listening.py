"""Reading an answer against the question asked, and details said earlier in the conversation.

The forms' ``extract_<slot>`` methods use these before any intent-based routing: when a form
asks for X, X's reader runs on the message, so "sorry, I already said it: jo@x.example" or "ok
fine, I'll take the offer" fill X whatever intent the classifier chose. The readers themselves
(identifiers, reasons, dates, yes/no) are `contract.vocabulary`, shared with the backend.
"""

from __future__ import annotations

import difflib
import re
from typing import Any, Iterable, Iterator, List, Mapping, Optional, Sequence, Set, Tuple, TypeVar

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from contract.vocabulary.answers import YES, clarification, courtesy, other_subject, read_yes_no
from contract.vocabulary.numbers import find_confirmations
from contract.vocabulary.requests import REVOKE, STATUS, about_revoking, asked_requests

from .messages import (
    CLARIFY_ANY,
    CLARIFY_QUESTION,
    CLARIFY_SAFE,
    CLARIFY_UNSURE,
    CLARIFY_WHY,
    EXAMPLE_CONFIRMATION,
    NUMBER_REFUSALS,
    PERSON_BUTTON,
    PERSON_CAN_HELP,
)

# Intents that ask something or change the subject: a free-text slot does not swallow them
# unless the message also holds what was asked.
QUESTION_INTENTS = frozenset(
    {
        "ask_cancellation_fee",
        "ask_refund",
        "ask_balance",
        "ask_equipment_return",
        "request_human",
        "check_status",
        "revoke_cancellation",
        "report_tracking",
        "bot_challenge",
        "greet",
        "thanks",
        "goodbye",
        "cancel_now",
    }
)


def latest_text(tracker: Tracker) -> str:
    return str(tracker.latest_message.get("text") or "")


def latest_intent(tracker: Tracker) -> Optional[str]:
    return (tracker.latest_message.get("intent") or {}).get("name")


def is_question(tracker: Tracker) -> bool:
    """The message asks something else (a fee question, a person, ...) rather than answering."""
    intent = latest_intent(tracker)
    confidence = float((tracker.latest_message.get("intent") or {}).get("confidence") or 0)
    text = latest_text(tracker)
    if text.startswith("/"):
        return intent in QUESTION_INTENTS
    return intent in QUESTION_INTENTS and (confidence >= 0.5 or text.rstrip().endswith("?"))


def requested(tracker: Tracker) -> Optional[str]:
    return tracker.get_slot("requested_slot")


def earlier_user_texts(tracker: Tracker) -> Iterator[str]:
    """Texts of the customer's earlier messages in this session since the last request ended,
    newest first (as stored: identifiers and long digit runs are masked there)."""
    events = list(tracker.events or [])
    seen_latest = False
    for event in reversed(events):
        if event.get("event") == "session_started":
            return
        if seen_latest and event.get("event") == "action" and str(event.get("name", "")).endswith("_finish"):
            # an earlier request ended here: what was said for it is not for this one. (A
            # request that ended after the latest message, in this very turn, is the one these
            # messages were for: the request that follows it was asked in them too.)
            return
        if event.get("event") == "user":
            if not seen_latest:
                seen_latest = True
                continue
            text = str(event.get("text") or "")
            if text and not text.startswith("/"):
                yield text


def offered_buttons(tracker: Tracker) -> List[Tuple[str, str]]:
    """(title, payload) of the buttons the assistant offered just before the latest message (its
    previous turn): a typed answer may mean one of them ("whats the status on that" after
    "Would you like to check its status or revoke it?" with a button each)."""
    offered: List[Tuple[str, str]] = []
    seen_latest = False
    for event in reversed(list(tracker.events or [])):
        if event.get("event") == "user":
            if seen_latest:
                break
            seen_latest = True
        elif event.get("event") == "bot" and seen_latest:
            buttons = (event.get("data") or {}).get("buttons") or []
            offered = [(str(b.get("title") or ""), str(b.get("payload") or "")) for b in buttons] + offered
    return offered


def offered_payloads(tracker: Tracker) -> List[str]:
    """The payloads of ``offered_buttons``."""
    return [payload for _, payload in offered_buttons(tracker)]


def offered_intents(tracker: Tracker) -> Set[str]:
    """The intents of the buttons just offered ("/revoke_cancellation{...}" -> revoke_cancellation)."""
    return {p[1:].split("{")[0] for p in offered_payloads(tracker) if p.startswith("/")}


def offered_request(tracker: Tracker) -> Optional[str]:
    """The form of the one request button, just offered, that a typed answer names ("yep, keep
    my hosting" after "... Would you like to check its status or revoke it?": ``revoke_form``);
    None when it names none or both."""
    text = latest_text(tracker)
    if text.startswith("/"):
        return None
    offered = offered_intents(tracker)
    asked = asked_requests(text)
    named = []
    if "revoke_cancellation" in offered and (REVOKE in asked or about_revoking(text)):
        named.append("revoke_form")
    if "check_status" in offered and STATUS in asked:
        named.append("status_form")
    return named[0] if len(named) == 1 else None


def courtesy_answer(dispatcher: CollectingDispatcher, text: str) -> bool:
    """A thank-you or a greeting typed where a free-text answer is expected ("ok thank you" at
    "why are you cancelling?"): answered as such, and True (it answers nothing)."""
    kind = courtesy(text)
    if kind is None:
        return False
    dispatcher.utter_message(response="utter_youre_welcome" if kind == "thanks" else "utter_still_here")
    return True


# Questions where "not sure" / "idk" asks for the choices to be explained (not a missing detail)
_CHOICE_QUESTIONS = ("backup_confirmed", "end_when", "end_date")


def clarify_answer(dispatcher: CollectingDispatcher, tracker: Tracker, person: bool = False) -> bool:
    """A question about the question now asked ("what?", "why do you need my zip?", "is this
    safe?", "what are my options"): the question said plainly or explained, and True (it
    answers nothing; the form asks again). From the second message in a row at the same
    question (or when ``person``), a person is offered as well."""
    text = latest_text(tracker)
    kind = None if text.startswith("/") else clarification(text)
    slot = requested(tracker)
    if (
        kind is None
        or slot is None
        or (kind == "unsure" and slot not in (*CLARIFY_UNSURE, *_CHOICE_QUESTIONS))
    ):
        return False
    plain = CLARIFY_QUESTION.get(slot, CLARIFY_ANY)
    if (
        kind == "unsure" and slot in CLARIFY_UNSURE
    ):  # a detail the customer doesn't have: other ways, a person
        answer, person = CLARIFY_UNSURE[slot], True
    elif kind == "why":
        answer = CLARIFY_WHY.get(slot, plain)
    elif kind == "safe":
        answer = CLARIFY_SAFE
    else:
        answer = plain
    if person or answers_to_this_question(tracker) >= 2:
        dispatcher.utter_message(
            text=answer + PERSON_CAN_HELP, buttons=[{"title": PERSON_BUTTON[0], "payload": PERSON_BUTTON[1]}]
        )
    else:
        dispatcher.utter_message(text=answer)
    return True


def last_reply(tracker: Tracker) -> List[str]:
    """The texts of the assistant's reply to the customer's previous message."""
    texts: List[str] = []
    users = 0
    for event in reversed(list(tracker.events or [])):
        if event.get("event") == "user":
            users += 1
            if users == 2:
                break
        elif event.get("event") == "bot" and users == 1:
            texts.append(str(event.get("text") or ""))
    return texts


def request_texts(tracker: Tracker) -> List[str]:
    """The customer's messages of the current request (the latest first), buttons left out."""
    latest = latest_text(tracker)
    return ([latest] if latest and not latest.startswith("/") else []) + list(earlier_user_texts(tracker))


def stated_confirmation(tracker: Tracker) -> Optional[str]:
    """The confirmation number the assistant itself gave in this session ("Confirmation number:
    ...", "... already has a pending cancellation request (confirmation number ...)") when it gave only
    one: then "can you reverse that cancellation?" can only mean that one. None when it gave
    none or several (the customer is asked which). The sample number of the questions and
    numbers it could not find are not requests."""
    numbers: Set[str] = set()
    for event in reversed(list(tracker.events or [])):
        if event.get("event") == "session_started":
            break
        text = str(event.get("text") or "") if event.get("event") == "bot" else ""
        if text and not text.startswith(NUMBER_REFUSALS):
            numbers.update(n for n in find_confirmations(text) if n != EXAMPLE_CONFIRMATION)
    return numbers.pop() if len(numbers) == 1 else None


_JUST_CANCEL = re.compile(
    r"\bjust (cancel|end|close)|\bcancel (it )?(now|already|right now)\b"
    r"|\bskip (the|all|ahead|everything)",
    re.I,
)


# "ok now cancel the backup too": "now" as in "next", not as in "right now"
_NEXT_ONE = re.compile(
    r"^\W*(?:(?:ok(?:ay)?|and|so|alright|right|great|thanks|cool)\W+)?now\b|\b(too|also|as well)\W*$",
    re.I,
)


def is_next_request(text: str) -> bool:
    """The message asks for one more cancellation, not for the fast path."""
    return bool(_NEXT_ONE.search(text.strip())) and not _JUST_CANCEL.search(text)


def wants_fast_track(tracker: Tracker) -> bool:
    """ "just cancel it": not an answer to the question but the fast path (rule cancel_now)."""
    return latest_intent(tracker) == "cancel_now" and bool(_JUST_CANCEL.search(latest_text(tracker)))


def means_fast_track(tracker: Tracker) -> bool:
    """Whether a ``cancel_now`` message asks to skip the questions: the button, "just cancel
    it", or a demand. A question about cancelling ("can I cancel it?") is a wish to cancel,
    not a wish to skip the optional questions; "ok now cancel the backup too" asks for one more
    cancellation, the usual way."""
    text = latest_text(tracker).strip()
    if text.startswith("/") or _JUST_CANCEL.search(text):
        return True
    return not (text.endswith("?") or _ASKS.match(text) or is_next_request(text))


_ASKS = re.compile(r"(can|could|may|how (do|can|would)|is it possible|would it be possible)\b", re.I)


def yes_no(tracker: Tracker) -> Optional[str]:
    """yes / no / not_yet read from the latest message; a button payload counts by intent.
    "just cancel it" is none of them: the fast-path rule answers it."""
    text = latest_text(tracker)
    if wants_fast_track(tracker):
        return None
    if text.startswith("/"):
        intent = latest_intent(tracker)
        return {"affirm": "yes", "deny": "no"}.get(intent or "")
    if is_question(tracker) and text.rstrip().endswith("?"):
        return None
    return read_yes_no(text, requested(tracker))


def yes_to_other_question(tracker: Tracker) -> Optional[str]:
    """The other question (slot) that the latest message says yes to instead of the one asked
    ("yes all backed up" at the offer question: ``backup_confirmed``), else None. The domain's
    ``from_intent: affirm`` mapping has then filled the asked slot: the form must undo that."""
    text = latest_text(tracker)
    if text.startswith("/") or wants_fast_track(tracker) or text.rstrip().endswith("?"):
        return None
    other = other_subject(text, requested(tracker))
    return other if other and read_yes_no(text) == YES else None


_SKIP = re.compile(
    r"^(skip( (it|this|that|the question))?|pass|rather not (say|tell)"
    r"|prefer not to (say|tell)|no comment|none of your business|n/?a"
    r"|i'?d rather not( say)?|don'?t want to say|not telling)\b",
    re.I,
)


def is_skip(text: str) -> bool:
    return bool(_SKIP.search(" ".join(text.lower().split()).strip(" .!")))


# --------------------------------------------------------------------------- services

_SYNONYMS = {
    "internet": {"internet", "wifi", "wi-fi", "broadband", "fiber", "fibre", "connection", "net"},
    "phones": {"phones", "phone", "voice", "telephone", "telephones", "landline", "lines"},
    "voice": {"voice", "phone", "phones", "calls", "telephone", "landline", "line"},
    "hosting": {"hosting", "website", "site", "web", "host", "hostng"},
    "website": {"website", "site", "web", "webpage", "hosting"},
    "backup": {"backup", "backups", "back-up", "storage"},
    "servers": {"servers", "server", "dedicated"},
    "email": {"email", "mail", "e-mail"},
    "vps": {"vps", "server"},
}
_ALL = re.compile(
    r"\b(both|(?<!after )(?<!at )all( of)?( them| three| 3| my services| the services| services)?"
    r"|every(thing| one|one of them| service)|each( of them)?|the lot)\b",
    re.I,
)
_ORDINALS = {
    "first": 1,
    "1st": 1,
    "second": 2,
    "2nd": 2,
    "third": 3,
    "3rd": 3,
    "fourth": 4,
    "4th": 4,
    "last": -1,
}


# an ordinal that is part of a date ("the last day of next month", "the 1st of May") is no choice
_ORDINAL_END = r"\b(?!\s+(of|day|days|week|weeks|month|months|year|years|time|date|\w+day)\b)"


def _words(text: str) -> List[str]:
    return re.findall(r"[a-z0-9-]+", text.lower())


def _name_score(service: Mapping[str, Any], words: List[str]) -> int:
    score = 0
    for token in _words(str(service.get("name", ""))):
        variants = _SYNONYMS.get(token, {token})
        if any(w in variants for w in words):
            score += 2 if token not in ("office", "home", "business", "starter") else 1
        elif len(token) >= 5 and any(
            len(w) >= 4 and difflib.SequenceMatcher(None, w, token).ratio() >= 0.8 for w in words
        ):
            score += 2
    return score


S = TypeVar("S", bound=Mapping[str, Any])  # a service as the backend answers it (contract.shapes.Service)
_CANCEL_WORD = re.compile(r"\b(cancel\w*|close|terminat\w*|end|stop|drop|get rid)\b", re.I)


# "not the internet", "keep the website", "except the phones": a service the customer leaves out
_LEAVE_OUT = re.compile(
    r"\b(?:not|except(?: for)?|apart from|other than|but not|keep(?:ing)?|leave|leaving)\s+"
    r"((?:(?:the|my|our)\s+)?[a-z0-9-]+(?:\s+[a-z0-9-]+){0,2})",
    re.I,
)


def left_out(services: Sequence[S], text: str) -> List[S]:
    """The services ``text`` says not to cancel ("not the internet, the other one", "the phones,
    keep the website"): a leave-out word directly followed by a service's name."""
    out: List[S] = []
    for m in _LEAVE_OUT.finditer(text):
        words = _words(m.group(1))
        # the name must follow at once: "not using the internet" leaves nothing out
        named = [
            s
            for s in services
            if _name_score(s, words[:1] if words[0] not in ("the", "my", "our") else words[1:2])
        ]
        if len(named) == 1 and named[0] not in out:
            out.append(named[0])
    return out


def _without_left_out(text: str) -> str:
    return _LEAVE_OUT.sub(" ", text)


# Words that name a kind of service ("cancel my hosting"); "phone number" and "email" are
# details, not services.
_SERVICE_KIND = re.compile(
    r"\b(internet|wi-?fi|broadband|hosting|website|web site|backups?|cloud storage|voice|landline"
    r"|phone (line|service|plan)s?|phones|tv|cable)\b",
    re.I,
)


def unmatched_service_word(service: Mapping[str, Any], texts: Iterable[str]) -> Optional[str]:
    """A kind of service the customer named ("hosting") that ``service`` is not, when that is
    all the texts name; None when they name ``service`` or no service at all."""
    for text in texts:
        kind = _SERVICE_KIND.search(text or "")
        if kind and not match_services([service], text):
            return kind.group(0).lower()
    return None


def match_services(services: Sequence[S], text: str) -> List[S]:
    """The services ``text`` names: by ID, by list number or ordinal, by name words (with a few
    synonyms and typos); several when it names several ("the internet and the phones"), never
    one it leaves out ("not the internet, the other one": the other one). Empty when nothing,
    or nothing unambiguous, is named."""
    excluded = left_out(services, text)
    if not excluded:
        return _match_services(services, text)
    rest = [s for s in services if s not in excluded]
    found = [s for s in _match_services(services, _without_left_out(text)) if s not in excluded]
    if found:
        return found
    return rest if len(rest) == 1 else []


def _match_services(services: Sequence[S], text: str) -> List[S]:
    """`match_services` without leave-outs. In a longer message the sentences that ask to
    cancel are read first ("... keep the website hosting. Could you start with cancelling the
    Office Internet?")."""
    sentences = [s for s in re.split(r"(?<=[.?!;])\s+|,\s+but\s+", text) if s.strip()]
    if len(sentences) > 1:
        for sentence in sentences:
            if _CANCEL_WORD.search(sentence):
                found = _several(services, sentence) or _match_in(services, sentence)
                if found:
                    return found
    if len(text) <= SHORT_ANSWER:
        several = _several(services, text)
        if several:
            return several
    return _match_in(services, text)


SHORT_ANSWER = 120  # an answer, not a story: every service it names is meant


def _match_in(services: Sequence[S], text: str) -> List[S]:
    low = text.lower().strip()
    if not services or not low:
        return []
    by_id = [s for s in services if str(s.get("id", "")).lower() in low]
    if by_id:
        return by_id
    words = _words(low)
    number = re.fullmatch(r"(?:number |no\.? |#)?(\d)\.?", low)
    if number and 1 <= int(number.group(1)) <= len(services):
        return [services[int(number.group(1)) - 1]]
    for word, index in _ORDINALS.items():
        # "the second one", "the last", "2nd please"; not "the last day of next month"
        if re.search(rf"(\bthe |^){word}( one| service| option)?{_ORDINAL_END}", low):
            if index == -1 or index <= len(services):
                return [services[index - 1 if index > 0 else -1]]
    scores = [(_name_score(s, words), s) for s in services]
    best = max(score for score, _ in scores)
    if best == 0:
        return []
    top = [s for score, s in scores if score == best]
    return top if len(top) == 1 else []


def _several(services: Sequence[S], text: str) -> List[S]:
    """Two or more services named one by one ("the internet and the phones"), else empty."""
    parts = [p for p in re.split(r",|;|&|\+|\band\b|\balso\b|\bplus\b", text, flags=re.I) if p.strip()]
    if len(parts) < 2:
        return []
    named: List[S] = []
    for part in parts:
        words = _words(part)
        scores = [(_name_score(s, words), s) for s in services]
        best = max((score for score, _ in scores), default=0)
        top = [s for score, s in scores if score == best]
        if best >= 2 and len(top) == 1 and top[0] not in named:
            named.append(top[0])
    return named if len(named) >= 2 else []


def wants_all(text: str) -> bool:
    """ "both", "all of them", "everything": every service listed."""
    return bool(_ALL.search(text))


def last_finished_request(tracker: Tracker) -> Optional[str]:
    """The ``action_<request>_finish`` that ended the latest request of this session, if any."""
    for event in reversed(list(tracker.events or [])):
        if event.get("event") == "session_started":
            return None
        name = str(event.get("name", ""))
        if event.get("event") == "action" and name.endswith("_finish"):
            return name
    return None


def wants_other(text: str) -> bool:
    """ "no, the other one", "the other service"."""
    return bool(re.search(r"\b(the )?other (one|service)\b|\bnot (that|this) one\b", text, re.I))


def answers_to_this_question(tracker: Tracker) -> int:
    """How many messages (this one included) have answered the question now asked."""
    current = tracker.get_slot("requested_slot")
    count = 0
    asked_since = None  # messages after the question was first set (not the one it followed)
    for event in reversed(list(tracker.events or [])):
        if event.get("event") == "user":
            count += 1
        elif event.get("event") == "slot" and event.get("name") == "requested_slot":
            if event.get("value") != current:
                break
            asked_since = count
        elif event.get("event") == "session_started":
            break
    return max(asked_since if asked_since is not None else count, 1)


def answers_since(tracker: Tracker, slot: str) -> int:
    """How many of the customer's messages (this one included) came after ``slot`` was last set
    (e.g. ``offer_id``: the answers given since the offer was made)."""
    count = 0
    for event in reversed(list(tracker.events or [])):
        if event.get("event") == "user":
            count += 1
        elif event.get("event") == "slot" and event.get("name") == slot:
            return count
        elif event.get("event") == "session_started":
            break
    return count


def said_this_turn(tracker: Tracker, *texts: str) -> bool:
    """Whether the assistant's reply to the latest message already holds one of ``texts`` (as
    the start of a message): a refusal that asks to type the answer again needs no question
    after it."""
    for event in reversed(list(tracker.events or [])):
        if event.get("event") == "user":
            return False
        if event.get("event") == "bot" and str(event.get("text") or "").startswith(texts):
            return True
    return False


def says_just_cancel(text: str) -> bool:
    """ "just cancel", "cancel it now", "skip all that": the fast path, in whatever answer."""
    return bool(_JUST_CANCEL.search(text or ""))


def refuse(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    text: str,
    choices: Sequence[Tuple[str, str]] = (),
) -> None:
    """An answer the question can't use: say why, with the question's ``choices`` (title,
    payload) as buttons; from the second one in a row, offer a person as well (no question is
    asked a third time without that way out)."""
    buttons = [{"title": title, "payload": payload} for title, payload in choices]
    if answers_to_this_question(tracker) >= 2:
        dispatcher.utter_message(
            text=text + PERSON_CAN_HELP,
            buttons=buttons + [{"title": PERSON_BUTTON[0], "payload": PERSON_BUTTON[1]}],
        )
    else:
        dispatcher.utter_message(text=text, buttons=buttons)
