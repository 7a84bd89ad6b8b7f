"""Fallback counter, stop, cancel_now, switching to a cancellation, handoff."""

import re
import socket

from aiohttp import web

from actions import report_events
from actions.backend_client import Auth, BackendClient
from actions.fallback import ActionFallback, ActionFastTrack, ActionStopForm, ActionSwitchToCancel
from actions.handoff import ActionHandoff

from .conftest import (
    audit_actions,
    button_payloads,
    make_tracker,
    new_sender,
    run,
    texts,
    verified_slots,
)


async def test_first_misunderstanding_shows_the_menu(live_backend):
    msgs, _, slots = await run(ActionFallback(), make_tracker(text="asdf qwer", intent="nlu_fallback"))
    assert "didn't understand" in texts(msgs)
    assert "/cancel_service" in button_payloads(msgs) and "/request_human" in button_payloads(msgs)
    assert slots["misunderstood_count"] == 1.0


async def test_each_misunderstanding_is_recorded_for_the_reports(live_backend):
    sender = new_sender()
    for count in (0.0, 1.0):
        await run(
            ActionFallback(),
            make_tracker({"misunderstood_count": count}, sender=sender, text="asdf", intent="nlu_fallback"),
        )
    await report_events.settle()
    events = audit_actions(live_backend, sender)
    assert [a for a, _ in events] == ["conversation_misunderstood", "conversation_misunderstood"]
    assert all(d["channel"] == "rest" and sender not in d["sealed_conversation"] for _, d in events)


async def test_an_unreachable_backend_does_not_disturb_a_misunderstanding(monkeypatch):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("BACKEND_URL", f"http://127.0.0.1:{port}")
    msgs, _, slots = await run(ActionFallback(), make_tracker(text="asdf qwer", intent="nlu_fallback"))
    await report_events.settle()  # the note failed quietly in the background
    assert "didn't understand" in texts(msgs) and slots["misunderstood_count"] == 1.0


async def test_second_misunderstanding_offers_a_person(live_backend):
    msgs, _, slots = await run(
        ActionFallback(),
        make_tracker({"misunderstood_count": 1.0}, text="what's the weather", intent="out_of_scope"),
    )
    assert "not something I can help with" in texts(msgs)
    assert "talk to a person" in texts(msgs)
    assert button_payloads(msgs)[0] == "/request_human"
    assert slots["misunderstood_count"] == 2.0


async def test_long_message_and_inside_a_form(live_backend):
    msgs, _, _ = await run(
        ActionFallback(), make_tracker(text="x " * 400, intent="nlu_fallback", active_loop="cancel_form")
    )
    assert "whole message" in texts(msgs) and "carry on" in texts(msgs)
    assert button_payloads(msgs) == []  # the form asks its question again right after


async def test_stop_form(live_backend):
    sender = new_sender()
    msgs, events, slots = await run(
        ActionStopForm(),
        make_tracker(
            {"service_id": "SVC-1", "requested_slot": "reason"}, sender=sender, active_loop="cancel_form"
        ),
    )
    assert any(e["event"] == "active_loop" and e["name"] is None for e in events)
    assert slots["service_id"] is None and slots["requested_slot"] is None
    assert "Nothing has been changed" in texts(msgs)
    await report_events.settle()
    assert [a for a, _ in audit_actions(live_backend, sender)] == ["conversation_stopped"]


async def test_stopping_another_request_is_not_a_stopped_cancellation(live_backend):
    sender = new_sender()
    await run(
        ActionStopForm(),
        make_tracker({"requested_slot": "confirmation_number"}, sender=sender, active_loop="status_form"),
    )
    await report_events.settle()
    assert audit_actions(live_backend, sender) == []


async def test_fast_track_declines_a_pending_offer(live_backend):
    sender = new_sender()
    slots = await verified_slots("judy", sender)
    async with BackendClient.from_env() as c:
        offer = await c.make_offer(
            Auth(slots["verification_handle"], sender, "rest"), "SVC-5001", "not_using"
        )
    assert offer
    slots.update(service_id="SVC-5001", offer_id=offer["id"], requested_slot="offer_response")
    msgs, _, out = await run(
        ActionFastTrack(), make_tracker(slots, sender=sender, active_loop="cancel_form", intent="cancel_now")
    )
    assert out == {"fast_track": True, "offer_response": "declined"}
    assert "skip the optional questions" in texts(msgs)
    # outside a form it only sets the slot (the form's first question follows)
    msgs, _, out = await run(ActionFastTrack(), make_tracker(intent="cancel_now"))
    assert out == {"fast_track": True} and msgs == []


async def test_switch_to_cancel(live_backend):
    msgs, events, slots = await run(
        ActionSwitchToCancel(),
        make_tracker(
            {"confirmation_number": "X", "requested_slot": "confirmation_number"}, active_loop="status_form"
        ),
    )
    assert any(e["event"] == "active_loop" and e["name"] is None for e in events)
    assert slots["confirmation_number"] is None and "cancellation first" in texts(msgs)


async def test_handoff_against_the_real_queue(live_backend):
    msgs, events, slots = await run(ActionHandoff(), make_tracker(intent="request_human"))
    text = texts(msgs)
    paused = any(e["event"] == "pause" for e in events)
    if paused:  # on duty: "shortly" only when someone is marked available, else the place in line
        assert ("a person will be with you shortly" in text) or re.search(r"you're number \d+ in line", text)
    else:  # off duty (depends on the clock and the duty roster)
        assert "No one from our team is available right now" in text
        assert "/cancel_service" in button_payloads(msgs)
        assert "/request_human" not in button_payloads(msgs)
    assert slots["misunderstood_count"] == 0.0


class _FakeQueue:
    """A stand-in for POST /api/v1/handoffs answering what each test needs."""

    def __init__(self, status, body):
        self.status, self.body, self.received = status, body, []

    async def __aenter__(self):
        async def handoffs(request):
            self.received.append(await request.json())
            return web.json_response(self.body, status=self.status)

        app = web.Application()
        app.router.add_post("/api/v1/handoffs", handoffs)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()
        return self

    async def __aexit__(self, *exc):
        await self.runner.cleanup()


async def test_handoff_when_no_queue_is_deployed(monkeypatch):
    async with _FakeQueue(404, {"error": "not_found"}) as queue:
        monkeypatch.setenv("BACKEND_URL", f"http://127.0.0.1:{queue.port}")
        msgs, events, _ = await run(ActionHandoff(), make_tracker(intent="request_human"))
    assert "no one from our team can be reached right now" in texts(msgs)
    assert "I can still do the cancellation" in texts(msgs)
    assert not any(e["event"] == "pause" for e in events)


async def test_handoff_on_duty_pauses_the_chat(monkeypatch):
    async with _FakeQueue(
        201, {"on_duty": True, "someone_available": True, "position": 1, "expected_wait_minutes": 2}
    ) as queue:
        monkeypatch.setenv("BACKEND_URL", f"http://127.0.0.1:{queue.port}")
        tracker = make_tracker({"flow_stopped": "locked"}, sender="conv-7", intent="request_human")
        msgs, events, _ = await run(ActionHandoff(), tracker)
    assert "a person will be with you shortly" in texts(msgs)
    assert any(e["event"] == "pause" for e in events)
    assert queue.received == [
        {"conversation_id": "conv-7", "reason": "verification_locked", "channel": "rest"}
    ]


async def test_handoff_with_nobody_available_gives_the_place_in_line_and_the_wait(monkeypatch):
    async with _FakeQueue(
        201, {"on_duty": True, "someone_available": False, "position": 3, "expected_wait_minutes": 12}
    ) as queue:
        monkeypatch.setenv("BACKEND_URL", f"http://127.0.0.1:{queue.port}")
        msgs, events, _ = await run(ActionHandoff(), make_tracker(intent="request_human"))
    text = texts(msgs)
    assert "shortly" not in text
    assert "you're number 3 in line, and the expected wait is about 12 minutes" in text
    assert any(e["event"] == "pause" for e in events)


async def test_handoff_off_duty_says_when_and_carries_on(monkeypatch):
    async with _FakeQueue(201, {"on_duty": False, "next_opening_text": "Monday at 09:00"}) as q:
        monkeypatch.setenv("BACKEND_URL", f"http://127.0.0.1:{q.port}")
        tracker = make_tracker({"misunderstood_count": 2.0}, intent="nlu_fallback")
        msgs, events, _ = await run(ActionHandoff(), tracker)
    assert "someone will answer from Monday at 09:00" in texts(msgs)
    assert "carry on with your cancellation" in texts(msgs)
    assert not any(e["event"] == "pause" for e in events)
    assert q.received[0]["reason"] == "fallback"


async def test_plain_stop_leaves_a_free_text_question(live_backend):
    from actions.cancel_flow import ValidateCancelForm
    from actions.requests import ValidateRefundForm

    for validator, slot in [
        (ValidateCancelForm(), "account_identifier"),
        (ValidateRefundForm(), "refund_reason"),
    ]:
        tracker = make_tracker(
            {"requested_slot": slot, "verification_handle": "h"},
            text="Never mind",
            active_loop=validator.form_name(),
            set_now={slot: "Never mind"},
        )
        msgs, _, slots = await run(validator, tracker)
        assert slots == {slot: None, "flow_stopped": "user_stopped", "requested_slot": None}
        assert "Nothing has been changed" in texts(msgs)


async def test_handoff_when_the_backend_is_slower_than_the_timeout(monkeypatch):
    """Issue 14: asyncio.TimeoutError escaped and action_handoff crashed (silence)."""
    from .test_client import _slow_server

    runner, url = await _slow_server(5)
    try:
        monkeypatch.setenv("BACKEND_URL", url)
        monkeypatch.setenv("BACKEND_TIMEOUT_SECONDS", "0.5")
        msgs, events, _ = await run(ActionHandoff(), make_tracker(intent="request_human"))
    finally:
        await runner.cleanup()
    assert "no one from our team can be reached right now" in texts(msgs)
    assert not any(e["event"] == "pause" for e in events)
