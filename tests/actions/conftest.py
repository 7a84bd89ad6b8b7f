"""Fixtures for the action tests: a real backend on a free port with a fresh SQLite database
and the demo data, the assistant's domain, and helpers that run an action the way the Rasa
server would (a rasa_sdk Tracker and a CollectingDispatcher)."""

from __future__ import annotations

import contextlib
import functools
import itertools
import os
import subprocess
import uuid
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from devstack.stack import free_port, start_backend, stop

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "actions-test-token"
MAX_FAILURES = 3
IDENTIFIER_HASH_KEY = "test-identifier-hash-key"


@functools.lru_cache(maxsize=1)
def domain():
    """The assistant's domain (loaded once)."""
    from rasa.shared.core.domain import Domain

    return Domain.load(str(ROOT / "domain.yml"))


def domain_dict() -> Dict[str, Any]:
    return domain().as_dict()


@pytest.fixture(autouse=True)
async def _close_shared_backend_clients():
    """The actions share one backend client per event loop; close it before the test's loop ends."""
    yield
    from actions import report_events
    from actions.backend_client import BackendClient

    await report_events.settle()
    await BackendClient.close_shared()


@contextlib.contextmanager
def backend_serving(tmp_path_factory, **settings: str) -> Iterator[Dict[str, str]]:
    """Start `cancel-backend` (migrate + seed + serve) on a fresh SQLite database with the test
    settings and `settings` (by variable name), and point the actions at it; the same `settings`
    are this process's (the action server's) while it serves."""
    db = tmp_path_factory.mktemp("backend") / "backend.sqlite3"
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"sqlite:///{db}",
        BACKEND_SERVICE_TOKEN=TOKEN,
        IDENTIFIER_HASH_KEY=IDENTIFIER_HASH_KEY,
        DEV_OUTBOX="1",
        OUTBOX_KEY="test-outbox-key",  # signs the receipt and return label links (docs/delivery.md)
        PUBLIC_URL="https://help.example.com",
        VERIFY_MAX_FAILURES=str(MAX_FAILURES),
        VERIFY_LOCK_SECONDS="900",
        PYTHONPATH=str(ROOT),
        **settings,
    )
    port = free_port()
    proc = start_backend(env, port, timeout=30, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    ours = {"BACKEND_URL": url, "BACKEND_SERVICE_TOKEN": TOKEN, **settings}
    saved = {k: os.environ.get(k) for k in ours}
    os.environ.update(ours)
    try:
        yield {"url": url, "token": TOKEN, "database": str(db)}
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        stop(proc)


@pytest.fixture(scope="session")
def live_backend(tmp_path_factory) -> Iterator[Dict[str, str]]:
    """Start `cancel-backend` (migrate + seed + serve) and point the actions at it."""
    with backend_serving(tmp_path_factory) as backend:
        yield backend


def audit_actions(live_backend: Dict[str, str], sender: str) -> List[Any]:
    """(action, details) of the backend's audit events for this conversation, oldest first (the
    backend stores the conversation under its keyed hash)."""
    import json
    import sqlite3

    from backend.hashing import conversation_key, set_identifier_hash_key

    set_identifier_hash_key(IDENTIFIER_HASH_KEY)
    with sqlite3.connect(live_backend["database"]) as conn:
        rows = conn.execute(
            "SELECT action, details FROM audit_events WHERE conversation_key = ? ORDER BY id",
            (conversation_key(sender),),
        ).fetchall()
    return [(action, json.loads(details)) for action, details in rows]


def new_sender() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


def make_tracker(
    slots: Optional[Dict[str, Any]] = None,
    *,
    sender: Optional[str] = None,
    text: str = "",
    intent: str = "inform",
    entities: Optional[List[Dict[str, Any]]] = None,
    active_loop: Optional[str] = None,
    set_now: Optional[Dict[str, Any]] = None,
    channel: str = "rest",
    events: Optional[List[Dict[str, Any]]] = None,
) -> Tracker:
    """A tracker as the action server receives it. ``set_now`` are the slot candidates of
    this turn (the SlotSet events at the end of the events that a form validation sees)."""
    all_slots = {name: None for name in domain_dict()["slots"]}
    all_slots.update(
        {"verified": False, "fast_track": False, "cancel_attempt": 0.0, "misunderstood_count": 0.0}
    )
    all_slots.update(slots or {})
    all_slots.update(set_now or {})
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": 1.0},
        "entities": entities or [],
    }
    evs: List[Dict[str, Any]] = list(events or []) + [
        {"event": "user", "text": text, "parse_data": latest, "input_channel": channel},
        {"event": "action", "name": active_loop or "action_listen"},
    ]
    evs += [{"event": "slot", "name": k, "value": v} for k, v in (set_now or {}).items()]
    return Tracker(
        sender or new_sender(),
        all_slots,
        latest,
        evs,
        False,
        None,
        {"name": active_loop} if active_loop else {},
        "action_listen",
    )


async def run(action, tracker: Tracker):
    """Run one action; -> (messages, events, slot values set)."""
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, domain_dict())
    slots = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    return dispatcher.messages, events, slots


async def validate(action, tracker: Tracker):
    """Run a form validation action (as the form does) -> (messages, events, slots)."""
    return await run(action, tracker)


async def utter(response: str, slots: Optional[Dict[str, Any]] = None) -> List[Dict[str, Any]]:
    """A domain response as Rasa renders it for a tracker with ``slots`` (a form question that
    is a response, not a custom action)."""
    from rasa.core.nlg import TemplatedNaturalLanguageGenerator
    from rasa.shared.core.events import SlotSet
    from rasa.shared.core.trackers import DialogueStateTracker

    names = {slot.name for slot in domain().slots}
    events = [SlotSet(name, value) for name, value in (slots or {}).items() if name in names]
    tracker = DialogueStateTracker.from_events(new_sender(), events, slots=domain().slots)
    message = await TemplatedNaturalLanguageGenerator(domain().responses).generate(response, tracker, "rest")
    return [message] if message else []


def texts(messages) -> str:
    return "\n".join(m.get("text") or "" for m in messages)


def button_payloads(messages) -> List[str]:
    return [b["payload"] for m in messages for b in (m.get("buttons") or [])]


# -- direct backend access for setting up state -------------------------------------------

ACCOUNTS = {
    # account number -> (ZIP, PIN, first name)
    "erin": ("10000001", "02139", "1111", "Erin"),  # one service, nothing owed
    "frank": ("10000002", "94110", "2222", "Frank"),  # router, A/R > $1000, renewal close
    "grace": ("10000003", "60614", "3333", "Grace"),  # modem + phone
    "ivan": ("10000004", "10001", "4444", "Ivan"),
    "judy": ("10000005", "30301", "5555", "Judy"),
    "kim": ("10000006", "73301", "6666", "Kim"),  # several services, bundle
    "nora": ("10000008", "85001", "8888", "Nora"),  # Email Suite; filed only by the crash test
    "mona": ("10000007", "98101", "7777", "Mona"),  # Dedicated Servers; never filed (refusals only)
}


async def verified_slots(who: str, sender: str, channel: str = "rest") -> Dict[str, Any]:
    """Verify through the API (as the identification step would, on input ``channel``) -> slots
    of a verified chat."""
    from actions.backend_client import BackendClient

    number, zip_code, _pin, name = ACCOUNTS[who]
    async with BackendClient.from_env() as c:
        attempt = await c.verify_start(number, sender, channel)
        v = await c.verify(attempt["attempt_id"], zip_code)
    return {
        "verification_handle": v["handle"],
        "verified": True,
        "customer_first_name": v.get("customer_first_name"),
        "account_identifier": "[provided]",
        "verification_factor": "[verified]",
    }


_filing_counter = itertools.count()
