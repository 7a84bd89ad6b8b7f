"""Typed keys of what the app holds: settings, policy, database, and how to wake the outbox's
deliverer (set by backend.delivery, so that the API need not import it)."""

from typing import Callable

from aiohttp import web

from backend.config import Settings
from backend.db import Database
from backend.policy import Policy

SETTINGS = web.AppKey("settings", Settings)
POLICY = web.AppKey("policy", Policy)
DB = web.AppKey("db", Database)
WAKE_DELIVERY: web.AppKey[Callable[[], None]] = web.AppKey("wake_delivery")
