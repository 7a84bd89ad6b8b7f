"""Typed keys of what the app holds for the handoff: the Rasa client, the Slack notifier and the
console's live-update hub."""

from aiohttp import web

from bot.handoff.live import LiveHub
from bot.handoff.notify import Notifier
from bot.handoff.rasa import RasaClient

RASA = web.AppKey("handoff_rasa", RasaClient)
NOTIFIER = web.AppKey("handoff_notifier", Notifier)
LIVE = web.AppKey("handoff_live", LiveHub)
