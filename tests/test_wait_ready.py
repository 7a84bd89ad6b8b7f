"""scripts/wait_ready.py: what make run prints once its processes answer, and that it never says
the assistant runs while one of them does not answer."""

from __future__ import annotations

from wait_ready import ready_text  # scripts/ is on sys.path (tests/conftest.py)

from tests.run_path.copies import READY

URLS = ("http://127.0.0.1:8000", "http://127.0.0.1:5005", "http://127.0.0.1:5055")


def test_all_answering_says_running_with_every_address():
    text = ready_text(*URLS, [], 10)
    assert READY in text and "Not answering" not in text
    for address in ("8000/console/", "8000/docs/api", "5005/webhooks/rest/webhook", "5055/webhook"):
        assert address in text


def test_a_process_not_answering_is_named_and_nothing_claims_it_runs():
    text = ready_text(*URLS, ["rasa"], 10)
    assert text.lstrip().startswith("Not answering after 10 minutes: rasa.")
    assert READY not in text and "is running" not in text
    assert "5005/webhooks/rest/webhook" in text  # where it will answer
