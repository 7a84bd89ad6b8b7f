"""Human handoff: the queue, staff users and sessions, Slack notifications, the Rasa client.

`setup_handoff(app)` (called by backend.server.create_app) adds `POST /api/v1/handoffs`, installs the
hooks that turn SOP staff tasks into notifications (and policy-triggered handoffs), and runs the
notification delivery task. The staff console itself is in backend.console. See docs/handoff.md.
"""

from __future__ import annotations

from aiohttp import web

from backend.handoff import models  # noqa: F401  (registers the tables on backend.models.Base)


def setup_handoff(app: web.Application) -> None:
    from backend.api.keys import DB, POLICY, SETTINGS
    from backend.handoff.api import routes
    from backend.handoff.keys import LIVE, NOTIFIER, RASA
    from backend.handoff.live import LiveHub
    from backend.handoff.notify import Notifier
    from backend.handoff.rasa import RasaClient
    from backend.handoff.service import install_hooks

    settings = app[SETTINGS]
    install_hooks(app[DB], app[POLICY])
    app[RASA] = RasaClient(settings.rasa_url, settings.rasa_token)
    app[NOTIFIER] = Notifier(app[DB], settings.slack_staff_webhook_url)
    app[LIVE] = LiveHub(settings.redis_url, settings.redis_key_prefix)
    app.add_routes(routes)

    async def start(app: web.Application) -> None:
        await app[NOTIFIER].start()

    async def stop(app: web.Application) -> None:
        app[LIVE].end_streams()  # open consoles' event streams end, so the server stops at once
        await app[NOTIFIER].stop()
        await app[RASA].close()

    async def start_live(app: web.Application) -> None:
        await app[LIVE].start()  # with REDIS_URL: share the console's live events with the replicas

    async def stop_live(app: web.Application) -> None:
        await app[LIVE].stop()

    # aiosignal's generic Signal type does not match aiohttp's own annotation of on_startup
    app.on_startup.append(start)  # type: ignore[arg-type]
    app.on_startup.append(start_live)  # type: ignore[arg-type]
    app.on_shutdown.append(stop)  # type: ignore[arg-type]  # before on_cleanup closes the database
    app.on_cleanup.append(stop_live)  # type: ignore[arg-type]
