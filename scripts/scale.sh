#!/usr/bin/env bash
# make scale: make run's settings and runner with REPLICAS copies of the backend, the action
# server and the Rasa server behind HAProxy, on PostgreSQL, Redis and RabbitMQ (docs/deployment.md).
set -euo pipefail
cd "$(dirname "$0")/.."
REPLICAS=${REPLICAS:-2}
.venv/bin/python scripts/init_env.py
eval "$(.venv/bin/python scripts/settings_env.py)"
# shared engines instead of make run's SQLite files; databases created when missing
eval "$(.venv/bin/python scripts/scale.py env)"
export PYTHONPATH="$PWD/scripts/startup${PYTHONPATH:+:$PYTHONPATH}"
echo "Migrating and seeding the demo database ($DATABASE_URL)..."
.venv/bin/cancel-backend seed --history
RASA_MODEL=$(.venv/bin/python scripts/ensure_model.py)
export RASA_MODEL
.venv/bin/python scripts/scale.py files "$REPLICAS" var/scale
echo "$REPLICAS replicas of backend, actions and rasa behind HAProxy (var/scale/haproxy.cfg):"
grep -E '^(backend|actions|rasa)[0-9]+:' var/scale/Procfile | sed -E 's/^([a-z]+[0-9]+):.* ([A-Z]+_PORT=[0-9]+) .*/  \1 \2/'
exec .venv/bin/python scripts/run_procfile.py var/scale/Procfile
