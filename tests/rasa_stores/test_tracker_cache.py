"""The tracker kept in memory between turns is only ever what the database would give back."""

import json

import pytest
from rasa.shared.core.events import ActionExecuted, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from backend.config import ConfigError
from bot.rasa_redaction import REDACTED
from bot.rasa_tracker_cache import cache_size_from_env
from bot.rasa_tracker_store import RedactingTrackerStore
from tests.rasa_stores.test_redaction import DOMAIN


@pytest.fixture(autouse=True)
def _store_url_from_the_test(monkeypatch):
    monkeypatch.delenv("TRACKER_DB_URL", raising=False)
    monkeypatch.delenv("TRACKER_CACHE_SIZE", raising=False)


def _turn(text: str, slot_value=None):
    events = [
        ActionExecuted("action_listen"),
        UserUttered(text, intent={"name": "inform", "confidence": 0.9}),
    ]
    if slot_value is not None:
        events.append(SlotSet("end_date", slot_value))
    return events


def _state(tracker: DialogueStateTracker):
    return (
        [e.as_dict() for e in tracker.events],
        tracker.current_slot_values(),
        tracker.latest_message.text if tracker.latest_message else None,
    )


async def _start(store, sender="c1"):
    tracker = DialogueStateTracker.from_events(sender, _turn("hello"), slots=DOMAIN.slots)
    await store.save(tracker)
    return tracker


async def _next_turn(store, events, sender="c1"):
    """What a Rasa turn does with the store: retrieve, add the turn's events, save."""
    tracker = await store.retrieve(sender)
    for event in events:
        tracker.update(event)
    await store.save(tracker)
    return tracker


async def test_the_saved_tracker_comes_back_and_equals_a_database_read(tmp_path):
    url = f"sqlite:///{tmp_path}/t.db"
    store = RedactingTrackerStore(domain=DOMAIN, url=url)
    tracker = await _start(store)
    for n in range(3):
        again = await _next_turn(store, _turn(f"turn {n}", slot_value=f"2026-12-0{n + 1}"))
        assert again is tracker  # no database read, no replay
    assert store._cache.hits == 3

    cold = RedactingTrackerStore(domain=DOMAIN, url=url)  # another process: reads the rows
    from_db = await cold.retrieve("c1")
    assert _state(from_db) == _state(tracker)
    assert from_db.get_slot("end_date") == "2026-12-03"


async def test_a_write_by_another_process_is_seen(tmp_path):
    url = f"sqlite:///{tmp_path}/t.db"
    ours, theirs = (RedactingTrackerStore(domain=DOMAIN, url=url) for _ in range(2))
    kept = await _start(ours)
    await _next_turn(theirs, _turn("from the other server"))

    again = await ours.retrieve("c1")
    assert again is not kept
    assert again.latest_message.text == "from the other server"
    assert len(again.events) == len(kept.events) + 2


async def test_a_turn_that_held_a_secret_is_read_back_redacted(tmp_path):
    store = RedactingTrackerStore(domain=DOMAIN, url=f"sqlite:///{tmp_path}/t.db")
    await _start(store)
    tracker = await _next_turn(store, _turn("my email is erin@example.com"))

    again = await store.retrieve("c1")
    assert again is not tracker
    assert again.latest_message.text == f"my email is {REDACTED}"
    assert "erin@example.com" not in json.dumps([e.as_dict() for e in again.events])


async def test_a_tracker_changed_but_not_saved_is_not_handed_out_again(tmp_path):
    store = RedactingTrackerStore(domain=DOMAIN, url=f"sqlite:///{tmp_path}/t.db")
    await _start(store)
    tracker = await store.retrieve("c1")
    tracker.update(ActionExecuted("action_listen"))  # the turn fails before its save

    again = await store.retrieve("c1")
    assert again is not tracker
    assert len(again.events) == 2


async def test_a_new_session_is_read_from_the_database(tmp_path):
    store = RedactingTrackerStore(domain=DOMAIN, url=f"sqlite:///{tmp_path}/t.db")
    await _start(store)
    tracker = await _next_turn(
        store, [ActionExecuted("action_session_start"), SessionStarted(), *_turn("new session")]
    )

    again = await store.retrieve("c1")
    assert again is not tracker
    assert [e.type_name for e in again.events][0] == "session_started"


async def test_size_zero_reads_every_turn_from_the_database(tmp_path, monkeypatch):
    monkeypatch.setenv("TRACKER_CACHE_SIZE", "0")
    store = RedactingTrackerStore(domain=DOMAIN, url=f"sqlite:///{tmp_path}/t.db")
    tracker = await _start(store)
    again = await store.retrieve("c1")
    assert again is not tracker and _state(again) == _state(tracker)


def test_the_size_setting_is_checked(monkeypatch):
    monkeypatch.setenv("TRACKER_CACHE_SIZE", "lots")
    with pytest.raises(ConfigError, match="TRACKER_CACHE_SIZE: must be an integer"):
        cache_size_from_env()
    monkeypatch.setenv("TRACKER_CACHE_SIZE", "-1")
    with pytest.raises(ConfigError, match="TRACKER_CACHE_SIZE: must be at least 0"):
        cache_size_from_env()
    monkeypatch.setenv("TRACKER_CACHE_SIZE", "7")
    assert cache_size_from_env() == 7


async def test_the_least_recently_used_conversation_goes_first(tmp_path, monkeypatch):
    monkeypatch.setenv("TRACKER_CACHE_SIZE", "2")
    store = RedactingTrackerStore(domain=DOMAIN, url=f"sqlite:///{tmp_path}/t.db")
    first = await _start(store, "a")
    await _start(store, "b")
    await _start(store, "c")
    assert len(store._cache) == 2
    assert await store.retrieve("a") is not first
    assert store._cache.misses == 1
