"""socket.io channel (website widget) whose session ids are issued and signed by the server.

Rasa's socket.io channel uses whatever ``session_id`` the client puts in each message as the
conversation id, so a client could name another customer's conversation (say, a phone number).
Here (channel name kept as ``socketio``; use it *instead of* Rasa's ``socketio:`` entry):

- ``session_request``: a ``session_id`` the client brings back (page reload) is kept only when it
  carries this server's signature (``<random>.<HMAC>``, key from ``CONVERSATION_ID_SECRET``);
  anything else is replaced by a fresh signed id, sent back in ``session_confirm``;
- messages are attributed to the session confirmed for *this socket*, never to the ``session_id``
  field of the message; a message before ``session_request`` gets a fresh session;
- input limits of :mod:`bot.channels.limits`: an unreadable or too long message is answered with
  a ``bot_uttered`` explanation and never reaches the assistant;
- with ``SOCKETIO_MANAGER_URL`` / ``REDIS_URL`` set, python-socketio's Redis or RabbitMQ client
  manager (bot/channels/replicas.py): a staff reply sent through any Rasa replica reaches the
  socket wherever it is connected;
- missed messages re-sent on reconnect (bot/channels/replay.py): every emitted message carries
  ``id``, ``ts`` and ``part``; a ``session_request`` with ``last_seen`` / ``last_part`` (and a
  session id this server signed) gets the bot messages stored after them, to that socket only.

credentials.yml::

    bot.channels.socketio.SignedSocketIOInput:
      user_message_evt: user_uttered
      bot_message_evt: bot_uttered
      session_persistence: true
"""

from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import OutputChannel, UserMessage, decode_bearer_token
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

from bot import nlu_warmup
from bot.channels import limits
from bot.channels.identity import new_signed_session_id, valid_signed_session_id
from bot.channels.replay import IdentifiedSocketIOOutput, last_seen, replay
from bot.channels.replicas import socketio_client_manager

logger = logging.getLogger(__name__)


class SignedSocketIOInput(SocketIOInput):
    """socket.io input channel with server-issued, signed session ids and input limits."""

    @classmethod
    def name(cls) -> Text:
        return "socketio"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sessions: Dict[Text, Text] = {}  # socket id -> confirmed session id
        self._app: Any = None  # the Sanic app, whose ctx holds the agent (tracker store)

    def get_output_channel(self) -> Optional[OutputChannel]:
        """The output of staff replies (``output_channel=latest``): labelled messages."""
        if self.sio is None:
            return None
        return IdentifiedSocketIOOutput(self.sio, self.bot_message_evt)

    def session_for(self, sid: Text, requested: Any) -> Text:
        """The session id to confirm to socket ``sid``: the requested one if server-signed."""
        session_id = requested if valid_signed_session_id(requested) else new_signed_session_id()
        self._sessions[sid] = session_id
        return session_id

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        sio = AsyncServer(
            async_mode="sanic",
            cors_allowed_origins=[],
            max_http_buffer_size=limits.max_body_bytes(),
            # Redis / RabbitMQ when configured: an emit on any replica reaches the socket
            client_manager=socketio_client_manager(),
        )
        socketio_webhook = SocketBlueprint(sio, self.socketio_path, "socketio_webhook", __name__)
        self.sio = sio

        @socketio_webhook.listener("after_server_start")
        async def listen_to_other_replicas(app: Any, *_: Any) -> None:
            self._app = app
            # python-socketio subscribes to the Redis / RabbitMQ channel at the first connection,
            # and the confirmation it sends that very socket could go out before it listens
            # (lost); subscribing when the server starts closes that window.
            if not sio.manager_initialized:
                sio.manager_initialized = True
                sio.manager.initialize()

        @socketio_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @sio.on("connect", namespace=self.namespace)
        async def connect(sid: Text, environ: Dict, auth: Optional[Dict]) -> bool:
            if not self.jwt_key:
                return True
            token = auth.get("token") if isinstance(auth, dict) else None
            return bool(token and decode_bearer_token(token, self.jwt_key, self.jwt_algorithm))

        @sio.on("disconnect", namespace=self.namespace)
        async def disconnect(sid: Text) -> None:
            self._sessions.pop(sid, None)

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: Text, data: Any) -> None:
            requested = data.get("session_id") if isinstance(data, dict) else None
            session_id = self.session_for(sid, requested)
            if self.session_persistence:
                sio.enter_room(sid, session_id, namespace=self.namespace)
            await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)
            since = last_seen(data)
            # only the holder of the signed id it asked for (a fresh id has nothing to replay);
            # the socket is in the room already: a message stored from now on also goes out live
            if self.session_persistence and since is not None and session_id == requested:
                agent = getattr(self._app.ctx, "agent", None) if self._app else None
                try:
                    await replay(
                        agent, IdentifiedSocketIOOutput(sio, self.bot_message_evt), session_id, sid, since
                    )
                except Exception:
                    logger.exception("missed messages could not be re-sent")

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: Text, data: Any) -> None:
            output = IdentifiedSocketIOOutput(sio, self.bot_message_evt)
            if self.session_persistence:
                sender_id = self._sessions.get(sid)
                if sender_id is None:  # no session_request yet: issue one now
                    sender_id = self.session_for(sid, None)
                    sio.enter_room(sid, sender_id, namespace=self.namespace)
                    await sio.emit("session_confirm", sender_id, room=sid, namespace=self.namespace)
            else:
                sender_id = sid
            try:
                if not isinstance(data, dict) or limits.json_depth_exceeds(data):
                    raise limits.BadMessage("malformed_message", limits.UNREADABLE_TEXT)
                text = limits.check_message(data.get("message"))
                metadata = data.get(self.metadata_key)
                if not isinstance(metadata, dict) or not limits.encodable(metadata):
                    metadata = None
            except limits.BadMessage as bad:
                await output.send_text_message(sender_id, bad.reply)
                return
            try:
                await on_new_message(
                    UserMessage(text, output, sender_id, input_channel=self.name(), metadata=metadata)
                )
            except Exception:
                logger.exception("socket.io message could not be handled")

        nlu_warmup.add_to(socketio_webhook)
        return socketio_webhook
