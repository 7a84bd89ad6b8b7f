// Styles of the widget, applied inside its shadow root (the host page's CSS cannot leak in).
export const STYLE = `
:host {
  all: initial;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; /* buttons inherit it */
  --ca-primary: #1f4e79; --ca-on-primary: #fff; --ca-focus: #1f4e79; --ca-focus-on-primary: #fff;
  --ca-border: #5c6773;
}
* { box-sizing: border-box; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
.sr-only {
  position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px;
  overflow: hidden; clip: rect(0, 0, 0, 0); white-space: nowrap; border: 0;
}
button { font: inherit; cursor: pointer; }
/* Focus rings and the input border keep at least 3:1 contrast against what is behind them
   (config.js picks --ca-focus; tests/channels/test_widget_branding.py measures it). */
button:focus-visible, input:focus-visible, .log:focus-visible, a:focus-visible {
  outline: 3px solid var(--ca-focus); outline-offset: 2px;
}
header button:focus-visible { outline-color: var(--ca-focus-on-primary); }
.msg.user a:focus-visible { outline-color: var(--ca-focus-on-primary); }
.launcher {
  position: fixed; right: 20px; bottom: 20px; z-index: 2147483000;
  padding: 12px 18px; border: 0; border-radius: 24px;
  background: var(--ca-primary); color: var(--ca-on-primary); font-size: 15px;
  box-shadow: 0 2px 8px rgba(0,0,0,.3);
}
.launcher.left, .panel.left { right: auto; left: 20px; }
.panel {
  position: fixed; right: 20px; bottom: 20px; z-index: 2147483000;
  width: min(380px, calc(100vw - 24px)); height: min(560px, calc(100vh - 40px));
  display: flex; flex-direction: column; background: #fff; color: #1a1a1a;
  border-radius: 12px; box-shadow: 0 4px 24px rgba(0,0,0,.3); overflow: hidden; font-size: 15px;
}
/* Phones: the panel is the whole screen. */
@media (max-width: 480px) {
  .panel, .panel.left {
    top: 0; right: 0; bottom: 0; left: 0; width: 100%; height: 100%; border-radius: 0; box-shadow: none;
  }
}
.panel[hidden], .launcher[hidden], .typing[hidden] { display: none; }
header {
  display: flex; align-items: center; gap: 8px; padding: 10px 12px;
  background: var(--ca-primary); color: var(--ca-on-primary);
}
.heading { flex: 1; min-width: 0; }
h2 { margin: 0; font-size: 16px; font-weight: 600; }
.status { margin: 2px 0 0; font-size: 12px; opacity: .9; }
.panel[data-status="online"] .status::before { content: "\\25CF  "; color: #7ed321; }
.panel[data-status="reconnecting"] .status::before,
.panel[data-status="connecting"] .status::before { content: "\\25CF  "; color: #f5a623; }
.panel[data-status="offline"] .status::before { content: "\\25CF  "; color: #d0021b; }
header button {
  border: 1px solid currentColor; background: transparent; color: var(--ca-on-primary);
  border-radius: 6px; padding: 4px 8px; font-size: 13px;
}
header .close { font-size: 18px; line-height: 1; padding: 2px 8px; }
.log { flex: 1; overflow-y: auto; padding: 12px; display: flex; flex-direction: column; gap: 8px; }
.msg { max-width: 85%; padding: 8px 12px; border-radius: 12px; line-height: 1.4; }
.msg p { margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; }
.msg img { max-width: 100%; border-radius: 6px; }
.msg.bot { align-self: flex-start; background: #eef2f6; border-bottom-left-radius: 4px; }
.msg.user {
  align-self: flex-end; background: var(--ca-primary); color: var(--ca-on-primary); border-bottom-right-radius: 4px;
}
.msg.user a { color: var(--ca-on-primary); }
.msg.bot a { color: var(--ca-focus); }
.msg.agent { background: #e6f4ea; border: 1px solid #9ccfa9; }
.msg .sender { display: block; font-size: 12px; font-weight: 600; color: #1d5c2e; margin-bottom: 2px; }
.handoff-state { margin: 0 16px 8px; padding: 6px 10px; border-radius: 8px; background: #fff7e0; color: #5c4600; font-size: 13px; }
.handoff-state.person { background: #e6f4ea; color: #1d5c2e; }
.handoff-state[hidden] { display: none; }
.handoff-state p { margin: 0 0 6px; }
.reply-email { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; }
.reply-email label { width: 100%; font-weight: 600; }
.reply-email input { flex: 1; min-width: 140px; padding: 6px 8px; border: 1px solid var(--ca-border); border-radius: 6px; font: inherit; }
.reply-email button { padding: 6px 10px; border-radius: 6px; border: 1px solid var(--ca-primary); background: var(--ca-primary); color: var(--ca-on-primary); font: inherit; cursor: pointer; }
.reply-email button.secondary { background: #fff; color: #1a1a1a; border-color: var(--ca-border); }
.reply-email .email-error { width: 100%; color: #a01818; }
/* A message typed while the assistant is unreachable: kept, marked, sent on reconnect. */
.msg.user.undelivered { background: #fff; color: #1a1a1a; border: 2px dashed var(--ca-border); }
.msg.user.undelivered a { color: #1a1a1a; }
.delivery { margin: 4px 0 0; font-size: 12px; color: #8a1c1c; }
.delivery::before { content: "\\26A0  "; }
.buttons { display: flex; flex-wrap: wrap; gap: 6px; align-self: flex-start; max-width: 85%; }
.choice {
  border: 1px solid var(--ca-focus); background: #fff; color: var(--ca-focus);
  border-radius: 16px; padding: 6px 12px; font-size: 14px;
}
.choice:hover:not(:disabled) { background: var(--ca-primary); color: var(--ca-on-primary); }
.choice:disabled { opacity: .5; cursor: default; }
.typing { display: flex; gap: 4px; padding: 0 16px 8px; }
.typing span {
  width: 8px; height: 8px; border-radius: 50%; background: #8a99a8;
  animation: blink 1.2s infinite ease-in-out;
}
.typing span:nth-child(2) { animation-delay: .2s; }
.typing span:nth-child(3) { animation-delay: .4s; }
@keyframes blink { 0%, 80%, 100% { opacity: .3; } 40% { opacity: 1; } }
@media (prefers-reduced-motion: reduce) { .typing span { animation: none; } }
.composer { display: flex; gap: 8px; padding: 10px; border-top: 1px solid #dde3ea; }
.composer input {
  flex: 1; min-width: 0; padding: 8px 10px; border: 1px solid var(--ca-border); border-radius: 8px;
  font-size: 15px; background: #fff; color: #1a1a1a;
}
.send { border: 0; border-radius: 8px; padding: 8px 14px; background: var(--ca-primary); color: var(--ca-on-primary); }
`;
