"""The cancellation form (design steps 2-10): validation, questions, summary and filing."""
from __future__ import annotations

import logging
from datetime import date
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.client import (
    Auth,
    BackendError,
    BackendUnavailable,
    Conflict,
    InvalidInput,
    NotAuthorized,
    NotFound,
)

from .common import (
    CANCEL_SLOTS,
    StopWordsMixin,
    EXPIRED_TEXT,
    FLOW_SLOTS,
    REASONS,
    UNAVAILABLE_TEXT,
    auth_for,
    bundle_warning,
    channel_of,
    client,
    find_service,
    forget_verification,
    step_key,
    forget_verification_dict,
    idempotency_key,
    is_positive,
    money,
    reset,
    say,
    service_label,
)
from .dates import parse_end_date
from .identify import IdentificationMixin

logger = logging.getLogger(__name__)

CANCEL_NOW_BUTTON = ("Just cancel it", "/cancel_now")
WHEN_CHOICES = {"1": "immediate", "2": "end_of_period", "3": "date"}
WHEN_WORDS = {
    "immediate": "immediate",
    "immediately": "immediate",
    "now": "immediate",
    "right now": "immediate",
    "today": "immediate",
    "end_of_period": "end_of_period",
    "end of period": "end_of_period",
    "end of the period": "end_of_period",
    "end of billing period": "end_of_period",
    "end of the billing period": "end_of_period",
    "anniversary": "end_of_period",
    "date": "date",
    "a date": "date",
    "pick a date": "date",
    "choose a date": "date",
    "later": "date",
}
WHEN_LABEL = {
    "immediate": "immediately",
    "end_of_period": "at the end of the billing period",
    "date": "on the date you chose",
}


def _items_text(items: List[Dict[str, Any]], currency: str = "USD") -> str:
    if not items:
        return "nothing further"
    return "; ".join(f"{i.get('description')} {money(i.get('amount'), currency)}" for i in items)


def _equipment_lines(equipment: List[Dict[str, Any]]) -> str:
    return "; ".join(
        f"{e.get('model')} (serial ending {e.get('serial_last4')}): "
        f"{money(e.get('non_return_fee'))} fee if not returned"
        for e in equipment
    )


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
    return {"offer_id": offer.get("id"), "offer_title": offer.get("title"),
            "offer_description": offer.get("description")}


async def _service_fixed(
    dispatcher: CollectingDispatcher, tracker: Tracker, auth: Optional[Auth], service_id: Text
) -> Dict[Text, Any]:
    """Slots once the service is settled: a reason the customer gave before that (e.g. "cancel,
    it's too expensive" as the first message) gets its offer now."""
    reason = tracker.get_slot("reason")
    if auth is None or reason not in REASONS or tracker.get_slot("offer_id"):
        return {}
    return await _offer_slots(dispatcher, auth, service_id, reason)


async def _auto_select_service(
    dispatcher: CollectingDispatcher, tracker: Tracker, auth: Auth
) -> Dict[Text, Any]:
    """With exactly one active service there is nothing to choose; with none, stop."""
    if tracker.get_slot("service_id"):
        return {}
    try:
        async with client() as backend:
            services = await backend.services(auth)
    except NotAuthorized:
        say(dispatcher, EXPIRED_TEXT)
        return forget_verification_dict()
    except BackendError:
        return {}
    if not services:
        say(dispatcher, "I don't see any active service on this account, so there is nothing "
                        "to cancel.")
        return {"flow_stopped": "no_services"}
    if len(services) == 1:
        only = services[0]
        return {
            "service_id": only["id"],
            "service_name": only.get("name"),
            "service_confirmed": True,
            **await _service_fixed(dispatcher, tracker, auth, only["id"]),
        }
    return {}


class ValidateCancelForm(StopWordsMixin, IdentificationMixin, FormValidationAction):
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
        if tracker.get_slot("end_when") == "date":
            slots.append("end_date")
        slots.append("final_confirmation")
        return slots

    async def after_verified(self, dispatcher, tracker, auth) -> Dict[Text, Any]:
        return await _auto_select_service(dispatcher, tracker, auth)

    async def extract_service_id(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        auth = auth_for(tracker)
        if auth is None or tracker.get_slot("service_id") or tracker.get_slot("flow_stopped"):
            return {}
        return await _auto_select_service(dispatcher, tracker, auth)

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
        chosen = _match_service(services, value)
        if chosen is None:
            say(dispatcher, "I couldn't match that to one of your services. Please pick one "
                            "from the list (you can also type its number).")
            return {"service_id": None, "service_name": None}
        slots: Dict[Text, Any] = {"service_id": chosen["id"], "service_name": chosen.get("name")}
        if len(services) == 1:
            slots["service_confirmed"] = True
            slots.update(await _service_fixed(dispatcher, tracker, auth_for(tracker), chosen["id"]))
        return slots

    async def validate_service_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if value is True:
            return {"service_confirmed": True, **await _service_fixed(
                dispatcher, tracker, auth_for(tracker), tracker.get_slot("service_id"))}
        return {"service_confirmed": None, "service_id": None, "service_name": None}

    # -- reason and offer -----------------------------------------------------------------

    async def validate_reason(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        entity = next(tracker.get_latest_entity_values("reason"), None)
        if value == "skipped":
            reason = None
        elif entity in REASONS:
            reason = entity
        elif value in REASONS:
            reason = value
        else:
            reason = "other"
        slots: Dict[Text, Any] = {"reason": reason or "skipped"}
        auth = auth_for(tracker)
        service_id = tracker.get_slot("service_id")
        if auth is None or not service_id:
            return slots
        say(dispatcher, "Thanks for telling me." if reason else "No problem.")
        return {**slots, **await _offer_slots(dispatcher, auth, service_id, reason)}

    async def validate_offer_response(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        auth = auth_for(tracker)
        offer_id = tracker.get_slot("offer_id")
        accepted = value == "accepted"
        if auth is None or not offer_id:
            return {"offer_response": value}
        try:
            async with client() as backend:
                await backend.offer_outcome(auth, offer_id, accepted,
                                            idempotency_key=step_key(tracker, "offer_outcome", offer_id))
        except NotAuthorized:
            say(dispatcher, EXPIRED_TEXT)
            return {"offer_response": None, **forget_verification_dict()}
        except BackendError:
            if accepted:
                say(dispatcher, "Sorry, I couldn't apply the offer right now. " + UNAVAILABLE_TEXT)
                return {"offer_response": None, "flow_stopped": "unavailable"}
        if accepted:
            say(
                dispatcher,
                f"Done: {tracker.get_slot('offer_title')} is now applied to "
                f"{tracker.get_slot('service_name') or 'your service'}. Your service stays "
                "active and nothing has been cancelled.",
            )
            return {"offer_response": "accepted", "flow_stopped": "offer_accepted"}
        say(dispatcher, "No problem, let's continue.")
        return {"offer_response": "declined"}

    # -- readiness ------------------------------------------------------------------------

    async def validate_backup_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if value is True:
            return {"backup_confirmed": True}
        say(
            dispatcher,
            "No problem: please back up what you need first, I'll wait here. Nothing has been "
            "cancelled. When you're ready, tell me it's backed up, or say stop to stop here.",
        )
        return {"backup_confirmed": None}

    async def validate_end_when(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        text = str(value or "").strip().lower().strip(".!")
        when = WHEN_CHOICES.get(text) or WHEN_WORDS.get(text)
        end_date: Optional[date] = None
        if when is None:
            entity_date = next(tracker.get_latest_entity_values("date"), None)
            end_date = parse_end_date(entity_date) or parse_end_date(str(value or ""))
            if end_date is not None:
                when = "date"
        if when is None:
            say(dispatcher, "Sorry, I didn't get that. Choose immediately, the end of the billing "
                            "period, or type a date like \"Dec 15\".")
            return {"end_when": None, "end_date": None}
        if when == "date" and end_date is None:
            return {"end_when": "date", "end_date": None}
        return await self._quoted(dispatcher, tracker, when, end_date)

    async def validate_end_date(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        entity_date = next(tracker.get_latest_entity_values("date"), None)
        parsed = parse_end_date(entity_date) or parse_end_date(str(value or ""))
        if parsed is None:
            say(dispatcher, "Sorry, I couldn't read that date. Try something like \"Dec 15\", "
                            "\"2026-01-31\" or \"end of next month\".")
            return {"end_date": None}
        return await self._quoted(dispatcher, tracker, "date", parsed)

    async def _quoted(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        when: str,
        end_date: Optional[date],
    ) -> Dict[Text, Any]:
        """Ask the backend for the quote of the chosen option and tell what it means."""
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
            say(dispatcher, f"That date doesn't work: {exc.message or 'please choose another'}. "
                            "Which date should it end?")
            return {"end_when": "date", "end_date": None}
        except NotAuthorized:
            say(dispatcher, EXPIRED_TEXT)
            return {**slots, **forget_verification_dict()}
        except BackendError:
            return slots
        quote = options[0] if options else {}
        parts = [f"Your service would end on {quote.get('end_date', iso)}."]
        if quote.get("explanation"):
            parts.append(str(quote["explanation"]))
        if quote.get("renewal_warning"):
            parts.append(str(quote["renewal_warning"]))
        say(dispatcher, " ".join(parts))
        if when == "date" and quote.get("end_date"):
            slots["end_date"] = quote["end_date"]
        return slots

    async def validate_final_confirmation(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if value is True:
            return {"final_confirmation": True}
        return {"final_confirmation": False, "flow_stopped": "declined"}


def _match_service(services: List[Dict[str, Any]], value: Any) -> Optional[Dict[str, Any]]:
    text = str(value or "").strip()
    if not text:
        return None
    by_id = find_service(services, text)
    if by_id:
        return by_id
    low = text.lower()
    if low.isdigit() and 1 <= int(low) <= len(services):
        return services[int(low) - 1]
    hits = [s for s in services if str(s.get("id", "")).lower() in low]
    if len(hits) == 1:
        return hits[0]
    hits = [
        s for s in services
        if str(s.get("name", "")).lower() in low or low in str(s.get("name", "")).lower()
    ]
    if len(hits) == 1:
        return hits[0]
    return None


# ---------------------------------------------------------------------------- questions


class ActionAskServiceId(Action):
    def name(self) -> Text:
        return "action_ask_service_id"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        auth = auth_for(tracker)
        if auth is None:
            say(dispatcher, "Which service would you like to cancel?")
            return []
        try:
            async with client() as backend:
                services = await backend.services(auth)
        except BackendError:
            say(dispatcher, "Which service would you like to cancel? Please type its ID "
                            "(it starts with SVC-).")
            return []
        lines = [
            f"{n}. {service_label(s)}, {s.get('plan')}, {money(s.get('price'))}/"
            f"{'year' if s.get('billing_period') == 'annual' else 'month'}"
            for n, s in enumerate(services, start=1)
        ]
        say(
            dispatcher,
            "You have these active services. Which one would you like to cancel?\n"
            + "\n".join(lines),
            [(service_label(s), f'/inform{{"service":"{s["id"]}"}}') for s in services],
        )
        return []


class ActionAskServiceConfirmed(Action):
    def name(self) -> Text:
        return "action_ask_service_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        auth = auth_for(tracker)
        service_id = tracker.get_slot("service_id")
        service: Dict[str, Any] = {"id": service_id, "name": tracker.get_slot("service_name")}
        if auth is not None:
            try:
                async with client() as backend:
                    service = find_service(await backend.services(auth), service_id) or service
            except BackendError:
                pass
        text = f"Just to confirm: you want to cancel {service_label(service)}?"
        warning = bundle_warning(service)
        if warning:
            text += "\n" + warning
        say(dispatcher, text, [("Yes, that one", "/affirm"), ("No, another one", "/deny")])
        return []


class ActionAskEndWhen(Action):
    def name(self) -> Text:
        return "action_ask_end_when"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        auth = auth_for(tracker)
        service_id = tracker.get_slot("service_id")
        options: List[Dict[str, Any]] = []
        if auth is not None and service_id:
            try:
                async with client() as backend:
                    options = await backend.quote(auth, service_id)
            except BackendError:
                options = []
        by_when = {o.get("when"): o for o in options}
        imm = by_when.get("immediate", {})
        eop = by_when.get("end_of_period", {})
        lines = ["When should the service end?"]
        lines.append(
            "1. Immediately" + (f": {imm['explanation']}" if imm.get("explanation") else
                                 " (no refund for the rest of the period)")
        )
        lines.append(
            "2. At the end of the billing period"
            + (f", on {eop['end_date']}" if eop.get("end_date") else "")
            + (f": {eop['explanation']}" if eop.get("explanation") else "")
        )
        lines.append("3. On a date you choose (type it, e.g. \"Dec 15\" or \"end of next month\")")
        eop_title = "End of billing period" + (f" ({eop['end_date']})" if eop.get("end_date") else "")
        say(
            dispatcher,
            "\n".join(lines),
            [
                ("Immediately", '/inform{"end_when":"immediate"}'),
                (eop_title, '/inform{"end_when":"end_of_period"}'),
                ("On a date I choose", '/inform{"end_when":"date"}'),
            ],
        )
        return []


class ActionAskFinalConfirmation(Action):
    """The summary (design step 9); on the fast path it also carries balance, equipment and
    terms in one message. On the full path balance (step 7) and equipment (step 8) come first,
    each in its own message."""

    def name(self) -> Text:
        return "action_ask_final_confirmation"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        auth = auth_for(tracker)
        service_id = tracker.get_slot("service_id")
        fast = bool(tracker.get_slot("fast_track"))
        when = tracker.get_slot("end_when") or "end_of_period"
        chosen = bool(tracker.get_slot("end_when"))
        confirm_buttons = [("Yes, cancel it. I accept the terms", "/affirm"),
                           ("No, don't cancel", "/deny")]
        if auth is None or not service_id:
            say(dispatcher, "Shall I file the cancellation?", confirm_buttons)
            return []
        try:
            async with client() as backend:
                services = await backend.services(auth)
                options = await backend.quote(
                    auth, service_id, when, tracker.get_slot("end_date") if when == "date" else None
                )
                balance = await backend.balance(auth)
                equipment = await backend.equipment(auth, service_id)
        except NotAuthorized:
            say(dispatcher, EXPIRED_TEXT)
            return forget_verification()
        except BackendError:
            say(dispatcher, "I couldn't load the final figures just now. Shall I still file the "
                            "cancellation? The confirmation will list them.", confirm_buttons)
            return []
        service = find_service(services, service_id) or {"id": service_id,
                                                         "name": tracker.get_slot("service_name")}
        quote = options[0] if options else {}
        currency = balance.get("currency", "USD")
        devices = equipment.get("equipment") or []
        owes = is_positive(balance.get("balance"))
        end_date = quote.get("end_date", "?")

        balance_text = (
            f"You have an outstanding balance of {money(balance.get('balance'), currency)}. "
            "All balances are due at cancellation. "
            f"{balance.get('how_to_pay', '')}".strip()
        )
        if balance.get("blocks_filing"):
            balance_text += " The balance has to be settled before the cancellation can be filed."
        deadline = quote.get("equipment_return_deadline")
        equipment_text = (
            f"Please return the leased equipment by {deadline or 'the return deadline'}: "
            f"{_equipment_lines(devices)}. After you confirm, you'll get a prepaid return label "
            "by email. Once you've shipped it, tell me the tracking number here "
            "(say \"report a tracking number\")."
        )

        if not fast:
            if owes:
                say(dispatcher, balance_text)
            if devices:
                say(dispatcher, equipment_text)

        lines = ["Here's the summary:"]
        lines.append(f"- Service: {service_label(service)}")
        warning = bundle_warning(service)
        if warning:
            lines.append(f"- {warning}")
        ends = f"- Ends: {end_date} ({WHEN_LABEL.get(when, when)}"
        if not chosen:
            ends += ", the default since no other date was chosen"
        ends += ")"
        lines.append(ends)
        if is_positive(quote.get("refund")):
            lines.append(f"- Refund: {money(quote.get('refund'), currency)}")
        elif when == "immediate":
            lines.append("- No refund for the rest of the period (immediate cancellation)")
        lines.append(f"- Final bill: {_items_text(quote.get('final_bill_items') or [], currency)}")
        if quote.get("renewal_warning"):
            lines.append(f"- {quote['renewal_warning']}")
        if fast:
            lines.append(f"- Balance: {balance_text if owes else 'nothing outstanding'}")
            if devices:
                lines.append(f"- Equipment: {equipment_text}")
        else:
            lines.append(
                f"- Balance: {money(balance.get('balance'), currency)}"
                + (" due at cancellation" if owes else "")
            )
            if devices:
                lines.append(f"- Equipment to return by {deadline}: {len(devices)} device(s)")
        terms = (
            "Terms: data on this service can't be retrieved after cancellation"
            + (" (you confirmed your backup)" if tracker.get_slot("backup_confirmed") else
               ", so by confirming you confirm it's backed up")
            + "; the service ends on the date above; any balance is due at cancellation"
            + ("; leased equipment must be returned by the deadline or the fee applies" if devices
               else "")
            + "."
        )
        lines.append(terms)
        lines.append("Do you want me to file this cancellation and accept these terms?")
        say(dispatcher, "\n".join(lines), confirm_buttons)
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
        if stopped == "declined":
            say(dispatcher, "Okay, I haven't cancelled anything. If you change your mind, just "
                            "say \"cancel\" and we'll pick it up again.")
        elif stopped:
            pass  # already explained when it happened
        elif tracker.get_slot("final_confirmation") is True and auth is not None and service_id:
            filed, more = await self._file(dispatcher, tracker, auth, service_id)
            if filed is None:  # no answer: kept, so that "yes" tries again with the same key
                return more + reset(FLOW_SLOTS)
            events += more
        elif auth is None and tracker.get_slot("final_confirmation") is True:
            say(dispatcher, EXPIRED_TEXT + " Say \"cancel\" to start again.")
        return events + reset(CANCEL_SLOTS + FLOW_SLOTS)

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
            say(dispatcher, EXPIRED_TEXT + " Nothing was filed; say \"cancel\" to start again.")
            return False, forget_verification()
        except (Conflict, InvalidInput, NotFound) as exc:
            say(dispatcher, "I couldn't file the cancellation: "
                            f"{exc.message or 'the request was refused'}. Nothing was filed.")
            return False, []
        except BackendUnavailable:
            say(dispatcher, FILING_UNANSWERED_TEXT)
            return None, []
        say(dispatcher, confirmation_text(filed))
        return True, [SlotSet("cancel_attempt", float(attempt + 1))]


class ActionAffirmOutsideForm(Action):
    """A "yes" outside any form. When a confirmed cancellation got no answer (the backend timed
    out, or the action server failed between filing and answering, see
    ``bot/rasa_action_failures.py``), its slots are still set: it is filed again with the same
    idempotency key, which answers with the request already filed (its confirmation number) or
    files it now. Otherwise: "What can I help you with?"."""

    def name(self) -> Text:
        return "action_affirm_outside_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        service_id = tracker.get_slot("service_id")
        if tracker.get_slot("final_confirmation") is not True or not service_id:
            dispatcher.utter_message(response="utter_how_can_i_help")
            return []
        return await ActionCancelFinish().run(dispatcher, tracker, domain)


FILING_UNANSWERED_TEXT = (
    "I couldn't get an answer from our system, so I can't confirm yet that your cancellation is "
    "filed. Say \"yes\" in a minute and I'll try again: it will never be filed twice."
)


def confirmation_text(filed: Dict[str, Any]) -> str:
    service = filed.get("service") or {}
    lines = [
        "Your cancellation is filed.",
        f"Confirmation number: {filed.get('confirmation_number')}",
        f"Service: {service_label(service)}",
        f"Ends: {filed.get('end_date')}",
        f"Final bill: {_items_text(filed.get('final_bill_items') or [])}",
    ]
    balance = filed.get("balance")
    if isinstance(balance, dict):
        amount = balance.get("balance")
        currency = balance.get("currency", "USD")
    else:
        amount, currency = balance, "USD"
    if amount is not None:
        lines.append(
            f"Balance: {money(amount, currency)}" + (" due at cancellation" if is_positive(amount)
                                                     else "")
        )
    equipment = filed.get("equipment") or []
    if equipment:
        extra = []
        for e in equipment:
            bits = [str(e.get("model"))]
            for key, label in (("rma", "RMA"),):
                if e.get(key):
                    bits.append(f"{label} {e[key]}")
            extra.append(" ".join(bits))
        lines.append(
            f"Equipment: return by {filed.get('return_deadline')}: " + "; ".join(extra)
            + (f" (non-return fees up to {money(filed.get('non_return_fee_total'))})"
               if is_positive(filed.get("non_return_fee_total")) else "")
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
        lines.append(
            f"Would you tell us why you left? It takes two minutes: {filed['survey_url']}"
        )
    return "\n".join(lines)
