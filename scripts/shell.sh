#!/usr/bin/env bash
# make shell: chat with the assistant in this terminal (Rasa's shell, button titles shown), with
# the same settings as make run. The backend and action server must be up (make run).
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/python scripts/init_env.py
eval "$(.venv/bin/python scripts/settings_env.py)"
# Hides the deprecation warnings of pinned dependencies, as in make run (scripts/startup).
export PYTHONPATH="$PWD/scripts/startup${PYTHONPATH:+:$PYTHONPATH}"
model=$(.venv/bin/python scripts/ensure_model.py)
exec .venv/bin/python scripts/rasa_shell.py shell --model "$model" --endpoints "$RASA_ENDPOINTS" \
  -p "${SHELL_PORT:-$((RASA_PORT + 1))}" "$@"
