"""Typed keys of what the app holds for the handoff: the Rasa client, the Slack notifier and the
console's live-update hub."""

from aiohttp import web

from backend.handoff.live import LiveHub
from backend.handoff.notify import Notifier
from backend.handoff.rasa import RasaClient

RASA = web.AppKey("handoff_rasa", RasaClient)
NOTIFIER = web.AppKey("handoff_notifier", Notifier)
LIVE = web.AppKey("handoff_live", LiveHub)
