"""Typed keys of what the app holds for the handoff: the Rasa client and the Slack notifier."""
from aiohttp import web

from bot.handoff.notify import Notifier
from bot.handoff.rasa import RasaClient

RASA = web.AppKey("handoff_rasa", RasaClient)
NOTIFIER = web.AppKey("handoff_notifier", Notifier)
