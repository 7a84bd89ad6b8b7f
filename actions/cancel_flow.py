"""The cancellation form (design steps 2-10): validation, questions, summary and filing."""

from __future__ import annotations

import logging
import re
from datetime import date
from typing import Any, Dict, List, Mapping, Optional, Sequence, Text, Tuple

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.backend_client import (
    Auth,
    BackendError,
    BackendUnavailable,
    Conflict,
    InvalidInput,
    NotAuthorized,
    NotFound,
)
from actions.settings import company_today
from contract.vocabulary import ends
from contract.vocabulary.answers import (
    ACCEPT,
    DECLINE,
    THINKING,
    UNCLEAR,
    asks_about_offer,
    clarification,
    is_bare_yes,
    looks_like_gibberish,
    read_offer_answer,
    takes_offer,
)
from contract.vocabulary.dates import month_without_day, parse_date
from contract.vocabulary.ends import WHEN_WORDS
from contract.vocabulary.reasons import find_reason, normalize_reason, reason_in_offer_answer

from . import messages, report_events
from .common import (
    CANCEL_SLOTS,
    EXPIRED_TEXT,
    FLOW_SLOTS,
    REASONS,
    UNAVAILABLE_TEXT,
    StopWordsMixin,
    auth_for,
    channel_of,
    client,
    find_service,
    forget_verification,
    forget_verification_dict,
    idempotency_key,
    is_pending,
    reset,
    say,
    service_label,
    step_key,
)
from .details import ActionTakeDetails
from .identify import IdentificationMixin
from .listening import (
    answers_since,
    clarify_answer,
    courtesy_answer,
    earlier_user_texts,
    is_question,
    is_skip,
    latest_intent,
    latest_text,
    left_out,
    match_services,
    refuse,
    requested,
    said_this_turn,
    says_just_cancel,
    unmatched_service_word,
    wants_all,
    wants_fast_track,
    wants_other,
    yes_no,
    yes_to_other_question,
)

logger = logging.getLogger(__name__)

CUSTOMER_STOPS = ("declined", "user_stopped")  # flow_stopped values the customer chose (docs/reports.md)


def read_end_when(text: str, asked: bool) -> Optional[tuple]:
    """`contract.vocabulary.ends.read_end_when` read on the company's today."""
    return ends.read_end_when(text, asked, company_today())


# Slots that hold the chosen service's own figures: a switch to another service clears them.
_PER_SERVICE = ("end_when", "end_date", "final_confirmation")
_SWITCH_SET = ("service_id", "service_name", "service_confirmed")
# Questions where "no, the other one" is about the service (at the service questions
# themselves it is read by extract_service_confirmed / validate_service_id).
_NOT_SERVICE_QUESTIONS = (
    "reason",
    "offer_response",
    "backup_confirmed",
    "end_when",
    "end_date",
    "final_confirmation",
)


async def _late_switch(dispatcher: CollectingDispatcher, tracker: Tracker) -> Optional[List[Dict[Text, Any]]]:
    """ "no, the other one" at a later question of the cancellation, on an account with one
    other active service: the cancellation goes on for that service (said back), with the
    answers given so far; the end is asked again (its figures were the other service's).
    None when the message is no such switch."""
    text = latest_text(tracker)
    auth = auth_for(tracker)
    current = tracker.get_slot("service_id")
    if (
        auth is None
        or not current
        or text.startswith("/")
        or not wants_other(text)
        or requested(tracker) not in _NOT_SERVICE_QUESTIONS
        or tracker.get_slot("service_queue")
    ):
        return None
    try:
        async with client() as backend:
            services = [s for s in await backend.services(auth) if not is_pending(s)]
    except BackendError:
        return None
    others = [s for s in services if s.get("id") != current]
    if len(others) != 1:
        return None
    say(dispatcher, messages.service_switched(others[0]))
    events = [
        SlotSet("service_id", others[0]["id"]),
        SlotSet("service_name", others[0].get("name")),
        SlotSet("service_confirmed", True),
    ]
    # what the slot mappings took from this message ("wait no, the other one" as the reason's
    # text) is no answer: the question is asked again
    cleared = list(_PER_SERVICE) + [slot for slot in tracker.slots_to_validate() if slot not in _SWITCH_SET]
    if not tracker.get_slot("offer_response"):  # an offer not answered was the other service's
        cleared += ["offer_id", "offer_title", "offer_description", "offer_unclear"]
    return events + [
        SlotSet(slot, None) for slot in dict.fromkeys(cleared) if tracker.get_slot(slot) is not None
    ]


# Intents a message can carry and still be meant as the answer to the question asked; others
# (stop, a person, a question about fees, "just cancel it") keep their own routes.
_ANSWER_INTENTS = ("out_of_scope", "nlu_fallback", "inform", "give_reason", "affirm")


def _answer_attempt(tracker: Tracker, text: str) -> bool:
    """Whether ``text`` is meant as an answer to the question asked, read or not: no question
    of its own, no question about the question ("huh", "why?"), an answer-like intent."""
    return (
        bool(text.strip())
        and not text.rstrip().endswith("?")
        and clarification(text) is None
        and latest_intent(tracker) in _ANSWER_INTENTS
    )


async def _latest_end(tracker: Tracker) -> Optional[date]:
    """The latest end date the backend allows for the chosen service (None when it can't say)."""
    auth = auth_for(tracker)
    service_id = tracker.get_slot("service_id")
    if auth is None or not service_id:
        return None
    try:
        async with client() as backend:
            latest = await backend.latest_end_date(auth, service_id)
    except BackendError:
        return None
    return date.fromisoformat(latest) if latest else None


async def _end_options(tracker: Tracker) -> Sequence[Mapping[str, Any]]:
    """The backend's end options for the chosen service (none when it can't be asked)."""
    auth = auth_for(tracker)
    service_id = tracker.get_slot("service_id")
    if auth is None or not service_id:
        return []
    try:
        async with client() as backend:
            return await backend.quote(auth, service_id)
    except BackendError:
        return []


async def _end_choices(tracker: Tracker) -> List[Tuple[str, str]]:
    """The end question's buttons (their titles carry the backend's end-of-period date)."""
    return list(messages.end_when_question(await _end_options(tracker))[1])


async def _offer_slots(
    dispatcher: CollectingDispatcher, auth: Auth, service_id: Text, reason: Optional[Text]
) -> Dict[Text, Any]:
    """The one retention offer for ``reason`` as slots (none is fine: the customer goes on)."""
    try:
        async with client() as backend:
            offer = await backend.make_offer(auth, service_id, reason)
    except NotAuthorized:
        say(dispatcher, EXPIRED_TEXT)
        return forget_verification_dict()
    except BackendError:
        return {}
    if not offer:
        return {}
    return {
        "offer_id": offer.get("id"),
        "offer_title": offer.get("title"),
        "offer_description": offer.get("description"),
    }


async def _service_fixed(
    dispatcher: CollectingDispatcher, tracker: Tracker, auth: Optional[Auth], service_id: Text
) -> Dict[Text, Any]:
    """Slots once the service is settled: a reason the customer gave before that (e.g. "cancel,
    it's too expensive" as the first message) gets its offer now."""
    reason = tracker.get_slot("reason")
    if auth is None or reason not in REASONS or tracker.get_slot("offer_id"):
        return {}
    return await _offer_slots(dispatcher, auth, service_id, reason)


def pending_buttons(service: Mapping[str, Any]) -> List[tuple]:
    number = (service.get("pending_cancellation") or {}).get("confirmation_number")
    extra = f'{{"confirmation_number":"{number}"}}' if number else ""
    return [
        (messages.PENDING_STATUS_TITLE, f"/check_status{extra}"),
        (messages.PENDING_REVOKE_TITLE, f"/revoke_cancellation{extra}"),
        (messages.SOMETHING_ELSE_TITLE, "/greet"),
    ]


async def _chosen(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    auth: Optional[Auth],
    service: Mapping[str, Any],
    services: Sequence[Mapping[str, Any]],
    confirmed: bool = False,
) -> Dict[Text, Any]:
    """Slots once ``service`` is picked: a pending one is explained and the flow ends there."""
    if is_pending(service):
        say(dispatcher, messages.pending_text(service), pending_buttons(service))
        return {
            "service_id": service["id"],
            "service_name": service.get("name"),
            "flow_stopped": "already_pending",
        }
    active = [s for s in services if not is_pending(s)]
    slots: Dict[Text, Any] = {"service_id": service["id"], "service_name": service.get("name")}
    if confirmed or len(active) == 1:
        slots["service_confirmed"] = True
        slots.update(await _service_fixed(dispatcher, tracker, auth, service["id"]))
    return slots


async def _take_all(
    dispatcher: CollectingDispatcher, tracker: Tracker, auth: Auth, active: Sequence[Mapping[str, Any]]
) -> Dict[Text, Any]:
    """ "both" / "all of them": one at a time, each with its own summary and confirmation."""
    first, rest = active[0], active[1:]
    say(dispatcher, messages.one_at_a_time([str(s.get("name") or s["id"]) for s in active]))
    return {
        "service_id": first["id"],
        "service_name": first.get("name"),
        "service_confirmed": True,
        "service_queue": ",".join(s["id"] for s in rest),
        **await _service_fixed(dispatcher, tracker, auth, first["id"]),
    }


async def _settle_service(dispatcher: CollectingDispatcher, tracker: Tracker, auth: Auth) -> Dict[Text, Any]:
    """Pick the service without asking when the conversation already says which: the only
    active one, or one named in this or an earlier message. None active: said, form ends."""
    try:
        async with client() as backend:
            services = await backend.services(auth)
    except NotAuthorized:
        say(dispatcher, EXPIRED_TEXT)
        return forget_verification_dict()
    except BackendError:
        return {}
    active = [s for s in services if not is_pending(s)]
    current = tracker.get_slot("service_id")
    if current:  # named before verification ("cancel the office internet"): resolve it now
        named = find_service(services, current) or next(iter(match_services(services, str(current))), None)
        if named is None:
            return {"service_id": None, "service_name": None}
        return await _chosen(dispatcher, tracker, auth, named, services)
    for text in [latest_text(tracker), *earlier_user_texts(tracker)]:
        matches = match_services(services, text)
        if len(matches) == 1:
            return await _chosen(dispatcher, tracker, auth, matches[0], services)
        asks = re.search(r"\b(cancel|close|end)", text, re.I)
        several = [s for s in matches if not is_pending(s)]
        if len(several) > 1 and asks:  # "cancel the office phones and the hosting"
            return await _take_all(dispatcher, tracker, auth, several)
        kept = left_out(services, text)
        wanted = [s for s in active if s not in kept]
        if len(active) > 1 and wants_all(text) and asks and wanted:
            return await (
                _take_all(dispatcher, tracker, auth, wanted)
                if len(wanted) > 1
                else _chosen(dispatcher, tracker, auth, wanted[0], services)
            )
    if not active:
        if services:
            for service in services:
                say(dispatcher, messages.pending_text(service), pending_buttons(service))
            return {"flow_stopped": "already_pending"}
        say(dispatcher, messages.NO_ACTIVE_SERVICE)
        return {"flow_stopped": "no_services"}
    if len(active) == 1:
        for service in services:
            if is_pending(service):  # say why the only choice left is the one taken
                say(dispatcher, messages.pending_note(service, active[0]))
        other = unmatched_service_word(active[0], [latest_text(tracker), *earlier_user_texts(tracker)])
        slots = await _chosen(dispatcher, tracker, auth, active[0], services)
        if other and not slots.get("flow_stopped"):
            # "cancel my hosting" on an account whose one service is Home Internet: said, and
            # confirmed before anything else (the summary names it on the fast path)
            say(dispatcher, messages.only_service(active[0], other))
            if not tracker.get_slot("fast_track"):
                slots["service_confirmed"] = None
        return slots
    return {}


# Slots set together with a slot of the cancellation form but never asked for themselves.
COMPANION_SLOTS = (
    "service_name",
    "service_queue",
    "offer_id",
    "offer_title",
    "offer_description",
    "flow_stopped",
    "fast_track",
)


class ValidateCancelForm(StopWordsMixin, IdentificationMixin, FormValidationAction):
    # "actually no, I'll keep the service" stops the cancellation; at the offer it may mean the
    # offer, and at the summary a no already files nothing
    CHANGE_OF_MIND_STOPS = frozenset(
        {
            "account_identifier",
            "verification_factor",
            "service_id",
            "service_confirmed",
            "reason",
            "backup_confirmed",
            "end_when",
            "end_date",
        }
    )

    def name(self) -> Text:
        return "validate_cancel_form"

    async def required_slots(
        self,
        domain_slots: List[Text],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[Text]:
        if tracker.get_slot("flow_stopped"):
            return []
        fast = bool(tracker.get_slot("fast_track"))
        slots = self.identification_slots(tracker) + ["service_id"]
        if not fast:
            slots.append("service_confirmed")
            slots.append("reason")
            if tracker.get_slot("offer_id"):
                slots.append("offer_response")
            slots += ["backup_confirmed", "end_when"]
        elif tracker.get_slot("end_when"):
            # an end said on the fast path ("end of billing period" at the summary) is read by
            # validate_end_when like any answer, never kept as the raw text the mapping stored
            slots.append("end_when")
        if tracker.get_slot("end_when") == "date":
            slots.append("end_date")
        slots.append("final_confirmation")
        return slots

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        """rasa_sdk keeps only the required slots set in a run: a slot that goes with one (the
        service's name, the queue, the offer, why the flow stopped) is dropped when an extract_
        method set it, even if a validate_ method returned it again (an offer then asked as
        "None", a "both" that files one). Those slots are added back when they changed."""
        before = dict(tracker.slots)
        text = latest_text(tracker)
        if (
            tracker.get_slot("requested_slot") is None  # the message that started the form
            and not tracker.get_slot("fast_track")
            and not text.startswith("/")
            and says_just_cancel(text)
        ):
            # "acct 12345678 zip 02139, cancel my hosting, just cancel it": the fast path from
            # the start, as if "just cancel it" had come on its own
            tracker.slots["fast_track"] = True
        switched = await _late_switch(dispatcher, tracker)
        if switched is not None:  # the message was the switch: nothing else is read from it
            tracker.slots.update({e["name"]: e["value"] for e in switched})
            following = await self.next_requested_slot(dispatcher, tracker, domain)
            return switched + ([following] if following else [])
        events = await super().run(dispatcher, tracker, domain)
        named = {e.get("name") for e in events if e.get("event") == "slot"}
        for slot in COMPANION_SLOTS:
            if slot not in named and tracker.slots.get(slot) != before.get(slot):
                events.append(SlotSet(slot, tracker.slots.get(slot)))
        return events

    async def after_verified(self, dispatcher, tracker, auth) -> Dict[Text, Any]:
        return await _settle_service(dispatcher, tracker, auth)

    async def extract_service_id(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        auth = auth_for(tracker)
        if auth is None or tracker.get_slot("service_id") or tracker.get_slot("flow_stopped"):
            return {}
        if requested(tracker) == "service_id":
            text = latest_text(tracker)
            if text.startswith("/") or not text.strip():
                return {}
            if wants_all(text) or (not is_question(tracker) and yes_no(tracker) != "no"):
                return {"service_id": text}
            return {}
        return await _settle_service(dispatcher, tracker, auth)

    async def extract_service_confirmed(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """ "yes that one", "no, the other one" (two services), or another service's name."""
        if requested(tracker) != "service_confirmed":
            return {}
        text = latest_text(tracker)
        auth = auth_for(tracker)
        if auth is not None and not text.startswith("/"):
            try:
                async with client() as backend:
                    services = [s for s in await backend.services(auth) if not is_pending(s)]
            except BackendError:
                services = []
            current = tracker.get_slot("service_id")
            others = [s for s in services if s.get("id") != current]
            named = match_services(services, text)
            if wants_other(text) and len(others) == 1:
                named = others
            if len(named) == 1 and named[0].get("id") != current:
                say(dispatcher, messages.service_switched(named[0]))
                return {
                    "service_id": named[0]["id"],
                    "service_name": named[0].get("name"),
                    "service_confirmed": True,
                }
            if len(named) == 1 and yes_no(tracker) is None:
                return {"service_confirmed": True}
        answer = yes_no(tracker)
        if answer == "yes":
            return {"service_confirmed": True}
        if answer in ("no", "not_yet"):
            return {"service_confirmed": False}
        return {}

    # -- service --------------------------------------------------------------------------

    async def validate_service_id(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        auth = auth_for(tracker)
        if auth is None:  # chosen before verification: checked once verified
            return {}
        try:
            async with client() as backend:
                services = await backend.services(auth)
        except NotAuthorized:
            say(dispatcher, EXPIRED_TEXT)
            return {"service_id": None, **forget_verification_dict()}
        except BackendError:
            say(dispatcher, UNAVAILABLE_TEXT)
            return {"service_id": None, "flow_stopped": "unavailable"}
        text = str(value or "")
        said = latest_text(tracker)
        if (
            not find_service(services, text)
            and said
            and not said.startswith("/")
            and (match_services(services, said) or wants_all(said))
        ):
            # the whole answer, not only the classifier's entity: "not the internet, the other
            # one", "the internet and the phones, keep the website"
            text = said
        active = [s for s in services if not is_pending(s)]
        wanted = [s for s in active if s not in left_out(services, text)]  # "all but the website"
        if wants_all(text) and len(wanted) > 1 and not find_service(services, text):
            return await _take_all(dispatcher, tracker, auth, wanted)
        chosen = find_service(services, text)
        if chosen is None:
            named = match_services(services, text)
            several = [s for s in named if not is_pending(s)]
            if len(several) > 1:  # "the internet and the phones"
                return await _take_all(dispatcher, tracker, auth, several)
            chosen = named[0] if len(named) == 1 else None
        if chosen is None:
            refuse(dispatcher, tracker, messages.SERVICE_NOT_MATCHED)
            return {"service_id": None, "service_name": None}
        return await _chosen(dispatcher, tracker, auth, chosen, services, confirmed=len(active) == 1)

    async def validate_service_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if value is True:
            return {
                "service_confirmed": True,
                **await _service_fixed(
                    dispatcher, tracker, auth_for(tracker), tracker.get_slot("service_id")
                ),
            }
        return {"service_confirmed": None, "service_id": None, "service_name": None}

    # -- reason and offer -----------------------------------------------------------------

    async def extract_reason(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """The reason in the answer to its question (any wording: what maps to no category is
        "other"), or one said earlier in the conversation."""
        text = latest_text(tracker)
        asked = requested(tracker) == "reason" and not text.startswith("/")
        if asked and courtesy_answer(dispatcher, text):
            return {"reason": None}  # "ok thank you" is not why (even where the classifier filled it)
        if asked and clarify_answer(dispatcher, tracker):
            return {"reason": None}  # "what are my options" is not why either
        if asked and is_bare_yes(text):  # "yes" to "may I ask why?": the reason is still to come
            say(dispatcher, messages.REASON_GO_AHEAD)
            return {"reason": None}
        if asked and looks_like_gibberish(text):  # "asdfjkl" is no reason
            refuse(dispatcher, tracker, messages.NOT_UNDERSTOOD)
            return {"reason": None}
        if tracker.get_slot("reason") or tracker.get_slot("fast_track"):
            return {}
        if requested(tracker) == "reason":
            if text.startswith("/") or wants_fast_track(tracker):
                return {}
            found = find_reason(text)
            if found:
                return {"reason": found}
            if is_skip(text) or yes_no(tracker) == "no":
                return {"reason": "skipped"}
            if is_question(tracker) or tracker.slots_to_validate().get("reason"):
                return {}
            return {"reason": "other"} if text.strip() else {}
        if latest_intent(tracker) in ("cancel_service", "cancel_now", "give_reason", "inform"):
            found = find_reason(text)
            if found:
                return {"reason": found}
        for earlier in earlier_user_texts(tracker):
            found = find_reason(earlier)
            if found:
                return {"reason": found}
        return {}

    async def validate_reason(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if value is None:  # no answer (a thank-you): the question is asked again
            return {"reason": None}
        entity = next(tracker.get_latest_entity_values("reason"), None)
        text = latest_text(tracker)
        # a category (a button, or read by extract_reason) as it is; else the whole message read
        # by the shared rules ("we moved the site to squarespace": switching), before the
        # classifier's entity ("moved": moving)
        named = (
            (value if value in REASONS else None)
            or (None if text.startswith("/") else find_reason(text))
            or normalize_reason(entity)
            or normalize_reason(str(value or ""))
        )
        if value != "skipped" and requested(tracker) != "reason" and not named:
            # not asked, and nothing in the message names a reason: the classifier's entity was
            # a guess (e.g. part of a phone number); the question is asked when its turn comes
            return {"reason": None}
        reason = None if value == "skipped" else (named or "other")
        slots: Dict[Text, Any] = {"reason": reason or "skipped"}
        auth = auth_for(tracker)
        service_id = tracker.get_slot("service_id")
        if auth is None or not service_id or requested(tracker) != "reason":
            return {
                **slots,
                **(
                    await _offer_slots(dispatcher, auth, service_id, reason)
                    if auth is not None and service_id and reason and not tracker.get_slot("offer_id")
                    else {}
                ),
            }
        say(dispatcher, messages.REASON_THANKS if reason else messages.REASON_SKIPPED)
        return {**slots, **await _offer_slots(dispatcher, auth, service_id, reason)}

    async def extract_offer_response(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """ "ok fine, I'll take the offer" accepts; "no thanks, we're leaving the country"
        declines and files the reason it gives."""
        if requested(tracker) != "offer_response":
            return {}
        text = latest_text(tracker)
        reason = (
            None if text.startswith("/") else reason_in_offer_answer(text, tracker.get_slot("offer_title"))
        )
        other = yes_to_other_question(tracker)
        if other and not reason:  # "yes all backed up": kept for its question; the offer is asked again
            return {"offer_response": None, other: True}
        if not text.startswith("/") and asks_about_offer(text, tracker.get_slot("offer_title")):
            # "what's the catch?", "how much would that be?": the offer's terms, then the
            # either/or question (not the same offer text again)
            say(dispatcher, await self._offer_terms(tracker))
            return {"offer_response": UNCLEAR}
        answer = self._offer_answer(tracker)
        if answer == THINKING:  # "let me think about it": the offer stays open
            say(dispatcher, messages.OFFER_THINK)
            return {"offer_response": UNCLEAR}
        if answer == UNCLEAR and not reason:  # "yes go ahead": with the offer or the cancellation?
            return {"offer_response": UNCLEAR}
        slots: Dict[Text, Any] = {}
        if reason and reason != tracker.get_slot("reason"):
            slots["reason"] = reason
        if answer == ACCEPT and (not reason or takes_offer(text, tracker.get_slot("offer_title"))):
            slots["offer_response"] = "accepted"
        elif answer in (DECLINE, UNCLEAR) or reason:
            slots["offer_response"] = "declined"
        return slots if "offer_response" in slots else {}

    @staticmethod
    async def _offer_terms(tracker: Tracker) -> str:
        """The offer made in this conversation with what it would cost (the backend gives the
        offer already made again, with its terms)."""
        title = tracker.get_slot("offer_title") or ""
        terms = tracker.get_slot("offer_description") or ""
        auth, service_id = auth_for(tracker), tracker.get_slot("service_id")
        if auth is not None and service_id:
            try:
                async with client() as backend:
                    offer = await backend.make_offer(auth, service_id, tracker.get_slot("reason"))
            except BackendError:
                offer = None
            if offer is not None and offer.get("terms"):
                terms = offer["terms"]
        return messages.OFFER_TERMS.format(title=title, terms=terms)

    @staticmethod
    def _offer_answer(tracker: Tracker) -> Optional[str]:
        """The answer to the offer (contract.vocabulary.answers.read_offer_answer), read
        against how the question stands: asked again after another answer (the customer may
        be saying "go ahead" to the cancellation), or the either/or question that follows an
        unclear yes. A button counts by its intent."""
        text = latest_text(tracker)
        if text.startswith("/"):
            return {"affirm": ACCEPT, "deny": DECLINE}.get(latest_intent(tracker) or "")
        if wants_fast_track(tracker) or (is_question(tracker) and text.rstrip().endswith("?")):
            return None
        return read_offer_answer(
            text,
            asked_again=answers_since(tracker, "offer_id") >= 2,
            clarifying=bool(tracker.get_slot("offer_unclear")),
            offer_title=tracker.get_slot("offer_title"),
        )

    async def validate_offer_response(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        auth = auth_for(tracker)
        offer_id = tracker.get_slot("offer_id")
        if value == UNCLEAR:  # the question becomes "the offer or the cancellation?" (domain.yml)
            return {"offer_response": None, "offer_unclear": True}
        if value not in ("accepted", "declined"):  # not an answer to the offer (extract_offer_response)
            if tracker.slots_to_validate().get("backup_confirmed"):
                say(dispatcher, messages.BACKUP_NOTED)
            return {"offer_response": None}
        accepted = value == "accepted"
        if auth is None or not offer_id:
            return {"offer_response": value, "offer_unclear": None}
        try:
            async with client() as backend:
                await backend.offer_outcome(
                    auth, offer_id, accepted, idempotency_key=step_key(tracker, "offer_outcome", offer_id)
                )
        except NotAuthorized:
            say(dispatcher, EXPIRED_TEXT)
            return {"offer_response": None, **forget_verification_dict()}
        except BackendError:
            if accepted:
                say(dispatcher, messages.OFFER_FAILED)
                return {"offer_response": None, "flow_stopped": "unavailable"}
        if accepted:
            say(
                dispatcher,
                messages.OFFER_APPLIED.format(
                    offer=tracker.get_slot("offer_title"),
                    service=tracker.get_slot("service_name") or messages.YOUR_SERVICE,
                ),
            )
            return {
                "offer_response": "accepted",
                "offer_unclear": None,
                "flow_stopped": "offer_accepted",
                "service_queue": None,
            }
        say(dispatcher, messages.OFFER_DECLINED)
        slots: Dict[Text, Any] = {"offer_response": "declined", "offer_unclear": None}
        if says_just_cancel(latest_text(tracker)) and not tracker.get_slot("fast_track"):
            # "no, I don't want a cheaper plan, just cancel": declined, and the fast path too
            say(dispatcher, messages.FAST_TRACK)
            slots["fast_track"] = True
        return slots

    # -- readiness ------------------------------------------------------------------------

    async def extract_backup_confirmed(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if requested(tracker) != "backup_confirmed":
            return {}
        if clarify_answer(dispatcher, tracker):  # "huh", "why are you asking me this": explained
            return {"backup_confirmed": None}
        if yes_to_other_question(tracker):  # "yes I'll take the offer": not a yes to this question
            return {"backup_confirmed": None}
        answer = yes_no(tracker)
        if answer == "yes":
            return {"backup_confirmed": True}
        if answer in ("no", "not_yet"):
            return {"backup_confirmed": False}
        return {}

    async def validate_backup_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if value is True:
            return {"backup_confirmed": True, "backup_waiting": None}
        if value is None:  # not an answer to this question (extract_backup_confirmed): asked again
            return {"backup_confirmed": None}
        say(dispatcher, messages.BACKUP_WAIT)
        # the question comes back as "tell me when it's backed up", not the same words again
        return {"backup_confirmed": None, "backup_waiting": True}

    async def extract_end_when(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """The end choice in the answer to its question, or said with the request ("cancel
        it at the end of next month") or earlier."""
        asked = requested(tracker) == "end_when"
        if asked:  # the words of the answer win over an entity's guess ("end of this month")
            text = latest_text(tracker)
            if text.startswith("/"):
                return {}
            if clarify_answer(dispatcher, tracker):  # "not sure", "why?": explained, asked again
                return {"end_when": None}
            if read_end_when(text, True) or _answer_attempt(tracker, text):
                # an answer it can't read ("blue", "yes") is refused by validate_end_when with
                # the choices, whatever the classifier made of it
                return {"end_when": text}
            return {}
        if tracker.get_slot("end_when") or tracker.get_slot("fast_track"):
            return {}
        texts = [latest_text(tracker)] if asked else [latest_text(tracker), *earlier_user_texts(tracker)]
        for text in texts:
            found = read_end_when(text, asked)
            if found:
                return {"end_when": text}
        return {}

    async def validate_end_when(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if value is None:  # a question about the question, answered by extract_end_when: asked again
            return {"end_when": None}
        text = str(value or "").strip()
        # read as it was extracted: an answer to the question (or a correction of the end at the
        # summary, read as an answer by _end_correction), or said with the request
        asked = (
            requested(tracker) in ("end_when", "end_date", "final_confirmation")
            or text.lower() in WHEN_WORDS
            or text.startswith("/")
        )
        found = (text.lower() in WHEN_WORDS and (WHEN_WORDS[text.lower()], None)) or read_end_when(
            text, asked
        )
        if not found:
            entity_date = next(tracker.get_latest_entity_values("date"), None)
            parsed = parse_date(entity_date, company_today()) if entity_date else None
            found = ("date", parsed) if parsed else None
        if not found:
            month = month_without_day(text, company_today())
            if month is not None:  # "june 2028": the day is asked, unless the month can't be
                return await self._month_only(dispatcher, tracker, month)
            # the refusal says what to answer and carries the choices: the question is not
            # asked again word for word under it (ActionAskEndWhen)
            refuse(dispatcher, tracker, messages.END_WHEN_NOT_READ, await _end_choices(tracker))
            return {"end_when": None, "end_date": None}
        when, end_date = found
        if when == "latest":  # "as late as possible": the backend's latest allowed end
            when, end_date = "date", await _latest_end(tracker)
        if when == "date" and end_date is None:
            return {"end_when": "date", "end_date": None}
        if requested(tracker) != "end_when" and not auth_for(tracker):
            return {"end_when": when, "end_date": end_date.isoformat() if end_date else None}
        return await self._quoted(dispatcher, tracker, when, end_date)

    async def extract_end_date(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if requested(tracker) != "end_date" or tracker.slots_to_validate().get("end_date"):
            return {}
        text = latest_text(tracker)
        today = company_today()
        if parse_date(text, today) or month_without_day(text, today):
            return {"end_date": text}
        found = None if re.fullmatch(r"\s*\d\s*", text) else read_end_when(text, True)
        if found and found[0] == "latest":  # "whatever the latest allowed date is then"
            return {"end_date": text}
        if found and found[0] in ("immediate", "end_of_period"):  # "ok fine, asap then": another end
            return {"end_when": text}
        return {}

    async def validate_end_date(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(value or "")) and requested(tracker) != "end_date":
            return {"end_date": value}
        entity_date = next(tracker.get_latest_entity_values("date"), None)
        today = company_today()
        parsed = parse_date(str(value or ""), today) or (
            parse_date(entity_date, today) if entity_date else None
        )
        if parsed is None:
            found = read_end_when(str(value or ""), True)
            if found and found[0] == "latest":
                parsed = await _latest_end(tracker)
        if parsed is None:
            month = month_without_day(str(value or ""), today)
            if month is not None:
                return await self._month_only(dispatcher, tracker, month)
            refuse(dispatcher, tracker, messages.END_DATE_NOT_READ)
            return {"end_date": None}
        return await self._quoted(dispatcher, tracker, "date", parsed)

    async def _month_only(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, month: date
    ) -> Dict[Text, Any]:
        """A month without a day ("june 2028"): refused as any date of it would be when its first
        day can't be chosen, else the day is asked (the end date question follows)."""
        slots = await self._quoted(dispatcher, tracker, "date", month, quiet=True)
        if slots.get("end_date"):
            say(dispatcher, messages.MONTH_WITHOUT_DAY.format(month=f"{month:%B %Y}"))
        return {"end_when": "date", "end_date": None}

    async def _quoted(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        when: str,
        end_date: Optional[date],
        quiet: bool = False,
    ) -> Dict[Text, Any]:
        """Ask the backend for the quote of the chosen option and tell what it means (``quiet``:
        only a refusal is said)."""
        iso = end_date.isoformat() if end_date else None
        slots = {"end_when": when, "end_date": iso}
        auth = auth_for(tracker)
        service_id = tracker.get_slot("service_id")
        if auth is None or not service_id:
            return slots
        try:
            async with client() as backend:
                options = await backend.quote(auth, service_id, when, iso)
        except InvalidInput as exc:
            why = messages.refusal(exc, messages.DATE_REFUSED_WHY)
            latest = await _latest_end(tracker)
            if latest and end_date and end_date > latest:  # too far: the latest end is said
                why = f"{why} {messages.LATEST_END.format(date=messages.day(latest))}"
            say(dispatcher, messages.DATE_REFUSED.format(why=why))
            return {"end_when": "date", "end_date": None}
        except NotAuthorized:
            say(dispatcher, EXPIRED_TEXT)
            return {**slots, **forget_verification_dict()}
        except BackendError:
            return slots
        quote: Mapping[str, Any] = options[0] if options else {}
        if not quiet:
            say(dispatcher, messages.quoted(quote, iso))
        if when == "date" and quote.get("end_date"):
            slots["end_date"] = quote["end_date"]
        return slots

    async def extract_final_confirmation(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if requested(tracker) != "final_confirmation":
            return {}
        if wants_fast_track(tracker):  # "just cancel it" at the summary: that is a yes
            return {"final_confirmation": True}
        answer = yes_no(tracker)
        # "no sorry, I meant the 20th of next month", "ok fine, asap then": another end than the
        # summary's is a new summary, not a filing nor a stop
        correction = self._end_correction(tracker)
        if correction:
            return {"end_when": correction, "final_confirmation": None}
        if answer == "yes":
            return {"final_confirmation": True}
        if answer in ("no", "not_yet"):
            return {"final_confirmation": False}
        return {}

    @staticmethod
    def _end_correction(tracker: Tracker) -> Optional[str]:
        """The text of an end choice that corrects the one in the summary ("no sorry, I meant
        the 20th", "no, the other date", "make it immediately"), else None. A negated choice
        ("no, not today") corrects nothing."""
        text = latest_text(tracker)
        if text.startswith("/") or re.search(r"\bnot\b|n['’]t\b", text, re.I):
            return None
        found = read_end_when(text, True)
        if not found:
            return None
        when, end_date = found
        current = tracker.get_slot("end_when") or "end_of_period"
        same_date = end_date is not None and end_date.isoformat() == tracker.get_slot("end_date")
        if (when == current and when != "date") or same_date:
            return None
        return text

    async def validate_final_confirmation(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if value is None:  # an end choice corrected at the summary: the summary is shown again
            return {"final_confirmation": None}
        if value is True:
            return {"final_confirmation": True}
        return {"final_confirmation": False, "flow_stopped": "declined"}


# ---------------------------------------------------------------------------- questions


class ActionAskServiceId(Action):
    def name(self) -> Text:
        return "action_ask_service_id"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        auth = auth_for(tracker)
        if auth is None:
            say(dispatcher, messages.ASK_SERVICE)
            return []
        try:
            async with client() as backend:
                services = await backend.services(auth)
        except BackendError:
            say(dispatcher, messages.ASK_SERVICE_ID)
            return []
        active = [s for s in services if not is_pending(s)]
        pairs = [(service_label(s), f'/inform{{"service":"{s["id"]}"}}') for s in active]
        if len(active) > 1:
            title = (
                messages.ALL_SERVICES_TITLE.format(count=len(active))
                if len(active) > 2
                else messages.BOTH_SERVICES_TITLE
            )
            pairs.append((title, "all of them"))
        say(dispatcher, messages.service_list(active, [s for s in services if is_pending(s)]), pairs)
        return []


class ActionAskServiceConfirmed(Action):
    def name(self) -> Text:
        return "action_ask_service_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        auth = auth_for(tracker)
        service_id = tracker.get_slot("service_id")
        service: Mapping[str, Any] = {"id": service_id, "name": tracker.get_slot("service_name")}
        if auth is not None:
            try:
                async with client() as backend:
                    service = find_service(await backend.services(auth), service_id) or service
            except BackendError:
                pass
        say(dispatcher, messages.confirm_service(service), messages.CONFIRM_SERVICE_BUTTONS)
        return []


class ActionAskEndWhen(Action):
    def name(self) -> Text:
        return "action_ask_end_when"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        if said_this_turn(tracker, messages.END_WHEN_NOT_READ):
            return []  # the refusal just said what to answer, with the choices as buttons
        text, pairs = messages.end_when_question(await _end_options(tracker))
        say(dispatcher, text, pairs)
        return []


class ActionAskFinalConfirmation(Action):
    """The summary (design step 9) from one backend call (``POST .../preview``: figures and
    terms are the backend's); on the fast path it also carries balance, equipment and terms in
    one message. On the full path balance (step 7) and equipment (step 8) come first, each in
    its own message (`messages.summary`)."""

    def name(self) -> Text:
        return "action_ask_final_confirmation"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        auth = auth_for(tracker)
        service_id = tracker.get_slot("service_id")
        when = tracker.get_slot("end_when") or "end_of_period"
        confirm_buttons = messages.CONFIRM_FILING_BUTTONS
        if auth is None or not service_id:
            say(dispatcher, messages.SHALL_I_FILE, confirm_buttons)
            return []
        try:
            async with client() as backend:
                preview = await backend.preview(
                    auth,
                    service_id,
                    when,
                    tracker.get_slot("end_date") if when == "date" else None,
                    backup_confirmed=bool(tracker.get_slot("backup_confirmed")),
                )
        except NotAuthorized:
            say(dispatcher, EXPIRED_TEXT)
            return forget_verification()
        except BackendError:
            say(dispatcher, messages.FIGURES_UNAVAILABLE, confirm_buttons)
            return []
        *before, question = messages.summary(
            preview, fast=bool(tracker.get_slot("fast_track")), chosen=bool(tracker.get_slot("end_when"))
        )
        for text in before:
            say(dispatcher, text)
        say(dispatcher, question, confirm_buttons)
        return []


# ---------------------------------------------------------------------------- the end


class ActionCancelFinish(Action):
    """Runs when the cancellation form ends, whatever the reason: files the request when it
    was confirmed, otherwise says where things stand. Then resets the attempt's slots."""

    def name(self) -> Text:
        return "action_cancel_finish"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        stopped = tracker.get_slot("flow_stopped")
        events: List[Dict[str, Any]] = []
        auth = auth_for(tracker)
        service_id = tracker.get_slot("service_id")
        if stopped in CUSTOMER_STOPS:  # no at the confirmation, or a plain "stop" the form caught
            report_events.note(tracker, "stopped")
        if stopped == "declined":
            say(dispatcher, messages.DECLINED)
        elif stopped:
            pass  # already explained when it happened
        elif tracker.get_slot("final_confirmation") is True and auth is not None and service_id:
            filed, more = await self._file(dispatcher, tracker, auth, service_id)
            if filed is None:  # no answer: kept, so that "yes" tries again with the same key
                return more + reset(FLOW_SLOTS)
            events += more
            queue = [q for q in str(tracker.get_slot("service_queue") or "").split(",") if q]
            if queue and filed:
                return events + await self._next_in_queue(dispatcher, tracker, auth, queue)
        elif auth is None and tracker.get_slot("final_confirmation") is True:
            say(dispatcher, messages.EXPIRED_START_AGAIN)
        return events + reset(CANCEL_SLOTS + FLOW_SLOTS)

    @staticmethod
    async def _next_in_queue(
        dispatcher: CollectingDispatcher, tracker: Tracker, auth: Auth, queue: List[str]
    ) -> List[Dict[str, Any]]:
        """Several services chosen at once: the next one gets its own summary and
        confirmation, with the answers already given (reason, backup, end date)."""
        next_id, rest = queue[0], queue[1:]
        name = next_id
        try:
            async with client() as backend:
                found = find_service(await backend.services(auth), next_id)
            name = (found.get("name") if found else None) or next_id
        except BackendError:
            pass
        say(dispatcher, messages.NEXT_SERVICE.format(name=name))
        # Every slot of the form's list is filled but the confirmation, so that the re-opened
        # form asks exactly that question (the summary of this service).
        when = tracker.get_slot("end_when") or "end_of_period"
        return [
            SlotSet("service_id", next_id),
            SlotSet("service_name", name),
            SlotSet("service_confirmed", True),
            SlotSet("reason", tracker.get_slot("reason") or "skipped"),
            SlotSet("offer_id", None),
            SlotSet("offer_title", None),
            SlotSet("offer_description", None),
            SlotSet("offer_response", "not_offered"),
            SlotSet("backup_confirmed", True),
            SlotSet("end_when", when),
            SlotSet("end_date", tracker.get_slot("end_date") or "not_needed"),
            SlotSet("final_confirmation", None),
            SlotSet("flow_stopped", None),
            SlotSet("service_queue", ",".join(rest) or None),
            ActiveLoop("cancel_form"),
        ]

    async def _file(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, auth: Auth, service_id: str
    ) -> Tuple[Optional[bool], List[Dict[str, Any]]]:
        """File the confirmed request -> (True filed / False refused / None no answer, events).

        The idempotency key depends only on the conversation, session, service and the
        counter of filed requests, so filing again after no answer (a timeout, the action
        server restarted) gets the request already filed instead of a second one."""
        attempt = int(tracker.get_slot("cancel_attempt") or 0)
        key = idempotency_key(tracker, service_id, attempt)
        when = tracker.get_slot("end_when") or "end_of_period"
        reason = tracker.get_slot("reason")
        try:
            async with client() as backend:
                filed = await backend.file_cancellation(
                    auth,
                    key,
                    service_id=service_id,
                    when=when,
                    date=tracker.get_slot("end_date") if when == "date" else None,
                    reason=None if reason in (None, "skipped") else reason,
                    backup_confirmed=True,
                    terms_accepted=True,
                    channel=channel_of(tracker),
                )
        except NotAuthorized:
            say(dispatcher, messages.EXPIRED_NOTHING_FILED)
            return False, forget_verification()
        except (Conflict, InvalidInput, NotFound) as exc:
            why = messages.refusal(exc, messages.FILING_REFUSED_WHY)
            say(dispatcher, messages.FILING_REFUSED.format(why=why))
            return False, []
        except BackendUnavailable:
            say(dispatcher, messages.FILING_UNANSWERED)
            return None, []
        say(dispatcher, messages.confirmation_text(filed))
        return True, [SlotSet("cancel_attempt", float(attempt + 1))]


class ActionAffirmOutsideForm(Action):
    """A "yes" outside any form. When a confirmed cancellation got no answer (the backend timed
    out, or the action server failed between filing and answering, see
    ``bot/rasa_action_failures.py``), its slots are still set: it is filed again with the same
    idempotency key, which answers with the request already filed (its confirmation number) or
    files it now. Otherwise the message is read for the details it holds (``action_take_details``)."""

    def name(self) -> Text:
        return "action_affirm_outside_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        service_id = tracker.get_slot("service_id")
        if tracker.get_slot("final_confirmation") is not True or not service_id:
            return await ActionTakeDetails().run(dispatcher, tracker, domain)
        return await ActionCancelFinish().run(dispatcher, tracker, domain)
