"""Delivery of the customer outbox (email over SMTP, SMS through Twilio), the local mail sink for
development, and the supervisor's page of failed messages. See docs/delivery.md.

`setup_delivery(app)` (called by backend.server.create_app) runs the delivery worker with the backend
and adds the console page; nothing heavy is imported here.
"""

from __future__ import annotations

from aiohttp import web


def setup_delivery(app: web.Application) -> None:
    """Start the delivery worker with the app and add /console/outbox."""
    from backend.api.keys import DB, POLICY, SETTINGS, WAKE_DELIVERY
    from backend.delivery import links
    from backend.delivery.console import routes
    from backend.delivery.worker import DELIVERER, Deliverer

    settings = app[SETTINGS]
    links.configure(settings.outbox_key, settings.public_url or settings.backend_url)
    app[DELIVERER] = Deliverer(app[DB], app[SETTINGS], app[POLICY])
    app[WAKE_DELIVERY] = app[DELIVERER].wake
    app.add_routes(routes)

    async def start(app: web.Application) -> None:
        await app[DELIVERER].start()

    async def stop(app: web.Application) -> None:
        await app[DELIVERER].stop()

    app.on_startup.append(start)  # type: ignore[arg-type]  # aiosignal's generic, as in backend/handoff
    app.on_shutdown.append(stop)  # type: ignore[arg-type]
