"""The transcript a person reads, from a Rasa tracker's events: who said what and when, button
presses as the title of the button the assistant had just offered, agent names, and what the
assistant did as short events ("verified the customer" from the tracker's slots; "offer declined",
"cancellation filed: ..." from the backend's records, passed in as `activity`).

Pure functions (no HTTP, no database): backend.console passes the tracker and the backend's own record
of the conversation (`activity`: filings, revocations, refunds) and gets lines back.
"""

from __future__ import annotations

import json
from typing import Any, Dict, Iterable, List, Optional, Tuple

from backend.handoff.words import INTENTS, clock, moment, words

Line = Dict[str, Any]
PAUSED_TEXT = "The assistant is paused: a person handles this chat."
RESUMED_TEXT = "The assistant is back."


def _custom(event: Dict[str, Any]) -> Dict[str, Any]:
    """The console's widget payload of a bot event: data.custom.data (backend.console.routes._agent_event)."""
    custom = (event.get("data") or {}).get("custom")
    inner = custom.get("data") if isinstance(custom, dict) else None
    return inner if isinstance(inner, dict) else {}


def agent_of(event: Dict[str, Any]) -> Optional[str]:
    """The agent's name on a bot event the console sent (metadata or the widget's custom data)."""
    name = (event.get("metadata") or {}).get("agent")
    if name:
        return str(name)
    custom = _custom(event)
    return str(custom.get("name") or "Agent") if custom.get("from") == "agent" else None


def bot_text(event: Dict[str, Any]) -> str:
    """A bot event's text; the console's widget messages carry it in their custom data."""
    return str(event.get("text") or _custom(event).get("text") or "")


def pressed(text: str, offered: List[Dict[str, Any]]) -> Optional[str]:
    """The title of the offered button whose payload is `text`, else None."""
    for button in offered:
        if str(button.get("payload") or "") == text:
            return str(button.get("title") or "")
    return None


def intent_words(text: str) -> str:
    """'/deny' -> 'No'; '/inform{"end_when":"date"}' -> 'Inform (date)'."""
    intent, _, entities = text[1:].partition("{")
    extra = ""
    if entities:
        try:
            values = json.loads("{" + entities)
            extra = " (" + ", ".join(f"{str(v).replace('_', ' ')}" for v in values.values()) + ")"
        except ValueError:
            extra = ""
    return (words(intent, INTENTS) + extra) if intent else text


def _slot_event(name: str, value: Any) -> Optional[str]:
    if name == "verified" and value is True:
        return "verified the customer"
    if name == "reason" and value:
        return f"reason given: {str(value).replace('_', ' ')}"
    return None


def transcript(
    tracker: Dict[str, Any],
    zone: str,
    customer: Optional[str] = None,
    activity: Iterable[Tuple[Any, str]] = (),
) -> List[Line]:
    """Lines {who, name, text, at (epoch), time, pressed?} in time order. `who`: customer,
    assistant, agent, event (what the assistant or the backend did) or system (pause/resume)."""
    lines: List[Line] = []
    offered: List[Dict[str, Any]] = []
    customer_name = customer or "Customer"

    def add(who: str, text: str, at: Any, name: Optional[str] = None, **extra: Any) -> None:
        lines.append({"who": who, "name": name, "text": text, "at": at, "time": clock(at, zone), **extra})

    for e in tracker.get("events") or []:
        kind, at = e.get("event"), e.get("timestamp")
        if kind == "user":
            text = e.get("text") or ""
            if text.startswith("/") and " " not in text:
                title = pressed(text, offered)
                if title is not None:
                    add("customer", title, at, customer_name, pressed=True)
                else:
                    add("customer", intent_words(text), at, customer_name)
            else:
                add("customer", text, at, customer_name)
            offered = []
        elif kind == "bot":
            agent = agent_of(e)
            text = bot_text(e)
            buttons = (e.get("data") or {}).get("buttons") or []
            if buttons:
                offered = [b for b in buttons if isinstance(b, dict)]
            if not text and not buttons:
                continue
            add(
                "agent" if agent else "assistant",
                text,
                at,
                agent or "Assistant",
                options=[str(b.get("title", "")) for b in offered] if buttons else [],
            )
        elif kind == "slot":
            text = _slot_event(e.get("name") or "", e.get("value"))
            if text and not (lines and lines[-1]["who"] == "event" and lines[-1]["text"] == text):
                add("event", text, at)
        elif kind == "pause":
            add("system", PAUSED_TEXT, at)
        elif kind == "resume":
            add("system", RESUMED_TEXT, at)
    return _merge(lines, activity, zone)


def _merge(lines: List[Line], activity: Iterable[Tuple[Any, str]], zone: str) -> List[Line]:
    """Insert the backend's events among the tracker's lines by time (the tracker's order kept)."""
    out = list(lines)
    for at, text in activity:
        when = moment(at, zone)
        stamp = when.timestamp() if when else None
        line = {"who": "event", "name": None, "text": text, "at": stamp, "time": clock(stamp, zone)}
        index = len(out)
        if stamp is not None:
            index = next(
                (i for i, x in enumerate(out) if isinstance(x["at"], (int, float)) and x["at"] > stamp),
                len(out),
            )
        out.insert(index, line)
    return out
