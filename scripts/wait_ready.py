"""Wait until every process of ``make run`` answers, then print where to reach them.

Runs as the ``ready`` entry of the Procfile and then stays idle: the Procfile runner stops all
processes as soon as one exits.
"""

import os
import signal
import sys
import time
import urllib.error
import urllib.request
from typing import List


def _up(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:
            return answer.status < 500
    except (urllib.error.URLError, OSError):
        return False


def ready_text(backend: str, rasa: str, actions: str, pending: List[str], wait_minutes: int) -> str:
    """What ``make run`` prints once every process answers, or, when some did not (``pending``),
    which ones, without claiming the assistant runs."""
    if pending:
        head = (
            f"\nNot answering after {wait_minutes} minutes: {', '.join(pending)}. The assistant is "
            "not ready; that process's lines above (its log) say why. Once it answers, the addresses "
            "are:\n"
        )
    else:
        head = "\nThe cancellation assistant is running:\n"
    return (
        head + f"  Website widget (demo page):  {backend}/\n"
        f"  Staff console:               {backend}/console/  (demo login in docs/fixtures.md)\n"
        f"  Backend API + OpenAPI:       {backend}/openapi.json\n"
        f"  Backend API reference:       {backend}/docs/api  (no token needed to read it)\n"
        f"  Rasa REST channel:           {rasa}/webhooks/rest/webhook\n"
        f"  Rasa HTTP API (token):       {rasa}/\n"
        f"  Action server:               {actions}/webhook\n"
        "Talk to it in the widget, or:\n"
        f'  curl -s {rasa}/webhooks/rest/webhook -H "Authorization: Bearer $REST_CHANNEL_TOKEN" '
        f'-d \'{{"sender": "me", "message": "I want to cancel"}}\'\n'
        "  (REST_CHANNEL_TOKEN is in .env)\n"
        "Demo accounts and their ZIP/PIN: docs/fixtures.md. Ctrl-C stops everything.\n"
    )


def main() -> None:
    backend = f"http://{os.environ.get('BACKEND_HOST', '127.0.0.1')}:{os.environ.get('BACKEND_PORT', '8000')}"
    rasa = f"http://127.0.0.1:{os.environ.get('RASA_PORT', '5005')}"
    actions = f"http://127.0.0.1:{os.environ.get('ACTION_PORT', '5055')}"
    checks = {"backend": f"{backend}/health", "action server": f"{actions}/health", "rasa": f"{rasa}/"}
    wait_minutes = 10  # Rasa loads TensorFlow and the embedding weights
    deadline = time.monotonic() + wait_minutes * 60
    pending = dict(checks)
    while pending and time.monotonic() < deadline:
        pending = {name: url for name, url in pending.items() if not _up(url)}
        time.sleep(1)
    print(ready_text(backend, rasa, actions, list(pending), wait_minutes), flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
