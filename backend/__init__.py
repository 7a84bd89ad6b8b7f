"""The backend process: `cancel-backend` (serve, migrate, seed, mail-sink, reports ...).

The HTTP API for the action server, the handoff queue and staff console, the web pages, the
delivery worker, the policy, the database and its migrations. See the README's layout table."""
