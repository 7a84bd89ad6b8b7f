"""Human handoff: the queue, staff users and sessions, Slack notifications, the Rasa client.

`setup_handoff(app)` (called by bot.server.create_app) adds `POST /api/v1/handoffs`, installs the
hooks that turn SOP staff tasks into notifications (and policy-triggered handoffs), and runs the
notification delivery task. The staff console itself is in bot.console. See docs/handoff.md.
"""

from __future__ import annotations

from aiohttp import web

from bot.handoff import models  # noqa: F401  (registers the tables on bot.models.Base)


def setup_handoff(app: web.Application) -> None:
    from bot.api.keys import DB, POLICY, SETTINGS
    from bot.handoff.api import routes
    from bot.handoff.keys import LIVE, NOTIFIER, RASA
    from bot.handoff.live import LiveHub
    from bot.handoff.notify import Notifier
    from bot.handoff.rasa import RasaClient
    from bot.handoff.service import install_hooks

    settings = app[SETTINGS]
    install_hooks(app[DB], app[POLICY])
    app[RASA] = RasaClient(settings.rasa_url, settings.rasa_token)
    app[NOTIFIER] = Notifier(app[DB], settings.slack_staff_webhook_url)
    app[LIVE] = LiveHub()
    app.add_routes(routes)

    async def start(app: web.Application) -> None:
        await app[NOTIFIER].start()

    async def stop(app: web.Application) -> None:
        await app[NOTIFIER].stop()
        await app[RASA].close()

    # aiosignal's generic Signal type does not match aiohttp's own annotation of on_startup
    app.on_startup.append(start)  # type: ignore[arg-type]
    app.on_shutdown.append(stop)  # type: ignore[arg-type]  # before on_cleanup closes the database
