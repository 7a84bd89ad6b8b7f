"""Print the settings of ``make run`` as shell ``export`` lines, for ``eval`` in scripts/run.sh.

Precedence: a variable already in the environment wins over ``.env``, which wins over the
defaults derived here. The URLs that only say where a process of this copy listens
(``BACKEND_URL``, ``ACTION_ENDPOINT_URL``, ``RASA_URL``, ``RASA_PUBLIC_URL``) default to
loopback on the configured ports, so changing a port in ``.env`` moves every URL that points
at it and two copies of the project on different ports never talk to each other.
"""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path
from typing import Dict, Mapping

from dotenv import dotenv_values

ROOT = Path(__file__).resolve().parent.parent

PORT_DEFAULTS = {"BACKEND_PORT": "8000", "ACTION_PORT": "5055", "RASA_PORT": "5005"}
# Rasa's telemetry would try to reach the internet at every start.
FIXED_DEFAULTS = {
    # Rasa listens on loopback unless a deployment says otherwise (a proxy in front of it)
    "RASA_HOST": "127.0.0.1",
    "RASA_TELEMETRY_ENABLED": "false",
    "PYTHONUNBUFFERED": "1",
}


def derived_urls(settings: Mapping[str, str]) -> Dict[str, str]:
    """URLs of this copy's processes, from its ports (loopback)."""
    backend_port = settings.get("BACKEND_PORT") or PORT_DEFAULTS["BACKEND_PORT"]
    action_port = settings.get("ACTION_PORT") or PORT_DEFAULTS["ACTION_PORT"]
    rasa_port = settings.get("RASA_PORT") or PORT_DEFAULTS["RASA_PORT"]
    rasa = f"http://127.0.0.1:{rasa_port}"
    return {
        "BACKEND_URL": f"http://127.0.0.1:{backend_port}",
        "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{action_port}/webhook",
        "RASA_URL": rasa,
        "RASA_PUBLIC_URL": rasa,
    }


def resolve(environ: Mapping[str, str], dotenv: Mapping[str, str | None]) -> Dict[str, str]:
    """The settings to export: environment, then ``.env``, then derived defaults.

    Returns only the variables that are not already in ``environ``."""
    merged: Dict[str, str] = {**PORT_DEFAULTS, **FIXED_DEFAULTS}
    merged.update({key: value for key, value in dotenv.items() if value is not None})
    merged.update({key: environ[key] for key in merged if key in environ})
    # An empty value in .env (e.g. "RASA_URL=") means "derive it".
    for key, value in derived_urls({**merged, **environ}).items():
        if not environ.get(key) and not merged.get(key):
            merged[key] = value
    return {key: value for key, value in merged.items() if key not in environ}


def main() -> int:
    dotenv = dotenv_values(ROOT / ".env") if (ROOT / ".env").exists() else {}
    for key, value in sorted(resolve(os.environ, dotenv).items()):
        print(f"export {key}={shlex.quote(value)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
