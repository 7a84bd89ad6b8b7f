#!/usr/bin/env bash
# make run: settings, database, model, then every process under the Procfile runner.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/python scripts/init_env.py
set -a; . ./.env; set +a
mkdir -p var
echo "Migrating and seeding the demo database ($DATABASE_URL)..."
.venv/bin/cancel-backend seed
RASA_MODEL=$(.venv/bin/python scripts/ensure_model.py)
export RASA_MODEL
exec .venv/bin/honcho start -f Procfile
