"""Local stand-ins for Twilio's and Slack's web APIs for the full stack (devstack/stack.py), with the
helpers a test needs to send signed SMS and Slack webhooks to the Rasa server like the vendors do.
Runs in a thread (the stack's tests are synchronous)."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, List, Optional
from urllib.parse import parse_qs, urlencode

from twilio.request_validator import RequestValidator

TWILIO_ACCOUNT_SID = "AC" + "1" * 32
TWILIO_NUMBER = "+15550009999"


class VendorStandIn:
    """Records every request; answers like Twilio's Messages API and Slack's chat.postMessage."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.requests: List[Dict[str, Any]] = []
        self._by_token: Dict[str, Any] = {}
        self._lock = threading.Condition()
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if "json" in (self.headers.get("Content-Type") or ""):
                    body = json.loads(raw or b"{}")
                else:
                    body = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
                token = self.headers.get("I-Twilio-Idempotency-Token")
                with stand_in._lock:
                    # Twilio answers a repeated idempotency token with the first message, sending nothing
                    repeat = token is not None and token in stand_in._by_token
                    stand_in.requests.append(
                        {"path": self.path, "body": body, "idempotency_token": token, "repeat": repeat}
                    )
                    stand_in._lock.notify_all()
                if self.path.startswith("/2010-04-01/"):
                    answer, status = (
                        stand_in._by_token[token]
                        if repeat and token is not None
                        else (
                            {
                                "sid": "SM" + uuid.uuid4().hex,
                                "account_sid": TWILIO_ACCOUNT_SID,
                                "to": body.get("To"),
                                "from": body.get("From"),
                                "body": body.get("Body"),
                                "status": "queued",
                            },
                            201,
                        )
                    )
                    if token is not None:
                        stand_in._by_token[token] = (answer, status)
                else:
                    answer, status = (
                        {"ok": True, "channel": body.get("channel"), "ts": "1700000000.000100"},
                        200,
                    )
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> "VendorStandIn":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def sms_to(self, phone: str) -> List[str]:
        """Bodies of the SMS sent to ``phone`` so far."""
        with self._lock:
            return [
                r["body"].get("Body", "")
                for r in self.requests
                if r["path"].startswith("/2010-04-01/")
                and r["body"].get("To") == phone
                and not r.get("repeat")
            ]

    def slack_posts(self, channel: str) -> List[str]:
        with self._lock:
            return [
                r["body"].get("text") or ""
                for r in self.requests
                if r["path"].endswith("chat.postMessage") and r["body"].get("channel") == channel
            ]

    def wait(self, condition: Callable[[], Any], timeout: float = 60.0) -> Any:
        """Wait until ``condition()`` is truthy (re-checked on every request); return its value."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                value = condition()
                if value or time.monotonic() >= deadline:
                    return value
                self._lock.wait(min(1.0, max(0.0, deadline - time.monotonic())))


def vendor_env(stand_in_url: str, rasa_url: str, workdir: str) -> Dict[str, str]:
    """Settings that configure the SMS and Slack channels against the stand-in."""
    return {
        "TWILIO_ACCOUNT_SID": TWILIO_ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": "stack-twilio-auth-token",
        "TWILIO_NUMBER": TWILIO_NUMBER,
        "TWILIO_WEBHOOK_URL": f"{rasa_url}/webhooks/twilio/webhook",
        "TWILIO_API_URL": stand_in_url,
        "SMS_STORE_URL": f"sqlite:///{workdir}/sms.sqlite3",
        "SLACK_BOT_TOKEN": "xoxb-stack-test",
        "SLACK_SIGNING_SECRET": "stack-slack-signing-secret",
        "SLACK_API_URL": f"{stand_in_url}/api/",
    }


def post_sms(env: Dict[str, str], phone: str, text: str, message_sid: Optional[str] = None) -> int:
    """Send a signed Twilio webhook for an SMS from ``phone``; return the HTTP status."""
    params = {
        "MessageSid": message_sid or "SM" + uuid.uuid4().hex,
        "AccountSid": env["TWILIO_ACCOUNT_SID"],
        "From": phone,
        "To": env["TWILIO_NUMBER"],
        "Body": text,
        "NumMedia": "0",
    }
    url = env["TWILIO_WEBHOOK_URL"]
    signature = RequestValidator(env["TWILIO_AUTH_TOKEN"]).compute_signature(url, params)
    request = urllib.request.Request(
        url,
        data=urlencode(params).encode(),
        method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature},
    )
    with urllib.request.urlopen(request, timeout=60) as answer:
        return answer.status


def post_slack(env: Dict[str, str], rasa_url: str, user: str, channel: str, text: str) -> int:
    """Send a signed Slack message event from ``user`` in ``channel``; return the HTTP status."""
    body = json.dumps(
        {
            "type": "event_callback",
            "event_id": "Ev" + uuid.uuid4().hex,
            "authed_users": ["UBOT"],
            "event": {
                "type": "message",
                "channel_type": "im",
                "user": user,
                "text": text,
                "channel": channel,
                "ts": f"{time.time():.6f}",
            },
        }
    ).encode()
    timestamp = str(int(time.time()))
    digest = hmac.new(
        env["SLACK_SIGNING_SECRET"].encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256
    ).hexdigest()
    request = urllib.request.Request(
        f"{rasa_url}/webhooks/slack/webhook",
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": f"v0={digest}",
        },
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        return answer.status
