// Staff console: follows the backend's server-sent events (no polling) to refresh the queue and
// the open chat, shows the customer typing, alerts on new and newly assigned chats (a line, a browser
// notification when allowed, a sound when turned on), and sends forms as JSON with the CSRF token. Every value from the server is inserted as text (never as HTML).
(function () {
  "use strict";
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  var page = document.body.getAttribute("data-page");

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function waited(seconds) {
    if (seconds < 60) return seconds + " s";
    if (seconds < 3600) return Math.floor(seconds / 60) + " min";
    return Math.floor(seconds / 3600) + " h " + Math.floor((seconds % 3600) / 60) + " min";
  }

  async function getJSON(url) {
    var answer = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
    if (answer.status === 401) { window.location.assign("/console/login"); return null; }
    return answer.ok ? answer.json() : null;
  }

  async function postJSON(url, body) {
    var answer = await fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body || {})
    });
    if (answer.status === 401) { window.location.assign("/console/login"); return null; }
    var data = {};
    try { data = await answer.json(); } catch (e) { data = {}; }
    data.ok = answer.ok;
    return data;
  }

  function say(text) {
    var box = document.getElementById("status");
    if (box) box.textContent = text || "";
  }

  // ---- queue page
  function queueState(h) {
    if (h.status === "assigned" && h.assigned_to) return "With " + h.assigned_to;
    if (h.status === "closed" && h.outcome_text) return "Closed: " + h.outcome_text.charAt(0).toLowerCase() + h.outcome_text.slice(1);
    return h.status_text;
  }

  // A chat newly assigned to me (by a supervisor) or newly waiting: a banner and, when the
  // browser allows it, a notification.
  var known = null;
  function alertNew(handoffs, except) {
    var now = {};
    handoffs = handoffs.filter(function (h) { return String(h.id) !== except; });
    handoffs.forEach(function (h) { now[h.id] = h.assigned_to_me ? "mine" : h.status; });
    if (known) {
      handoffs.forEach(function (h) {
        var before = known[h.id];
        if (h.assigned_to_me && before !== "mine" && h.status === "assigned") {
          notify("Chat #" + h.id + " was assigned to you", (h.customer_name || "Customer not verified") + " · " + h.reason_text);
        } else if (before === undefined && h.status === "queued") {
          notify("New chat waiting: #" + h.id, (h.customer_name || "Customer not verified") + " · " + h.reason_text);
        }
      });
    }
    known = now;
  }

  function notify(title, body) {
    var flash = document.getElementById("flash");
    if (flash) flash.textContent = title + " (" + body + ")";
    if ("Notification" in window && Notification.permission === "granted") {
      try { new Notification(title, { body: body }); } catch (e) { /* not allowed here */ }
    }
    if (soundOn()) chime();
  }

  // Optional sound with the alerts: off until the staff user turns it on (kept in this browser).
  var audio = null;
  function soundOn() {
    try { return localStorage.getItem("console:sound") === "on"; } catch (e) { return false; }
  }
  function chime() {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return;
    try {
      audio = audio || new Context();
      var tone = audio.createOscillator(), gain = audio.createGain();
      tone.frequency.value = 880;
      gain.gain.setValueAtTime(0.2, audio.currentTime);
      gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.4);
      tone.connect(gain); gain.connect(audio.destination);
      tone.start(); tone.stop(audio.currentTime + 0.4);
    } catch (e) { /* no audio here */ }
  }
  function soundToggle() {
    var button = document.getElementById("sound");
    if (!button) return;
    function show() {
      var on = soundOn();
      button.textContent = "Sound on new chats: " + (on ? "on" : "off");
      button.setAttribute("aria-pressed", on ? "true" : "false");
    }
    button.hidden = false;
    show();
    button.addEventListener("click", function () {
      try { localStorage.setItem("console:sound", soundOn() ? "off" : "on"); } catch (e) { /* storage off */ }
      show();
      if (soundOn()) chime(); // a sample, and browsers let audio start only after a click
    });
  }

  // On a chat page, chats newly assigned to me or newly waiting are announced too.
  async function watchQueue() {
    var chat = document.getElementById("chat");
    var data = await getJSON("/console/api/handoffs");
    if (data && !leaving) alertNew(data.handoffs, chat ? String(chat.dataset.handoff) : null);
  }

  // A line kept across the page's own reload or move to the queue.
  function keepFlash(text) {
    try { sessionStorage.setItem("console:flash", text || ""); } catch (e) { /* storage off */ }
  }
  function showKeptFlash() {
    var flash = document.getElementById("flash");
    try {
      var done = sessionStorage.getItem("console:flash");
      if (flash && done) flash.textContent = done;
      sessionStorage.removeItem("console:flash");
    } catch (e) { /* storage off */ }
  }

  async function refreshQueue() {
    var data = await getJSON("/console/api/handoffs" + window.location.search);
    var body = document.getElementById("queue-rows");
    if (!data || !body) return;
    alertNew(data.handoffs);
    body.textContent = "";
    data.handoffs.forEach(function (h) {
      var row = el("tr");
      var link = el("a", null, "#" + h.id);
      link.href = "/console/handoffs/" + h.id;
      var first = el("td"); first.appendChild(link); row.appendChild(first);
      row.appendChild(el("td", null, h.account_number ? h.customer_name + " · " + h.account_number : "Not verified"));
      row.appendChild(el("td", null, queueState(h)));
      row.appendChild(el("td", null, h.reason_text));
      row.appendChild(el("td", null, h.channel_text));
      row.appendChild(el("td", null, waited(h.waiting_seconds)));
      body.appendChild(row);
    });
    if (!data.handoffs.length) {
      var empty = el("tr"); var cell = el("td", "notice", "No chats here."); cell.colSpan = 6;
      empty.appendChild(cell); body.appendChild(empty);
    }
    var duty = document.getElementById("duty-text");
    if (duty && data.duty) duty.textContent = data.duty.on_duty ? "On duty" :
      "Off duty" + (data.duty.next_opening_text ? " until " + data.duty.next_opening_text : "");
  }

  // ---- chat page
  function renderTranscript(lines) {
    var list = document.getElementById("transcript");
    if (!list || !lines) return;
    var atBottom = list.scrollTop + list.clientHeight >= list.scrollHeight - 10;
    list.textContent = "";
    lines.forEach(function (line) {
      var item = el("li", line.who);
      if (line.time) item.appendChild(el("time", null, line.time));
      if (line.who !== "event" && line.who !== "system") {
        item.appendChild(el("span", "who", line.name || ""));
        if (line.pressed) { item.appendChild(document.createTextNode(" ")); item.appendChild(el("span", "badge", "button")); }
      }
      item.appendChild(el("span", "text", line.text));
      if (line.options && line.options.length) item.appendChild(el("span", "options", "Offered: " + line.options.join(" · ")));
      list.appendChild(item);
    });
    if (atBottom) list.scrollTop = list.scrollHeight;
  }

  var leaving = false; // this page is going to the queue (hand back, close): no reload
  async function refreshChat() {
    var chat = document.getElementById("chat");
    if (!chat) return;
    var data = await getJSON("/console/api/handoffs/" + chat.dataset.handoff);
    if (!data) return;
    if (leaving) return;
    if (data.handoff.status !== chat.dataset.status) {
      // someone else changed it (a supervisor assigned it to me, took or closed it): reload
      if (data.handoff.status === "assigned" && data.handoff.assigned_to_me) {
        var title = "Chat #" + data.handoff.id + " was assigned to you";
        notify(title, (data.handoff.customer_name || "Customer not verified") + " · " + data.handoff.reason_text);
        keepFlash(title);
      }
      leaving = true;
      window.location.reload(); return;
    }
    renderTranscript(data.transcript);
  }

  function ajaxForms() {
    document.querySelectorAll("form[data-ajax]").forEach(function (form) {
      form.addEventListener("submit", async function (event) {
        event.preventDefault();
        var body = {};
        new FormData(form).forEach(function (value, key) { if (key !== "csrf_token") body[key] = value; });
        var button = form.querySelector("button"); if (button) button.disabled = true;
        // this page's own action: the live events it causes must not reload or alert it
        var moving = form.dataset.ajax === "queue" || form.dataset.ajax === "reload";
        if (moving) leaving = true;
        try {
          var answer = await postJSON(form.action, body);
          if (!answer) return;
          if (!answer.ok) { leaving = false; say(answer.message || "That did not work."); return; }
          say("");
          if (form.dataset.ajax === "queue") {
            keepFlash(form.dataset.done);
            window.location.assign("/console/queue"); return;
          }
          if (form.dataset.ajax === "reload") { window.location.reload(); return; }
          var text = form.querySelector("textarea"); if (text) { text.value = ""; text.focus(); }
          await refreshChat();
        } finally { if (button) button.disabled = false; }
      });
    });
    var reply = document.querySelector("form#reply textarea");
    if (reply) reply.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); reply.form.requestSubmit(); }
    });
  }

  ajaxForms();
  var picker = document.getElementById("canned");
  if (picker) picker.addEventListener("change", function () {
    var option = picker.options[picker.selectedIndex];
    var box = document.getElementById("reply-text");
    if (option && option.dataset.text && box) { box.value = option.dataset.text; box.focus(); }
    picker.selectedIndex = 0;
  });
  showKeptFlash();
  if (page === "queue") {
    refreshQueue();
  }
  if (page === "chat") {
    var list = document.getElementById("transcript"); if (list) list.scrollTop = list.scrollHeight;
    watchQueue();
  }
  soundToggle();
  if ((page === "queue" || page === "chat") && "Notification" in window && Notification.permission === "default") {
    document.addEventListener("click", function ask() {
      Notification.requestPermission(); document.removeEventListener("click", ask);
    });
  }

  // Live: the backend's server-sent events say what changed; the page then reloads only that.
  var typingTimer = null;
  function showTyping() {
    var box = document.getElementById("typing");
    if (!box) return;
    box.hidden = false;
    clearTimeout(typingTimer);
    typingTimer = setTimeout(function () { box.hidden = true; }, 6000);
  }

  function follow() {
    if (!("EventSource" in window) || (page !== "queue" && page !== "chat")) return;
    var source = new EventSource("/console/api/events");
    var chat = document.getElementById("chat");
    var mine = chat ? String(chat.dataset.handoff) : null;
    source.addEventListener("ready", function () { document.body.dataset.live = "on"; });
    source.addEventListener("queue", function (event) {
      if (page === "queue") { refreshQueue(); return; }
      var data = JSON.parse(event.data);
      if (String(data.id) === mine) refreshChat();
      watchQueue();
    });
    source.addEventListener("chat", function (event) {
      var data = JSON.parse(event.data);
      if (page === "queue") { refreshQueue(); return; }
      if (String(data.id) === mine) {
        var box = document.getElementById("typing"); if (box) box.hidden = true;
        refreshChat();
      }
    });
    source.addEventListener("typing", function (event) {
      if (String(JSON.parse(event.data).id) === mine) showTyping();
    });
    source.onerror = function () { document.body.dataset.live = "reconnecting"; };
  }
  follow();
})();
