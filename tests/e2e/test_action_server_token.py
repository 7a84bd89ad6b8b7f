"""Issue 14, medium: the action server answered anyone (forged /webhook calls with an invented
tracker queued a handoff and started a verification). It now needs the shared token Rasa sends
(actions/server.py) and listens on loopback by default."""

import pytest

from devstack.stack import http_json
from tests.sockets import LOOPBACK_V4, listening_addresses

pytestmark = pytest.mark.slow


def _forged_call(sender="forged-1"):
    return {
        "next_action": "action_handoff",
        "sender_id": sender,
        "tracker": {
            "sender_id": sender,
            "slots": {},
            "latest_message": {"text": "/request_human", "intent": {"name": "request_human"}},
            "events": [],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        },
        "domain": {},
        "version": "3.6.21",
    }


def test_forged_action_calls_are_refused(stack):
    url = f"{stack.action_url}/webhook"
    for suffix, headers in (("", {}), ("?token=wrong", {}), ("", {"Authorization": "Bearer wrong"})):
        status, body = http_json("POST", url + suffix, _forged_call(), headers)
        assert status == 401 and body["error"] == "unauthorized"
    assert http_json("GET", f"{stack.action_url}/health")[0] == 200
    # nothing reached the backend: no handoff for the forged conversation
    from tests.handoff.console_http import StackConsole

    supervisor = StackConsole(stack.backend_url).login("sam", "sam-demo-password")
    assert not [
        h
        for h in supervisor.get("/console/api/handoffs")[1]["handoffs"]
        if h["conversation_id"] == "forged-1"
    ]
    # the token Rasa sends is accepted (and the assistant works: every e2e test goes through it)
    status, body = http_json(
        "POST",
        f"{url}?token={stack.action_token}",
        {**_forged_call("token-ok"), "next_action": "action_ask_account_identifier"},
    )
    assert status == 200 and body["responses"]


def test_action_server_listens_on_loopback_by_default(tmp_path):
    import os
    import subprocess
    import sys
    import time

    from devstack.stack import ROOT, free_port

    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "ACTION_HOST"}
    env.update(ACTION_PORT=str(port), ACTION_SERVER_TOKEN="t")
    process = subprocess.Popen(
        [sys.executable, "-m", "actions.server"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not listening_addresses(port):
            assert process.poll() is None
            time.sleep(0.3)
        assert listening_addresses(port) == {LOOPBACK_V4}  # 127.0.0.1, not 0.0.0.0
    finally:
        process.terminate()
        process.wait(timeout=20)
