"""Issue 14: one bad request must never stop the Rasa process. Rasa's SQLTrackerStore turns any
ValueError raised inside its session (SQLite's UnicodeEncodeError for a lone surrogate) into
print_error_and_exit (SystemExit); ours fails that one call and keeps serving."""

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.rasa_tracker_store import RedactingTrackerStore, TrackerStoreError

DOMAIN = Domain.from_yaml('version: "3.1"\nintents: [greet]\n')


@pytest.fixture(autouse=True)
def _store_url_from_the_test(monkeypatch):
    monkeypatch.delenv("TRACKER_DB_URL", raising=False)


def _tracker(sender):
    return DialogueStateTracker.from_events(
        sender,
        [ActionExecuted("action_listen"), UserUttered("hi", intent={"name": "greet", "confidence": 1.0})],
        slots=DOMAIN.slots,
    )


async def test_lone_surrogate_sender_fails_the_call_not_the_process(tmp_path):
    store = RedactingTrackerStore(domain=DOMAIN, url=f"sqlite:///{tmp_path}/tracker.db")
    for call in (lambda: store.save(_tracker("\ud800")), lambda: store.retrieve("\ud800")):
        with pytest.raises(TrackerStoreError):  # before: SystemExit from print_error_and_exit
            await call()
    # the store still serves everybody else
    await store.save(_tracker("bystander"))
    assert (await store.retrieve("bystander")).latest_message.text == "hi"
