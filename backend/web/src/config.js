// The widget's settings, read from the data- attributes of its <script> tag (docs/channels.md,
// "Snippet"): connection, branding (title, colours, position, greeting) and every text it shows.

import { INK, WHITE, css, legibleOn, resolveColor } from "./colors.js";

export const DEFAULT_TITLE = "Cancellation assistant";
export const DEFAULT_PRIMARY = "#1f4e79";
export const DEFAULT_GREETING_INTENT = "/greet";

// Every text the widget shows; each can be replaced with data-text-<kebab-case key>,
// e.g. data-text-placeholder, data-text-start-over, data-text-not-delivered.
export const DEFAULT_TEXTS = {
  launcher: "", // empty: the title
  placeholder: "Type a message\u2026",
  send: "Send",
  inputLabel: "Your message",
  startOver: "Start over",
  close: "Close chat",
  conversation: "Conversation",
  you: "You: ",
  assistant: "Assistant: ",
  suggestedReplies: "Suggested replies",
  typing: "The assistant is typing\u2026",
  connecting: "Connecting\u2026",
  connected: "Connected",
  reconnecting: "Connection lost. Reconnecting\u2026",
  unreachable: "Cannot reach the assistant. Retrying\u2026",
  disconnected: "Disconnected",
  notDelivered: "Not delivered yet: it is sent when the connection is back.",
  imageAlt: "Image from the assistant",
  agentLabel: "support team",
  waitingShortly: "Waiting for a person: someone will be with you shortly.",
  waitingInLine: "Waiting for a person: you're number {position} in line, about {minutes} min.",
  personAnswering: "{name} from our support team is answering.",
  offDuty: "No one from our team is on duty now. Want a reply by email? (optional: you can finish cancelling here without anyone)",
  emailLabel: "Email for a reply",
  emailSend: "Send",
  emailSkip: "No thanks",
  emailThanks: "Thanks: our team will reply to {email} when they are back.",
  emailFailed: "That did not work; check the address and try again.",
};

// The dataset name of a text key: "startOver" -> "textStartOver" (attribute data-text-start-over).
function datasetKey(textKey) {
  return "text" + textKey[0].toUpperCase() + textKey.slice(1);
}

function readTexts(data, title) {
  const texts = {};
  for (const [key, fallback] of Object.entries(DEFAULT_TEXTS)) {
    const given = data[datasetKey(key)];
    texts[key] = typeof given === "string" && given.trim() ? given : fallback;
  }
  if (!texts.launcher) texts.launcher = title;
  return texts;
}

function greetingIntent(value) {
  if (value === undefined) return DEFAULT_GREETING_INTENT;
  const trimmed = value.trim();
  return !trimmed || ["off", "none", "false"].includes(trimmed.toLowerCase()) ? null : trimmed;
}

/** The widget's configuration from a script tag's dataset (a DOMStringMap or a plain object). */
export function readConfig(data) {
  const title = (data.title || "").trim() || DEFAULT_TITLE;
  return {
    socketUrl: data.socketUrl,
    socketPath: data.socketPath || "/socket.io",
    backendUrl: (data.backendUrl || "").trim().replace(/\/+$/, ""),
    title,
    open: data.open === "true",
    position: (data.position || "").trim().toLowerCase() === "left" ? "left" : "right",
    greeting: (data.greeting || "").trim(),
    greetingIntent: greetingIntent(data.greetingIntent),
    colors: {
      primary: data.colorPrimary,
      onPrimary: data.colorOnPrimary,
      focus: data.colorFocus,
    },
    texts: readTexts(data, title),
  };
}

/**
 * CSS custom properties of the theme. A brand colour is used as given where it only decorates;
 * where something must stand out (focus rings, the input border) the colour is checked against
 * its background and replaced by the widget's ink colour when it has less than 3:1 contrast.
 */
export function themeProperties(colors) {
  const primary = resolveColor(colors.primary) || resolveColor(DEFAULT_PRIMARY);
  const onPrimary = legibleOn(primary, [resolveColor(colors.onPrimary), WHITE, INK], 4.5);
  const focus = legibleOn(WHITE, [resolveColor(colors.focus), primary, INK]);
  return {
    "--ca-primary": css(primary),
    "--ca-on-primary": css(onPrimary),
    "--ca-focus": css(focus),
    // the ring around controls in the header sits on the primary colour
    "--ca-focus-on-primary": css(legibleOn(primary, [onPrimary, WHITE, INK])),
  };
}
