/* Questions to local actors in the field app: the open questions asked of this user (kept on the
   device for offline use), answered in a few taps; an initiative's feedback request in two (better / same /
   worse, then send), its optional text checked for names and places first as an observation's description is. Answers wait in IndexedDB ("geo-indi-questions")
   like observations do and are sent when the phone is online again. */
(function () {
  "use strict";
  var root = document.getElementById("field-questions");
  if (!root) { return; }
  var URL_LIST = root.dataset.url;
  var URL_CHECK = root.dataset.checkUrl;
  var USERNAME = root.dataset.username;
  var CACHE_KEY = "geo-indi-questions:" + USERNAME;
  var list = document.getElementById("question-list");
  var status = document.getElementById("question-status");
  var sending = false;

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }
  function newUuid() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  function el(tag, attrs, textValue) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (textValue !== undefined) { node.textContent = textValue; }
    return node;
  }

  // ---------- outbox (IndexedDB) ----------
  var dbPromise = null;
  function db() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        var req = indexedDB.open("geo-indi-questions", 1);
        req.onupgradeneeded = function () { req.result.createObjectStore("outbox", { keyPath: "client_uuid" }); };
        req.onsuccess = function () { resolve(req.result); };
        req.onerror = function () { reject(req.error); };
      });
    }
    return dbPromise;
  }
  function outbox(mode, work) {
    return db().then(function (database) {
      return new Promise(function (resolve, reject) {
        var tx = database.transaction("outbox", mode);
        var result = work(tx.objectStore("outbox"));
        tx.oncomplete = function () { resolve(result && "result" in result ? result.result : undefined); };
        tx.onerror = function () { reject(tx.error); };
      });
    });
  }
  function waitingAnswers() {
    return outbox("readonly", function (s) { return s.getAll(); }).then(function (items) {
      return (items || []).filter(function (i) { return i.username === USERNAME; });
    });
  }

  function renderStatus() {
    return waitingAnswers().then(function (items) {
      status.dataset.waiting = String(items.length);
      status.textContent = items.length ? ngettext("%s answer waits on this device.", "%s answers wait on this device.",
        items.length).replace("%s", items.length) : "";
      return items;
    });
  }

  function send() {
    if (sending || !navigator.onLine) { return Promise.resolve(); }
    sending = true;
    return waitingAnswers().then(function (items) {
      return items.reduce(function (chain, item) {
        return chain.then(function () {
          return fetch(item.url, {
            method: "POST", credentials: "same-origin",
            headers: { "Accept": "application/json", "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
            body: JSON.stringify(item.body)
          }).then(function (response) {
            // Sent, or refused for good (closed, not asked of me): either way it leaves the outbox.
            if (response.ok || (response.status >= 400 && response.status < 500 && response.status !== 429)) {
              return outbox("readwrite", function (s) { return s.delete(item.client_uuid); });
            }
          }, function () { /* still offline */ });
        });
      }, Promise.resolve());
    }).then(function () { sending = false; return renderStatus(); }, function () { sending = false; })
      .then(load);
  }

  // ---------- questions ----------
  function answerBody(q, form) {
    var body = { client_uuid: newUuid(), text: "", choice: "", trend: "", verdict: "", progress: [] };
    var data = new FormData(form);
    body.text = (data.get("text") || "").trim();
    if (q.kind === "choice") { body.choice = data.get("choice") || ""; }
    if (q.kind === "trend" || q.kind === "review") { body.trend = data.get("trend") || ""; }
    if (q.kind === "feedback") { body.verdict = data.get("verdict") || ""; }
    if (q.kind === "review") { body.progress = q.options.map(function (_o, i) { return data.get("progress-" + i) || ""; }); }
    return body;
  }

  function radios(form, name, choices, legendText) {
    var fieldset = el("fieldset", { "class": "choice-list" });
    fieldset.appendChild(el("legend", {}, legendText));
    choices.forEach(function (choice, i) {
      var id = form.id + "-" + name + "-" + i;
      var row = el("div", { "class": "choice" });
      var input = el("input", { type: "radio", name: name, id: id, value: choice[0] });
      row.appendChild(input);
      row.appendChild(el("label", { "for": id }, choice[1]));
      fieldset.appendChild(row);
    });
    form.appendChild(fieldset);
  }

  var TRENDS = [["more", gettext("Seen more")], ["same", gettext("About the same")], ["less", gettext("Seen less")]];
  var VERDICTS = [["better", gettext("Better")], ["same", gettext("About the same")], ["worse", gettext("Worse")]];
  var PROGRESS = [["not_started", gettext("Not started")], ["ongoing", gettext("Ongoing")], ["done", gettext("Done")]];

  function renderQuestion(q, waiting) {
    var item = el("li", { "class": "question-item", id: "field-question-" + q.id });
    var heading = q.phenomenon_name + " · " + q.municipality_name + (q.postcodes.length ? " " + q.postcodes.join(", ") : "");
    item.appendChild(el("h3", {}, heading));
    item.appendChild(el("p", { "class": "question-text" }, q.text));
    item.appendChild(el("p", { "class": "help" }, q.organisation + " · " + gettext("Closes on") + " " + q.closes_on));
    if (waiting) {
      item.appendChild(el("p", { "class": "badge badge-queued" }, gettext("Your answer waits on this device.")));
      return item;
    }
    if (q.my_answer) {
      item.appendChild(el("p", { "class": "badge badge-saved" }, gettext("Answered. You can answer again to change it.")));
    }
    var form = el("form", { id: "answer-form-" + q.id, "class": "answer-form", novalidate: "" });
    if (q.kind === "choice") { radios(form, "choice", q.options.map(function (o) { return [o, o]; }), gettext("Your answer")); }
    if (q.kind === "review") {
      q.options.forEach(function (measure, i) { radios(form, "progress-" + i, PROGRESS, measure); });
    }
    if (q.kind === "trend" || q.kind === "review") {
      radios(form, "trend", TRENDS, gettext("Compared with before, the phenomenon is"));
    }
    if (q.kind === "feedback") {
      radios(form, "verdict", VERDICTS, gettext("Since the initiative started or was last reviewed, things are"));
      form.querySelector(".choice-list").classList.add("verdict-list");
    }
    var textId = form.id + "-text";
    form.appendChild(el("label", { "for": textId, "class": "step-label" },
      q.kind === "text" ? gettext("Your answer") : gettext("Anything to add (optional)")));
    form.appendChild(el("textarea", { id: textId, name: "text", rows: "2", maxlength: "2000" }));
    var error = el("p", { "class": "field-error", role: "alert", hidden: "" });
    form.appendChild(error);
    var warning = el("div", { "class": "description-warning", role: "alert", hidden: "" });
    var warningText = el("p", {});
    // Each question's buttons are named after it: several questions share the section.
    var sendAnyway = el("button", { type: "button", "class": "button-secondary",
      "aria-label": gettext("Send anyway") + ": " + heading }, gettext("Send anyway"));
    warning.appendChild(warningText);
    warning.appendChild(sendAnyway);
    form.appendChild(warning);
    var accepted = null;  // the text the reporter chose to send although it was flagged
    sendAnyway.addEventListener("click", function () {
      accepted = form.querySelector("textarea").value.trim();
      warning.hidden = true;
      form.requestSubmit();
    });
    form.querySelector("textarea").addEventListener("input", function () { warning.hidden = true; });
    form.appendChild(el("button", { type: "submit", "class": "button-primary",
      "aria-label": gettext("Send answer") + ": " + heading }, gettext("Send answer")));
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var body = answerBody(q, form);
      var missing = (q.kind === "text" && !body.text) || (q.kind === "choice" && !body.choice) ||
        ((q.kind === "trend" || q.kind === "review") && !body.trend) ||
        (q.kind === "review" && body.progress.indexOf("") !== -1) || (q.kind === "feedback" && !body.verdict);
      if (missing) { error.hidden = false; error.textContent = gettext("Answer every part first."); return; }
      error.hidden = true;
      checkText(q, body.text, accepted).then(function (flagged) {
        if (flagged) { warningText.textContent = flagged; warning.hidden = false; sendAnyway.focus(); return; }
        keep(q, body);
      });
    });
    item.appendChild(form);
    return item;
  }

  // Resolves to the warning when the text may identify a person or a place; "" when sending may go on
  // (no text, the text the reporter accepted, offline, or the check unreachable: a warning, never a refusal).
  function checkText(q, textValue, accepted) {
    if (q.kind !== "feedback" || !textValue || textValue === accepted || !navigator.onLine || !URL_CHECK) {
      return Promise.resolve("");
    }
    return fetch(URL_CHECK, {
      method: "POST", credentials: "same-origin",
      headers: { "Accept": "application/json", "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify({ description: textValue })
    }).then(function (r) { return r.ok ? r.json() : { flagged: [] }; })
      .then(function (data) { return data.flagged && data.flagged.length ? data.warning : ""; },
        function () { return ""; });
  }

  function keep(q, body) {
    var entry = { client_uuid: body.client_uuid, username: USERNAME, question: q.id,
      url: URL_LIST + q.id + "/answers/", body: body };
    outbox("readwrite", function (s) { return s.put(entry); }).then(function () {
      status.textContent = gettext("Answer kept on this device.");
      return renderStatus();
    }).then(function () { return navigator.onLine ? send() : render(cached()); });
  }

  // At the top of the app: how many questions wait for an answer, linking down to them.
  function renderBanner(n) {
    var banner = document.getElementById("questions-banner");
    if (!banner) { return; }
    banner.hidden = n === 0;
    banner.dataset.waiting = String(n);
    banner.textContent = n ? ngettext("%s question waits for your answer", "%s questions wait for your answer", n)
      .replace("%s", n) : "";
  }

  function cached() {
    try { return JSON.parse(localStorage.getItem(CACHE_KEY) || "[]"); } catch (e) { return []; }
  }

  function render(questions) {
    return waitingAnswers().then(function (items) {
      var waitingFor = items.map(function (i) { return i.question; });
      list.textContent = "";
      questions.forEach(function (q) { list.appendChild(renderQuestion(q, waitingFor.indexOf(q.id) !== -1)); });
      document.getElementById("questions-empty").hidden = questions.length > 0;
      renderBanner(questions.filter(function (q) { return !q.my_answer && waitingFor.indexOf(q.id) === -1; }).length);
      root.dataset.loaded = "1";
    });
  }

  function load() {
    return fetch(URL_LIST + "?asked_to_me=1", { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (data) {
        var questions = data.results || data;
        try { localStorage.setItem(CACHE_KEY, JSON.stringify(questions)); } catch (e) { /* full: keep going */ }
        return render(questions);
      })
      .catch(function () { return render(cached()); });
  }

  window.addEventListener("online", send);
  renderStatus().then(function () { return navigator.onLine ? send() : render(cached()); });
})();
