#!/usr/bin/env bash
# make run: settings, database, model, then every process under the Procfile runner.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/python scripts/init_env.py
# Settings: the environment wins over .env; URLs default to loopback on the configured ports.
eval "$(.venv/bin/python scripts/settings_env.py)"
# Hides the deprecation warnings that pinned dependencies print at every start (see the module).
export PYTHONPATH="$PWD/scripts/startup${PYTHONPATH:+:$PYTHONPATH}"
mkdir -p var
echo "Migrating and seeding the demo database ($DATABASE_URL), with 90 days of demo history for the reports..."
.venv/bin/cancel-backend seed --history
# ensure_model.py prints only the model's path on stdout (training output goes to stderr).
RASA_MODEL=$(.venv/bin/python scripts/ensure_model.py)
export RASA_MODEL
exec .venv/bin/python scripts/run_procfile.py Procfile
