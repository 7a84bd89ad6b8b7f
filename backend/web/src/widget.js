// Website chat widget for the cancellation assistant.
//
// Talks to Rasa's `socketio` input channel (credentials: session_persistence: true):
//   client -> server  session_request {session_id, last_seen?, last_part?}   (every (re)connect)
//   server -> client  session_confirm "<session id>"
//   client -> server  user_uttered {message, session_id}
//   server -> client  bot_uttered {id, ts, part, text, quick_replies?: [{title, payload}], attachment?}
//
// Configuration: data- attributes on the <script> tag that loads this file (config.js and
// docs/channels.md list them): the Rasa URL, title, colours, position, greeting and every text.
// A page drives it with window.CancelWidget: open(), close(), startOver(), send(text).
//
// Persistence: the session id is kept in localStorage (so the conversation survives a page
// reload, a new tab or a browser restart); the rendered transcript is kept in sessionStorage
// (survives a reload of the same tab, is dropped when the tab closes: nothing the customer
// typed outlives the tab), with the messages not delivered yet. "Start over" forgets both.
//
// Greeting: when the panel opens on a new conversation the widget sends the greeting intent
// (data-greeting-intent, default /greet) once, so the assistant's own greeting and menu show.
//
// A person: while the chat waits for staff the widget shows the place in line and the expected
// wait (custom message {handoff: "waiting", position, expected_wait_minutes, someone_available}
// from action_handoff) instead of typing dots; messages from staff ({from: "agent", name, text},
// sent by the console) carry the agent's name and their own style; {handoff: "ended"} ends it.
//
// Delivery: a message typed while the assistant is unreachable is shown marked "not delivered",
// kept (sessionStorage, so a reload keeps it too) and sent when the session is confirmed again.
// The other way, the server re-sends on every reconnect the assistant's messages stored after
// `last_seen`/`last_part` (`ts` and `part` of the last one rendered; bot/channels/replay.py): a socket lost while a
// message went out (a replica died) misses nothing. A message whose `id` was already rendered
// (live and re-sent) is dropped, so each one shows once.

import { io } from "socket.io-client";
import { readConfig, themeProperties } from "./config.js";
import { STYLE } from "./style.js";

const STORE_PREFIX = "cancel-assistant:";
const SESSION_KEY = STORE_PREFIX + "session-id";
const TRANSCRIPT_KEY = STORE_PREFIX + "transcript";
const OPEN_KEY = STORE_PREFIX + "open";
const GREETED_KEY = STORE_PREFIX + "greeted-session";
const MAX_STORED_MESSAGES = 200;
const MAX_SEEN_IDS = 500;
const TYPING_TIMEOUT_MS = 30000;
const TYPING_REPORT_MS = 3000;

function findScriptTag() {
  const current = document.currentScript;
  if (current && current.dataset && current.dataset.socketUrl !== undefined) return current;
  return document.querySelector("script[data-socket-url]");
}

function storageGet(storage, key) {
  try {
    return storage.getItem(key);
  } catch (_) {
    return null; // storage disabled (privacy mode, sandboxed iframe)
  }
}

function storageSet(storage, key, value) {
  try {
    if (value === null) storage.removeItem(key);
    else storage.setItem(key, value);
  } catch (_) {
    /* quota exceeded or storage disabled: the widget still works, without persistence */
  }
}

function el(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "text") node.textContent = value;
    else if (name === "class") node.className = value;
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children) node.append(child);
  return node;
}

const URL_RE = /\bhttps?:\/\/[^\s<>"')\]]+/g;

// Text as DOM nodes, with http(s) URLs as links. Never uses innerHTML: bot text is untrusted.
function renderText(text) {
  const frag = document.createDocumentFragment();
  let last = 0;
  for (const match of text.matchAll(URL_RE)) {
    let url = match[0].replace(/[.,;:!?]+$/, "");
    if (match.index > last) frag.append(text.slice(last, match.index));
    frag.append(el("a", { href: url, target: "_blank", rel: "noopener noreferrer", text: url }));
    last = match.index + url.length;
  }
  if (last < text.length) frag.append(text.slice(last));
  return frag;
}

let messageCounter = 0;

function newMessageId() {
  messageCounter += 1;
  return `${Date.now().toString(36)}-${messageCounter}`;
}

class ChatWidget {
  constructor(config) {
    this.config = config;
    this.texts = config.texts;
    this.sessionId = storageGet(localStorage, SESSION_KEY);
    this.greetPending = false;
    this.handoff = null; // null | {state: "waiting", ...} | {state: "person", name}
    this.seenIds = []; // ids of the assistant's messages rendered in this session
    this.lastSeen = null; // `ts` of the last one (null: none)
    this.lastPart = 0; // and its `part` (one stored message can go out in parts)
    this.seenKnown = true; // false for a transcript kept by a widget that recorded no ids
    this.transcript = this.loadTranscript();
    this.sessionConfirmed = false;
    this.typingTimer = null;
    this.messageEls = new Map();
    this.buildDom();
    this.renderTranscript();
    this.renderHandoff();
    this.connect();
    if (config.open || storageGet(sessionStorage, OPEN_KEY) === "1") this.open(false);
  }

  // ---------------------------------------------------------------- DOM

  buildDom() {
    const t = this.texts;
    const host = el("div", { id: "cancel-assistant-widget" });
    for (const [name, value] of Object.entries(themeProperties(this.config.colors))) {
      host.style.setProperty(name, value);
    }
    document.body.append(host);
    const root = host.attachShadow({ mode: "open" });
    this.host = host;
    root.append(el("style", { text: STYLE }));
    const side = this.config.position === "left" ? " left" : "";

    this.launcher = el("button", {
      type: "button",
      class: "launcher" + side,
      "aria-expanded": "false",
      "aria-controls": "ca-panel",
      text: t.launcher,
    });
    this.launcher.addEventListener("click", () => this.open(true));

    const titleId = "ca-title";
    this.statusEl = el("p", { class: "status", role: "status", "aria-live": "polite" });
    this.restartBtn = el("button", { type: "button", class: "restart", text: t.startOver });
    this.restartBtn.addEventListener("click", () => this.restart());
    this.closeBtn = el("button", {
      type: "button",
      class: "close",
      "aria-label": t.close,
      text: "\u00d7",
    });
    this.closeBtn.addEventListener("click", () => this.close());

    this.log = el("div", {
      class: "log",
      role: "log",
      "aria-live": "polite",
      "aria-relevant": "additions",
      "aria-label": t.conversation,
      tabindex: "0",
    });
    this.typingEl = el("div", { class: "typing", hidden: true, "aria-hidden": "true" }, [
      el("span"),
      el("span"),
      el("span"),
    ]);
    this.typingSr = el("p", { class: "sr-only", role: "status", "aria-live": "polite" });
    this.handoffEl = el("div", { class: "handoff-state", role: "status", "aria-live": "polite", hidden: true });

    const inputId = "ca-input";
    this.input = el("input", {
      id: inputId,
      type: "text",
      autocomplete: "off",
      maxlength: "1000",
      placeholder: t.placeholder,
    });
    this.sendBtn = el("button", { type: "submit", class: "send", text: t.send });
    this.form = el("form", { class: "composer" }, [
      el("label", { for: inputId, class: "sr-only", text: t.inputLabel }),
      this.input,
      this.sendBtn,
    ]);
    this.input.addEventListener("input", () => this.reportTyping());
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.sendTyped();
    });

    this.panel = el(
      "section",
      { id: "ca-panel", class: "panel" + side, hidden: true, "aria-labelledby": titleId },
      [
        el("header", {}, [
          el("div", { class: "heading" }, [
            el("h2", { id: titleId, text: this.config.title }),
            this.statusEl,
          ]),
          this.restartBtn,
          this.closeBtn,
        ]),
        this.log,
        this.typingEl,
        this.typingSr,
        this.handoffEl,
        this.form,
      ],
    );
    this.panel.addEventListener("keydown", (event) => {
      if (event.key === "Escape") this.close();
    });
    root.append(this.launcher, this.panel);
  }

  isOpen() {
    return !this.panel.hidden;
  }

  open(focus) {
    this.panel.hidden = false;
    this.launcher.hidden = true;
    this.launcher.setAttribute("aria-expanded", "true");
    storageSet(sessionStorage, OPEN_KEY, "1");
    this.maybeGreet();
    this.scrollToEnd();
    if (focus) this.input.focus();
  }

  close() {
    this.panel.hidden = true;
    this.launcher.hidden = false;
    this.launcher.setAttribute("aria-expanded", "false");
    storageSet(sessionStorage, OPEN_KEY, null);
    this.launcher.focus();
  }

  setStatus(state, text) {
    this.status = state;
    this.panel.dataset.status = state;
    this.host.dataset.status = state;
    this.statusEl.textContent = text;
  }

  scrollToEnd() {
    this.log.scrollTop = this.log.scrollHeight;
  }

  // ---------------------------------------------------------- transcript

  loadTranscript() {
    const raw = storageGet(sessionStorage, TRANSCRIPT_KEY);
    if (!raw) return [];
    try {
      const parsed = JSON.parse(raw);
      // only show a transcript that belongs to the stored session (none yet: both null)
      if (parsed && (parsed.sessionId || null) === (this.sessionId || null) && Array.isArray(parsed.messages)) {
        this.greetPending = parsed.greetPending === true;
        this.handoff = parsed.handoff && typeof parsed.handoff === "object" ? parsed.handoff : null;
        if (Array.isArray(parsed.seenIds)) this.seenIds = parsed.seenIds.filter((id) => typeof id === "string");
        else this.seenKnown = parsed.messages.length === 0; // shown before ids: unknown, ask for none
        if (typeof parsed.lastSeen === "number") this.lastSeen = parsed.lastSeen;
        if (typeof parsed.lastPart === "number") this.lastPart = parsed.lastPart;
        return parsed.messages;
      }
    } catch (_) {
      /* corrupt entry: start with an empty transcript */
    }
    return [];
  }

  saveTranscript() {
    const messages = this.transcript.slice(-MAX_STORED_MESSAGES);
    this.transcript = messages;
    storageSet(
      sessionStorage,
      TRANSCRIPT_KEY,
      JSON.stringify({
        sessionId: this.sessionId,
        greetPending: this.greetPending,
        handoff: this.handoff,
        seenIds: this.seenIds,
        lastSeen: this.lastSeen,
        lastPart: this.lastPart,
        messages,
      }),
    );
  }

  renderTranscript() {
    this.log.replaceChildren();
    this.messageEls.clear();
    this.transcript.forEach((message, index) => this.renderMessage(message, index));
    this.scrollToEnd();
  }

  addMessage(message) {
    this.transcript.push(message);
    this.saveTranscript();
    this.renderMessage(message, this.transcript.length - 1);
    this.scrollToEnd();
  }

  renderMessage(message, index) {
    const t = this.texts;
    const who = message.from === "user" ? "user" : "bot";
    const agent = message.from === "agent";
    const item = el("div", { class: `msg ${who}${agent ? " agent" : ""}` }, [
      agent
        ? el("span", { class: "sender", text: `${message.name} \u00b7 ${t.agentLabel}` })
        : el("span", { class: "sr-only", text: who === "user" ? t.you : t.assistant }),
    ]);
    if (message.text) item.append(el("p", {}, [renderText(message.text)]));
    if (message.image) {
      item.append(el("img", { src: message.image, alt: message.alt || t.imageAlt }));
    }
    if (message.id) this.messageEls.set(message.id, item);
    if (message.pending && !this.ready()) this.markUndelivered(item);
    this.log.append(item);

    const buttons = message.buttons || [];
    if (buttons.length) {
      const used = message.answered === true;
      const group = el("div", {
        class: "buttons",
        role: "group",
        "aria-label": t.suggestedReplies,
      });
      for (const button of buttons) {
        const b = el("button", {
          type: "button",
          class: "choice",
          text: button.title,
          disabled: used,
        });
        b.addEventListener("click", () => this.choose(index, button));
        group.append(b);
      }
      this.log.append(group);
    }
  }

  markUndelivered(item) {
    item.classList.add("undelivered");
    item.dataset.delivery = "not-delivered";
    item.append(el("p", { class: "delivery", text: this.texts.notDelivered }));
  }

  markDelivered(message) {
    const item = this.messageEls.get(message.id);
    if (!item || !item.classList.contains("undelivered")) return;
    item.classList.remove("undelivered");
    item.dataset.delivery = "delivered";
    for (const note of item.querySelectorAll(".delivery")) note.remove();
  }

  // Buttons of earlier messages stay visible but are disabled once anything was sent.
  retireButtons() {
    let changed = false;
    for (const message of this.transcript) {
      if (message.buttons && message.buttons.length && !message.answered) {
        message.answered = true;
        changed = true;
      }
    }
    if (changed) {
      for (const b of this.log.querySelectorAll("button.choice")) b.disabled = true;
    }
  }

  // ------------------------------------------------------------- sending

  sendTyped() {
    const text = this.input.value.trim();
    if (!text) return;
    this.input.value = "";
    this.send(text, text);
    this.input.focus();
  }

  choose(index, button) {
    const message = this.transcript[index];
    if (!message || message.answered) return;
    this.send(button.title, button.payload || button.title);
    this.input.focus();
  }

  // Show the customer's message and send `payload`; kept as pending until it went out.
  send(shownText, payload) {
    this.retireButtons();
    this.addMessage({ from: "user", text: shownText, payload, id: newMessageId(), pending: true });
    this.flush();
  }

  // The greeting intent, once per conversation, when the panel opens on an empty one.
  maybeGreet() {
    const intent = this.config.greetingIntent;
    if (this.greetPending || this.transcript.length) return;
    if (this.sessionId && storageGet(localStorage, GREETED_KEY) === this.sessionId) return;
    if (intent) this.greetPending = true;
    if (this.config.greeting) this.addMessage({ from: "bot", text: this.config.greeting });
    else this.saveTranscript();
    this.flush();
  }

  ready() {
    return Boolean(this.socket && this.socket.connected && this.sessionConfirmed);
  }

  emit(message) {
    this.socket.emit("user_uttered", { message, session_id: this.sessionId });
    this.showTyping();
  }

  // Send what waits (the greeting first, then the customer's messages in order).
  flush() {
    if (!this.ready()) return;
    let changed = false;
    if (this.greetPending) {
      this.emit(this.config.greetingIntent);
      storageSet(localStorage, GREETED_KEY, this.sessionId);
      this.greetPending = false;
      changed = true;
    }
    for (const message of this.transcript) {
      if (!message.pending) continue;
      this.emit(message.payload || message.text);
      message.pending = false;
      this.markDelivered(message);
      changed = true;
    }
    if (changed) this.saveTranscript();
  }

  showTyping() {
    // a person answers (or will): no dots pretending someone types
    if (this.handoff && this.handoff.state !== "off_duty") return;
    this.typingEl.hidden = false;
    this.typingSr.textContent = this.texts.typing;
    clearTimeout(this.typingTimer);
    this.typingTimer = setTimeout(() => this.hideTyping(), TYPING_TIMEOUT_MS);
    this.scrollToEnd();
  }

  hideTyping() {
    clearTimeout(this.typingTimer);
    this.typingEl.hidden = true;
    this.typingSr.textContent = "";
  }

  // ------------------------------------------------------------ receiving

  renderHandoff() {
    const t = this.texts;
    const state = this.handoff;
    if (!state) {
      this.handoffEl.hidden = true;
      this.handoffEl.textContent = "";
      return;
    }
    if (state.state === "off_duty") {
      this.renderOffDuty(state);
      return;
    }
    let text;
    if (state.state === "person") text = t.personAnswering.replace("{name}", state.name);
    else if (state.someoneAvailable || !state.position) text = t.waitingShortly;
    else {
      text = t.waitingInLine
        .replace("{position}", String(state.position))
        .replace("{minutes}", String(state.minutes || "?"));
    }
    this.handoffEl.className = "handoff-state" + (state.state === "person" ? " person" : "");
    this.handoffEl.textContent = text;
    this.handoffEl.hidden = false;
  }

  // While a person handles (or is about to handle) the chat, tell the staff console that the
  // customer is typing (at most every 3 s; needs data-backend-url).
  reportTyping() {
    const state = this.handoff;
    if (!this.config.backendUrl || !state || (state.state !== "person" && state.state !== "waiting")) return;
    const now = Date.now();
    if (this.typingSentAt && now - this.typingSentAt < TYPING_REPORT_MS) return;
    this.typingSentAt = now;
    fetch(`${this.config.backendUrl}/widget/v1/typing`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ conversation_id: this.sessionId }),
    }).catch(() => {});
  }

  // Off duty: an optional email for a reply (needs data-backend-url), and the reminder that the
  // assistant can finish the cancellation alone.
  renderOffDuty(state) {
    const t = this.texts;
    this.handoffEl.className = "handoff-state";
    this.handoffEl.hidden = false;
    if (state.email) {
      this.handoffEl.textContent = t.emailThanks.replace("{email}", state.email);
      return;
    }
    const input = el("input", { id: "ca-reply-email", type: "email", autocomplete: "email", maxlength: "254" });
    const error = el("span", { class: "email-error" });
    const skip = el("button", { type: "button", class: "secondary", text: t.emailSkip });
    skip.addEventListener("click", () => this.setHandoff(null));
    const form = el("form", { class: "reply-email" }, [
      el("label", { for: "ca-reply-email", text: t.emailLabel }),
      input,
      el("button", { type: "submit", text: t.emailSend }),
      skip,
      error,
    ]);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const email = input.value.trim();
      if (!email) return;
      try {
        const answer = await fetch(`${this.config.backendUrl}/widget/v1/reply-email`, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ conversation_id: this.sessionId, email }),
        });
        if (!answer.ok) throw new Error(String(answer.status));
        this.setHandoff({ state: "off_duty", email });
      } catch (_) {
        error.textContent = t.emailFailed;
      }
    });
    this.handoffEl.replaceChildren(el("p", { text: t.offDuty }), form);
  }

  setHandoff(state) {
    this.handoff = state;
    this.saveTranscript();
    this.renderHandoff();
  }

  // Custom messages of the handoff (see the header); true when `data` was one.
  onHandoffMessage(data) {
    if (data.handoff === "off_duty") {
      if (this.config.backendUrl) this.setHandoff({ state: "off_duty" });
      return true;
    }
    if (data.handoff === "waiting") {
      const position = Number(data.position) || 0;
      const minutes = Number(data.expected_wait_minutes) || 0;
      this.setHandoff({ state: "waiting", position, minutes, someoneAvailable: data.someone_available === true });
      return true;
    }
    if (data.from === "agent" && typeof data.text === "string") {
      const name = typeof data.name === "string" && data.name ? data.name : "Support";
      this.setHandoff({ state: "person", name });
      this.addMessage({ from: "agent", name, text: data.text });
      return true;
    }
    if (data.handoff === "ended") {
      this.setHandoff(null);
      if (typeof data.text === "string") this.addMessage({ from: "bot", text: data.text });
      return true;
    }
    return false;
  }

  // False when message `data` was rendered already (live and re-sent after a reconnect).
  firstSight(data) {
    if (typeof data.id !== "string") return true;
    if (this.seenIds.includes(data.id)) return false;
    this.seenIds.push(data.id);
    if (this.seenIds.length > MAX_SEEN_IDS) this.seenIds = this.seenIds.slice(-MAX_SEEN_IDS);
    const part = typeof data.part === "number" ? data.part : 0;
    if (typeof data.ts === "number" && (this.lastSeen === null || data.ts > this.lastSeen)) {
      this.lastSeen = data.ts;
      this.lastPart = part;
    } else if (data.ts === this.lastSeen && part > this.lastPart) {
      this.lastPart = part;
    }
    this.saveTranscript();
    return true;
  }

  // What this socket asks for on (re)connect: the session and, when this page has taken part
  // in it, the last assistant message it rendered (0: none yet), so missed ones are re-sent.
  sessionRequest() {
    const request = { session_id: this.sessionId };
    if (this.sessionId && (this.lastSeen !== null || (this.transcript.length && this.seenKnown))) {
      request.last_seen = this.lastSeen === null ? 0 : this.lastSeen;
      request.last_part = this.lastPart;
    }
    return request;
  }

  onBotUttered(data) {
    if (!data || typeof data !== "object") return;
    if (!this.firstSight(data)) return;
    this.hideTyping();
    if (this.onHandoffMessage(data)) return;
    const message = { from: "bot" };
    if (typeof data.text === "string") message.text = data.text;
    const replies = data.quick_replies || data.buttons || [];
    if (Array.isArray(replies) && replies.length) {
      message.buttons = replies
        .filter((r) => r && typeof r.title === "string")
        .map((r) => ({ title: r.title, payload: typeof r.payload === "string" ? r.payload : r.title }));
    }
    const attachment = data.attachment;
    if (attachment && attachment.type === "image" && attachment.payload && attachment.payload.src) {
      message.image = String(attachment.payload.src);
    }
    if (!message.text && !message.image && !(message.buttons && message.buttons.length)) return;
    this.addMessage(message);
  }

  // ----------------------------------------------------------- connection

  connect() {
    const t = this.texts;
    this.setStatus("connecting", t.connecting);
    const socket = io(this.config.socketUrl, {
      path: this.config.socketPath,
      // WebSocket only: no cross-origin long-polling requests, which Rasa's socket.io
      // server does not answer with CORS headers.
      transports: ["websocket"],
      reconnection: true,
      reconnectionDelay: 1000,
      reconnectionDelayMax: 10000,
    });
    this.socket = socket;

    socket.on("connect", () => {
      this.sessionConfirmed = false;
      this.setStatus("connecting", t.connecting);
      // (re-)join our conversation: a new socket id must re-enter the session room
      socket.emit("session_request", this.sessionRequest());
    });

    socket.on("session_confirm", (data) => {
      const id = typeof data === "string" ? data : data && data.session_id;
      if (!id) return;
      if (id !== this.sessionId) {
        this.sessionId = id;
        storageSet(localStorage, SESSION_KEY, id);
        this.saveTranscript();
      }
      this.sessionConfirmed = true;
      this.setStatus("online", t.connected);
      this.flush();
    });

    socket.on("bot_uttered", (data) => this.onBotUttered(data));

    socket.on("disconnect", (reason) => {
      this.sessionConfirmed = false;
      if (reason === "io client disconnect") {
        this.setStatus("offline", t.disconnected);
      } else {
        this.setStatus("reconnecting", t.reconnecting);
      }
    });

    socket.on("connect_error", () => {
      this.setStatus("reconnecting", t.unreachable);
    });
  }

  restart() {
    storageSet(localStorage, SESSION_KEY, null);
    storageSet(sessionStorage, TRANSCRIPT_KEY, null);
    this.sessionId = null;
    this.transcript = [];
    this.greetPending = false;
    this.handoff = null;
    this.seenIds = [];
    this.lastSeen = null;
    this.lastPart = 0;
    this.seenKnown = true;
    this.hideTyping();
    this.renderTranscript();
    this.renderHandoff();
    if (this.socket) {
      this.sessionConfirmed = false;
      if (this.socket.connected) this.socket.emit("session_request", { session_id: null });
    }
    if (this.isOpen()) {
      this.maybeGreet();
      this.input.focus();
    }
  }
}

// The page's handle on the widget (docs/channels.md, "JavaScript API").
function publicApi(widget) {
  return Object.freeze({
    /** Open the panel (greets on a new conversation) and focus the input. */
    open: () => widget.open(true),
    /** Close the panel; focus returns to the launcher. */
    close: () => widget.close(),
    /** Forget the conversation and start a new one (greeted again when the panel is open). */
    startOver: () => widget.restart(),
    /** Open the panel and send `text` as the customer's message; false for empty text. */
    send: (text) => {
      const value = typeof text === "string" ? text.trim() : "";
      if (!value) return false;
      if (!widget.isOpen()) widget.open(false);
      widget.send(value, value);
      return true;
    },
    /** Whether the panel is open. */
    isOpen: () => widget.isOpen(),
    /** "connecting", "online", "reconnecting" or "offline". */
    status: () => widget.status,
  });
}

// document.currentScript is only set while this script first runs: read the tag now.
const SCRIPT_TAG = findScriptTag();

function start() {
  const script = SCRIPT_TAG || findScriptTag();
  const data = (script && script.dataset) || {};
  if (!data.socketUrl) {
    console.error("cancel-assistant widget: data-socket-url is missing on the script tag");
    return;
  }
  const api = publicApi(new ChatWidget(readConfig(data)));
  window.CancelWidget = api;
  window.dispatchEvent(new CustomEvent("cancelwidget:ready", { detail: api }));
}

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", start, { once: true });
} else {
  start();
}
