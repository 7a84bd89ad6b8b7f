// Staff console: refreshes the queue and the open chat, and sends forms as JSON with the CSRF
// token. Every value from the server is inserted as text (never as HTML).
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
  async function refreshQueue() {
    var closed = new URLSearchParams(window.location.search).get("closed") === "1";
    var data = await getJSON("/console/api/handoffs" + (closed ? "?closed=1" : ""));
    var body = document.getElementById("queue-rows");
    if (!data || !body) return;
    body.textContent = "";
    data.handoffs.forEach(function (h) {
      var row = el("tr");
      var link = el("a", null, "#" + h.id);
      link.href = "/console/handoffs/" + h.id;
      var first = el("td"); first.appendChild(link); row.appendChild(first);
      row.appendChild(el("td", null, h.status + (h.assigned_to ? " (" + h.assigned_to + ")" : "")));
      row.appendChild(el("td", null, h.reason));
      row.appendChild(el("td", null, h.channel));
      row.appendChild(el("td", null, h.account_number || "not verified"));
      row.appendChild(el("td", null, waited(h.waiting_seconds)));
      body.appendChild(row);
    });
    if (!data.handoffs.length) {
      var empty = el("tr"); var cell = el("td", "notice", "No chats waiting."); cell.colSpan = 6;
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
      var who = line.who === "agent" ? (line.name || "Agent") : line.who === "customer" ? "Customer" :
        line.who === "assistant" ? "Assistant" : "";
      if (who) item.appendChild(el("span", "who", who + ":"));
      item.appendChild(el("span", "text", line.text));
      list.appendChild(item);
    });
    if (atBottom) list.scrollTop = list.scrollHeight;
  }

  async function refreshChat() {
    var id = document.body.getAttribute("data-handoff") || (document.getElementById("chat") || {}).dataset.handoff;
    if (!id) return;
    var data = await getJSON("/console/api/handoffs/" + id);
    if (!data) return;
    renderTranscript(data.transcript);
    var status = document.getElementById("handoff-status");
    if (status) status.textContent = data.handoff.status + (data.handoff.assigned_to ? " · " + data.handoff.assigned_to : "");
  }

  function ajaxForms() {
    document.querySelectorAll("form[data-ajax]").forEach(function (form) {
      form.addEventListener("submit", async function (event) {
        event.preventDefault();
        var body = {};
        new FormData(form).forEach(function (value, key) { if (key !== "csrf_token") body[key] = value; });
        var button = form.querySelector("button"); if (button) button.disabled = true;
        try {
          var answer = await postJSON(form.action, body);
          if (!answer) return;
          if (!answer.ok) { say(answer.message || "That did not work."); return; }
          say("");
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
  if (page === "queue") { setInterval(refreshQueue, 3000); }
  if (page === "chat") {
    var list = document.getElementById("transcript"); if (list) list.scrollTop = list.scrollHeight;
    setInterval(refreshChat, 2000);
  }
})();
