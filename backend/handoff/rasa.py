"""The backend's client of Rasa's HTTP API (server started with `--enable-api --auth-token`):
read a conversation's tracker and append events to it.

Appending with `output_channel=latest&execute_side_effects=true` makes Rasa send every appended
`bot` event to the output channel of the conversation's latest input channel (rasa/server.py
`append_events` -> `_get_output_channel` -> `processor.execute_side_effects` ->
`OutputChannel.send_response(sender_id, ...)`): socket.io emits `bot_uttered` to the room named
after the session id, Slack posts to the configured channel or the user, Twilio texts the
customer's number. The REST channel has no output channel (Rasa falls back to a collecting one),
so a REST customer only sees agent messages in the tracker, not pushed.
The token goes in the query string as Rasa expects; URLs are never logged.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Dict, List, Optional
from urllib.parse import quote

import aiohttp

log = logging.getLogger("backend.handoff.rasa")


class RasaError(Exception):
    """Rasa could not be reached or refused the call."""

    def __init__(self, message: str, status: Optional[int] = None):
        super().__init__(message)
        self.status = status


class RasaClient:
    def __init__(self, base_url: str, token: Optional[str], *, timeout: float = 15.0):
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self._http: Optional[aiohttp.ClientSession] = None

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None

    def _session(self) -> aiohttp.ClientSession:
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession(timeout=self.timeout)
        return self._http

    def _params(self, **extra: str) -> Dict[str, str]:
        params = dict(extra)
        if self.token:
            params["token"] = self.token
        return params

    async def _call(self, method: str, path: str, what: str, params: Dict[str, str], json: Any = None) -> Any:
        try:
            async with self._session().request(
                method, self.base_url + path, params=params, json=json
            ) as answer:
                status = answer.status
                try:
                    body = await answer.json(content_type=None)
                except ValueError:
                    body = None
        except (aiohttp.ClientError, asyncio.TimeoutError, TimeoutError) as exc:  # distinct before 3.11
            log.warning("rasa %s unreachable: %s", what, type(exc).__name__)
            raise RasaError("Rasa is not reachable") from None
        if status != 200 or not isinstance(body, dict):
            log.warning("rasa %s answered %s", what, status)
            raise RasaError(f"Rasa answered {status}", status)
        return body

    async def tracker(self, conversation_id: str) -> Dict[str, Any]:
        """The (redacted) stored tracker of the conversation with all its events."""
        return await self._call(
            "GET",
            f"/conversations/{_path(conversation_id)}/tracker",
            "tracker",
            self._params(include_events="AFTER_RESTART"),
        )

    async def append(
        self, conversation_id: str, events: List[Dict[str, Any]], *, send: bool = True
    ) -> Dict[str, Any]:
        """Append events; with `send`, bot events go out on the customer's latest channel."""
        params = self._params(include_events="NONE")
        if send:
            params.update(output_channel="latest", execute_side_effects="true")
        return await self._call(
            "POST",
            f"/conversations/{_path(conversation_id)}/tracker/events",
            "append events",
            params,
            json=events,
        )


# Rasa's Sanic routes match the raw path without percent-decoding it: a conversation id must
# appear literally. The characters the channels allow in ids (bot/channels/limits.py) are all
# legal in a path segment; only the others (never produced by a channel) are escaped.
_PATH_SAFE = "+@:=-._~"


def _path(conversation_id: str) -> str:
    """``conversation_id`` as a path segment Rasa reads back as the same id (``+`` stays ``+``)."""
    return quote(conversation_id, safe=_PATH_SAFE)


def is_paused(tracker: Dict[str, Any]) -> bool:
    return bool(tracker.get("paused"))
