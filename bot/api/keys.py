"""Typed keys of what the app holds: settings, policy, database."""

from aiohttp import web

from bot.config import Settings
from bot.db import Database
from bot.policy import Policy

SETTINGS = web.AppKey("settings", Settings)
POLICY = web.AppKey("policy", Policy)
DB = web.AppKey("db", Database)
