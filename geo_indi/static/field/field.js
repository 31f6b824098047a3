/* geo_indi field app: pin-drop recording that works offline.
   UI strings come from Django's JavaScript catalog (gettext/interpolate from /jsi18n/). */
(function () {
  "use strict";
  var app = document.getElementById("field-app");
  if (!app) return;

  var URLS = JSON.parse(document.getElementById("field-urls").textContent);
  var EXTENT = JSON.parse(document.getElementById("field-extent").textContent);
  var USERNAME = app.dataset.username;
  // The limit and its message come from the observation contract (rendered into the page).
  var OCCURRENCES_MAX = parseInt(app.dataset.occurrencesMax, 10);
  var OCCURRENCES_MESSAGE = app.dataset.occurrencesMessage;
  var OUTLINE_MIN_ZOOM = 9;
  var RETRY_MS = 20000;

  var $ = function (id) { return document.getElementById(id); };
  var form = $("observation-form");
  var state = { pin: null, phenomena: [], editing: null, pinMovedInEdit: false, flushing: false };

  // ---------- helpers ----------
  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function newUuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function today() {
    var d = new Date();
    return d.getFullYear() + "-" + String(d.getMonth() + 1).padStart(2, "0") + "-" + String(d.getDate()).padStart(2, "0");
  }

  function api(method, url, body) {
    var options = {
      method: method, credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": csrfToken() },
    };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(url, options);
  }

  function text(el, value) { el.textContent = value; }

  function formatPoint(lat, lon) {
    return interpolate(gettext("latitude %(lat)s, longitude %(lon)s"),
      { lat: lat.toFixed(5), lon: lon.toFixed(5) }, true);
  }

  function describePlace(obs) {
    if (obs.subject === "object" && obs.location) {
      var c = obs.location.coordinates;
      if (obs.postcode) {
        return interpolate(gettext("at the point %(point)s in postcode area %(postcode)s %(name)s (%(municipality)s)"),
          { point: formatPoint(c[1], c[0]), postcode: obs.postcode, name: obs.postcode_area_name || "",
            municipality: obs.municipality_name || "" }, true);
      }
      return interpolate(gettext("at the point %(point)s"), { point: formatPoint(c[1], c[0]) }, true);
    }
    return interpolate(gettext("in postcode area %(postcode)s %(name)s (%(municipality)s), without the exact point"),
      { postcode: obs.postcode, name: obs.postcode_area_name || "", municipality: obs.municipality_name || "" }, true);
  }

  // ---------- IndexedDB queue ----------
  var dbPromise = null;
  function db() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        var req = indexedDB.open("geo-indi-field", 1);
        req.onupgradeneeded = function () { req.result.createObjectStore("queue", { keyPath: "client_uuid" }); };
        req.onsuccess = function () { resolve(req.result); };
        req.onerror = function () { reject(req.error); };
      });
    }
    return dbPromise;
  }
  function store(mode, work) {
    return db().then(function (database) {
      return new Promise(function (resolve, reject) {
        var tx = database.transaction("queue", mode);
        var result = work(tx.objectStore("queue"));
        tx.oncomplete = function () { resolve(result && "result" in result ? result.result : undefined); };
        tx.onerror = function () { reject(tx.error); };
      });
    });
  }
  function queueAdd(item) { return store("readwrite", function (s) { return s.put(item); }); }
  function queueDelete(uuid) { return store("readwrite", function (s) { return s.delete(uuid); }); }
  function queueMine() {
    return store("readonly", function (s) { return s.getAll(); }).then(function (items) {
      return (items || []).filter(function (i) { return i.username === USERNAME; })
        .sort(function (a, b) { return a.queued_at < b.queued_at ? -1 : 1; });
    });
  }

  function renderQueue() {
    return queueMine().then(function (items) {
      var n = items.length;
      var status = $("queue-status");
      status.dataset.waiting = String(n);
      text(status, n ? interpolate(ngettext("%s observation waiting to be sent.", "%s observations waiting to be sent.", n), [n])
        : gettext("No observations waiting to be sent."));
      $("send-now").hidden = n === 0;
      var list = $("queued-list");
      list.textContent = "";
      items.forEach(function (item) {
        var li = document.createElement("li");
        li.className = "recent-item queued";
        var title = document.createElement("strong");
        text(title, item.label);
        var note = document.createElement("span");
        note.className = "badge badge-queued";
        text(note, gettext("Kept on this device, not yet sent"));
        li.appendChild(title); li.appendChild(document.createTextNode(" ")); li.appendChild(note);
        list.appendChild(li);
      });
      return n;
    });
  }

  function flushQueue() {
    if (state.flushing) return Promise.resolve();
    state.flushing = true;
    var sent = 0, rejected = [];
    return queueMine().then(function (items) {
      return items.reduce(function (chain, item) {
        return chain.then(function (stop) {
          if (stop) return true;
          return api("POST", URLS.observations, item.body).then(function (response) {
            if (response.ok) { sent += 1; return queueDelete(item.client_uuid).then(function () { return false; }); }
            if (response.status === 400 || response.status === 409) {
              return response.json().catch(function () { return {}; }).then(function (data) {
                rejected.push(item.label + ": " + errorSummary(data));
                return queueDelete(item.client_uuid).then(function () { return false; });
              });
            }
            if (response.status === 401 || response.status === 403) showFormError(gettext("Your session has ended. Log in again to send the waiting observations."));
            return true; // server trouble or logged out: keep the rest for later
          }, function () { return true; }); // still offline
        });
      }, Promise.resolve(false));
    }).then(function () {
      state.flushing = false;
      if (sent) announce(interpolate(ngettext("%s waiting observation was sent.", "%s waiting observations were sent.", sent), [sent]), "saved");
      if (rejected.length) showFormError(gettext("The server did not accept some waiting observations:") + " " + rejected.join("; "));
      return renderQueue().then(function () { if (sent) loadMine(); });
    }, function () { state.flushing = false; });
  }

  // ---------- connection status ----------
  function renderConnection() {
    text($("connection-status"), navigator.onLine ? gettext("Online.") : gettext("Offline: observations are kept on this device and sent later."));
    app.classList.toggle("is-offline", !navigator.onLine);
  }
  window.addEventListener("online", function () { renderConnection(); flushQueue(); });
  window.addEventListener("offline", renderConnection);
  $("send-now").addEventListener("click", flushQueue);

  // state: "saved" (on the server), "queued" (only on this device) or "info"; each looks different.
  function announce(message, state) {
    var result = $("result");
    result.dataset.state = state || "info";
    text(result, message);
  }

  // ---------- map ----------
  var map = L.map("field-map", { zoomControl: true });
  app.leafletMap = map; // for tests and debugging
  map.fitBounds([[EXTENT[1], EXTENT[0]], [EXTENT[3], EXTENT[2]]]);
  L.tileLayer(app.dataset.tiles, { attribution: app.dataset.attribution, maxZoom: 18 }).addTo(map);
  fetch(URLS.municipalities, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (fc) {
    L.geoJSON(fc, { interactive: false, style: { color: "#0b2e4f", weight: 2, fill: false } }).addTo(map);
  }).catch(function () {});

  var postcodeLayer = L.geoJSON(null, {
    interactive: false,
    style: { color: "#5a3d8a", weight: 1, dashArray: "4 3", fillOpacity: 0.04 },
  });
  // All outlines at once, whatever the map shows: a request for the outlines around the
  // pin would tell the server (and any access log) where the person was.
  fetch(URLS.postcodeOutlines, { credentials: "same-origin" })
    .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
    .then(function (fc) { postcodeLayer.addData(fc); showOutlinesAtZoom(); })
    .catch(function () {});
  function showOutlinesAtZoom() {
    if (map.getZoom() >= OUTLINE_MIN_ZOOM) map.addLayer(postcodeLayer); else map.removeLayer(postcodeLayer);
  }
  map.on("zoomend", showOutlinesAtZoom);

  var marker = null;
  function setPin(latlng, moveMap) {
    state.pin = { lat: latlng.lat, lon: latlng.lng };
    if (state.editing) state.pinMovedInEdit = true;
    if (!marker) {
      marker = L.marker(latlng, { draggable: true, autoPan: true, title: gettext("Place of the observation"), alt: gettext("Place of the observation") }).addTo(map);
      marker.on("dragend", function () { setPin(marker.getLatLng(), false); });
    } else {
      marker.setLatLng(latlng);
    }
    if (moveMap) map.setView(latlng, Math.max(map.getZoom(), 13));
    text($("pin-status"), interpolate(gettext("Pin at %(point)s."), { point: formatPoint(state.pin.lat, state.pin.lon) }, true));
    hideError("place");
  }
  function clearPin() {
    state.pin = null;
    if (marker) { map.removeLayer(marker); marker = null; }
    text($("pin-status"), gettext("No pin yet."));
  }
  // After a save the pin is gone: the next record needs its own place, or this button, chosen on purpose.
  function pinDone() {
    if (!state.editing && state.pin) state.lastPin = state.pin;
    clearPin();
    $("pin-again").hidden = !state.lastPin;
  }
  $("pin-again").addEventListener("click", function () {
    if (state.lastPin) setPin(L.latLng(state.lastPin.lat, state.lastPin.lon), true);
  });
  map.on("click", function (e) { setPin(e.latlng, false); });
  $("pin-at-centre").addEventListener("click", function () { setPin(map.getCenter(), false); });
  $("locate-me").addEventListener("click", function () {
    if (!navigator.geolocation) { showError("place", gettext("This browser cannot tell your location. Tap the map instead.")); return; }
    text($("pin-status"), gettext("Finding your location…"));
    navigator.geolocation.getCurrentPosition(function (pos) {
      setPin(L.latLng(pos.coords.latitude, pos.coords.longitude), true);
    }, function () {
      text($("pin-status"), state.pin ? formatPoint(state.pin.lat, state.pin.lon) : gettext("No pin yet."));
      showError("place", gettext("Your location is not available. Allow location access or tap the map."));
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  });

  // ---------- phenomena and categories ----------
  // What the phenomenon means and what counts, under its card (the administrator edits the text).
  function phenomenonMeaning(p) {
    if (!p.description && !p.examples) return null;
    var box = document.createElement("div");
    box.className = "phenomenon-meaning";
    box.id = "phenomenon-" + p.id + "-meaning";
    [["description", p.description], ["examples", p.examples]].forEach(function (part) {
      if (!part[1]) return;
      var para = document.createElement("p");
      para.className = "phenomenon-" + part[0];
      text(para, part[1]);
      box.appendChild(para);
    });
    return box;
  }

  function renderPhenomena(list) {
    state.phenomena = list;
    var box = $("phenomenon-choices");
    box.textContent = "";
    list.forEach(function (p) {
      var wrap = document.createElement("div");
      wrap.className = "choice phenomenon-card";
      var input = document.createElement("input");
      input.type = "radio"; input.name = "phenomenon"; input.value = p.id; input.id = "phenomenon-" + p.id;
      var label = document.createElement("label");
      label.htmlFor = input.id;
      if (p.icon) {
        var img = document.createElement("img");
        img.src = URLS.iconBase + p.icon; img.alt = ""; img.width = 32; img.height = 32;
        label.appendChild(img);
      }
      var name = document.createElement("span");
      text(name, p.name);
      label.appendChild(name);
      wrap.appendChild(input); wrap.appendChild(label);
      var meaning = phenomenonMeaning(p);
      if (meaning) {
        // What it means, on demand: a "?" beside the name opens it under the card.
        var more = document.createElement("button");
        more.type = "button"; more.className = "meaning-toggle";
        more.setAttribute("aria-expanded", "false");
        more.setAttribute("aria-controls", meaning.id);
        more.setAttribute("aria-label", interpolate(gettext("What %s means"), [p.name]));
        text(more, "?");
        meaning.hidden = true;
        more.addEventListener("click", function () {
          meaning.hidden = !meaning.hidden;
          more.setAttribute("aria-expanded", String(!meaning.hidden));
        });
        wrap.appendChild(more);
        wrap.appendChild(meaning);
        input.setAttribute("aria-describedby", meaning.id);
      }
      box.appendChild(wrap);
      input.addEventListener("change", function () { renderCategories(p, null); hideError("phenomenon"); });
    });
  }

  function renderCategories(phenomenon, selectedId) {
    var fieldset = $("category-fieldset");
    var box = $("category-choices");
    box.textContent = "";
    var options = [{ id: "", name: gettext("Not specified") }].concat(phenomenon ? phenomenon.categories : []);
    options.forEach(function (c) {
      var wrap = document.createElement("div");
      wrap.className = "choice";
      var input = document.createElement("input");
      input.type = "radio"; input.name = "category"; input.value = c.id; input.id = "category-" + (c.id || "none");
      input.checked = String(c.id) === String(selectedId || "");
      var label = document.createElement("label");
      label.htmlFor = input.id;
      text(label, c.name);
      wrap.appendChild(input); wrap.appendChild(label);
      box.appendChild(wrap);
    });
    fieldset.hidden = !phenomenon || !phenomenon.categories.length;
  }

  function loadPhenomena() {
    return fetch(URLS.phenomena, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(renderPhenomena)
      .catch(function () { text($("phenomenon-choices"), gettext("Phenomena could not be loaded. Reload the page when online.")); });
  }

  // ---------- form ----------
  function checked(name) {
    var el = form.querySelector('input[name="' + name + '"]:checked');
    return el ? el.value : "";
  }
  function check(name, value) {
    var el = form.querySelector('input[name="' + name + '"][value="' + value + '"]');
    if (el) el.checked = true;
  }

  function syncSubject() {
    var isPerson = checked("subject") === "person";
    $("age-group-step").hidden = !isPerson;
    $("consent-step").hidden = !isPerson;
    syncConsent();
    hideError("subject");
  }
  // The API's rule: a follow-up note only on a person observation with recorded consent.
  function syncConsent() {
    $("follow-up-step").hidden = !(checked("subject") === "person" && $("consent-recorded").checked);
  }
  $("consent-recorded").addEventListener("change", function () { syncConsent(); hideError("follow_up_note"); });
  form.querySelectorAll('input[name="subject"]').forEach(function (el) { el.addEventListener("change", syncSubject); });
  form.querySelectorAll('input[name="direction"]').forEach(function (el) { el.addEventListener("change", function () { hideError("direction"); }); });

  var count = $("occurrences");
  function setCount(n) { count.value = String(Math.min(OCCURRENCES_MAX, Math.max(1, n || 1))); }
  $("occurrences-down").addEventListener("click", function () { setCount(parseInt(count.value, 10) - 1); });
  $("occurrences-up").addEventListener("click", function () { setCount(parseInt(count.value, 10) + 1); });

  function showError(field, message) {
    var el = $(field + "-error");
    if (!el) { showFormError(message); return; }
    text(el, message);
    el.hidden = false;
    var control = field === "occurrences" ? count : field === "description" ? $("description")
      : field === "observed_on" ? $("observed-on") : field === "follow_up_note" ? $("follow-up-note") : null;
    if (control) control.setAttribute("aria-invalid", "true");
  }
  function hideError(field) {
    var el = $(field + "-error");
    if (el) { el.hidden = true; text(el, ""); }
  }
  function showFormError(message) {
    var el = $("form-error");
    text(el, message);
    el.hidden = !message;
  }
  function clearErrors() {
    form.querySelectorAll(".field-error").forEach(function (el) { el.hidden = true; el.textContent = ""; });
    form.querySelectorAll("[aria-invalid]").forEach(function (el) { el.removeAttribute("aria-invalid"); });
  }
  function errorSummary(data) {
    var errors = (data && data.errors) || data || {};
    if (typeof errors === "string") return errors;
    if (errors.error) return errors.error;
    return Object.keys(errors).map(function (k) { return [].concat(errors[k]).join(" "); }).join(" ");
  }
  function showApiErrors(data) {
    var errors = (data && data.errors) || {};
    var fieldMap = { location: "place", lat: "place", lon: "place" };
    var first = null;
    Object.keys(errors).forEach(function (key) {
      var field = fieldMap[key] || key;
      var message = [].concat(errors[key]).join(" ");
      showError(field, message);
      first = first || field;
    });
    if (!Object.keys(errors).length) showFormError((data && data.error) || gettext("The observation could not be saved."));
    focusError(first);
  }
  function focusError(field) {
    var target = {
      place: $("pin-at-centre"), phenomenon: form.querySelector('input[name="phenomenon"]'),
      subject: $("subject-person"), direction: $("direction-weakens"), occurrences: count,
      description: $("description"), observed_on: $("observed-on"), follow_up_note: $("follow-up-note"),
    }[field] || $("form-error");
    if (target) target.focus();
  }

  function collect() {
    clearErrors();
    showFormError("");
    var errors = {};
    var body = {
      phenomenon: parseInt(checked("phenomenon"), 10),
      category: checked("category") ? parseInt(checked("category"), 10) : null,
      subject: checked("subject"),
      direction: checked("direction"),
      occurrences: parseInt(count.value, 10),
      description: $("description").value.trim(),
      observed_on: $("observed-on").value || today(),
    };
    if (!state.editing && !state.pin) errors.place = gettext("Drop a pin on the map first.");
    if (!body.phenomenon) errors.phenomenon = gettext("Choose a phenomenon.");
    if (!body.subject) errors.subject = gettext("Choose whether it is about a person or a place or thing.");
    if (!body.direction) errors.direction = gettext("Choose whether it weakens or strengthens wellbeing.");
    if (!(body.occurrences >= 1 && body.occurrences <= OCCURRENCES_MAX)) errors.occurrences = OCCURRENCES_MESSAGE;
    if (body.subject === "person") body.age_group = $("age-group").value;
    else body.age_group = "";
    body.consent_recorded = body.subject === "person" && $("consent-recorded").checked;
    body.follow_up_note = body.consent_recorded ? $("follow-up-note").value.trim() : "";
    if (state.pin && (!state.editing || state.pinMovedInEdit)) {
      body.lat = Number(state.pin.lat.toFixed(6));
      body.lon = Number(state.pin.lon.toFixed(6));
    }
    var keys = Object.keys(errors);
    keys.forEach(function (k) { showError(k, errors[k]); });
    if (keys.length) { focusError(keys[0]); return null; }
    return body;
  }

  function labelFor(body) {
    var p = state.phenomena.find(function (x) { return x.id === body.phenomenon; });
    return (p ? p.name : "") + " · " + body.observed_on;
  }

  function resetForm() {
    form.querySelectorAll('input[type="radio"]').forEach(function (el) { el.checked = false; });
    renderCategories(null, null);
    setCount(1);
    $("description").value = "";
    state.acceptedDescription = null;
    hideDescriptionWarning();
    $("observed-on").value = today();
    $("age-group").value = "unknown";
    $("consent-recorded").checked = false;
    $("follow-up-note").value = "";
    syncSubject();
    clearErrors();
    endEdit();
  }

  // The API answers a GeoJSON Feature; the page works with one flat object.
  function fromFeature(feature) {
    return Object.assign({ id: feature.id, location: feature.geometry }, feature.properties);
  }

  function showSaved(feature, created) {
    var obs = fromFeature(feature);
    var message = created === false
      ? gettext("This observation had already been saved: %(place)s.")
      : gettext("Saved on the server: %(place)s.");
    announce(interpolate(message, { place: describePlace(obs) }, true), "saved");
    $("result").focus();
  }

  // ---------- description check: a warning before saving, never a refusal ----------
  function hideDescriptionWarning() { $("description-warning").hidden = true; }
  function checkDescription(body) {
    // Resolves true when saving may go on: no description about a person, nothing flagged,
    // the reporter chose "Save anyway" for this very text, or the check is unreachable.
    if (body.subject !== "person" || !body.description || body.description === state.acceptedDescription
        || !navigator.onLine) return Promise.resolve(true);
    return api("POST", URLS.checkDescription, { description: body.description }).then(function (response) {
      return response.ok ? response.json() : { flagged: [] };
    }).then(function (data) {
      if (!data.flagged || !data.flagged.length) return true;
      text($("description-warning-text"), data.warning);
      $("description-warning").hidden = false;
      $("description-edit").focus();
      return false;
    }, function () { return true; });
  }
  $("description-edit").addEventListener("click", function () { hideDescriptionWarning(); $("description").focus(); });
  $("description-save-anyway").addEventListener("click", function () {
    state.acceptedDescription = $("description").value.trim();
    hideDescriptionWarning();
    form.requestSubmit();
  });
  $("description").addEventListener("input", hideDescriptionWarning);

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var body = collect();
    if (!body) return;
    $("submit-observation").disabled = true;
    checkDescription(body).then(function (go) {
      $("submit-observation").disabled = false;
      if (go) save(body);
    });
  });

  function save(body) {
    if (state.editing) { saveEdit(body); return; }
    body.client_uuid = newUuid();
    var queueItem = { client_uuid: body.client_uuid, body: body, username: USERNAME, label: labelFor(body), queued_at: new Date().toISOString() };
    var queueIt = function () {
      return queueAdd(queueItem).then(function () {
        announce(gettext("Not sent yet: the observation is kept on this device and sent when the connection returns."), "queued");
        resetForm();
        pinDone();
        return renderQueue();
      });
    };
    $("submit-observation").disabled = true;
    var done = function () { $("submit-observation").disabled = false; };
    if (!navigator.onLine) { queueIt().then(done, done); return; }
    api("POST", URLS.observations, body).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (response.ok) { showSaved(data, response.status === 201); resetForm(); pinDone(); loadMine(); return; }
        if (response.status === 400) { showApiErrors(data); return; }
        if (response.status === 401 || response.status === 403) { showFormError(gettext("Your session has ended. Log in again.")); return; }
        if (response.status >= 500) return queueIt();
        showFormError(errorSummary(data) || gettext("The observation could not be saved."));
      });
    }, queueIt).then(done, done);
  }

  // ---------- own recent observations ----------
  // The last list the server sent, kept so an offline reload still shows what is already saved.
  // Only what the list shows is kept: no descriptions or notes, and person records have no point.
  var MINE_KEY = "geo-indi-field-mine:" + USERNAME;
  var MINE_FIELDS = ["id", "phenomenon_name", "category_name", "observed_on", "direction", "occurrences", "subject",
    "location", "postcode", "postcode_area_name", "municipality_name"];
  function rememberMine(results) {
    try {
      var kept = results.map(function (obs) {
        var item = {};
        MINE_FIELDS.forEach(function (k) { item[k] = obs[k]; });
        return item;
      });
      localStorage.setItem(MINE_KEY, JSON.stringify({ at: new Date().toISOString(), results: kept }));
    } catch (e) { /* storage full or blocked: the list is only shown online */ }
  }
  function rememberedMine() {
    try { return JSON.parse(localStorage.getItem(MINE_KEY) || "null"); } catch (e) { return null; }
  }

  function loadMine() {
    return fetch(URLS.mine, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) { rememberMine(data.results); renderMine(data.results, null); })
      .catch(function () {
        var kept = rememberedMine();
        if (kept) renderMine(kept.results, kept.at);
      });
  }

  // asOf: null when the list is fresh from the server, else the time it was last fetched.
  function renderMine(results, asOf) {
    var list = $("recent-list");
    list.textContent = "";
    $("recent-empty").hidden = results.length > 0;
    var note = $("recent-as-of");
    note.hidden = !asOf || !results.length;
    if (asOf) text(note, interpolate(gettext("Saved on the server, as of the last connection (%s):"), [new Date(asOf).toLocaleString()]));
    results.forEach(function (obs) {
      var li = document.createElement("li");
      li.className = "recent-item";
      li.dataset.id = obs.id;
      var title = document.createElement("strong");
      text(title, obs.phenomenon_name + (obs.category_name ? " / " + obs.category_name : ""));
      var saved = document.createElement("span");
      saved.className = "badge badge-saved";
      text(saved, gettext("Saved on the server"));
      var details = document.createElement("span");
      var direction = obs.direction === "strengthens" ? gettext("+ strengthens") : gettext("− weakens");
      text(details, obs.observed_on + " · " + direction + " · " + interpolate(gettext("count %s"), [obs.occurrences]) + " · " + describePlace(obs));
      li.appendChild(title); li.appendChild(document.createTextNode(" ")); li.appendChild(saved);
      li.appendChild(document.createElement("br")); li.appendChild(details);
      if (obs.description) {
        var description = document.createElement("p");
        description.className = "recent-description";
        text(description, obs.description);
        li.appendChild(description);
      }
      if (obs.can_modify && !asOf) {
        var actions = document.createElement("div");
        actions.className = "button-row";
        var edit = document.createElement("button");
        edit.type = "button"; edit.className = "button-secondary";
        text(edit, gettext("Edit"));
        edit.setAttribute("aria-label", interpolate(gettext("Edit observation %s"), [obs.phenomenon_name + " " + obs.observed_on]));
        edit.addEventListener("click", function () { startEdit(obs); });
        var del = document.createElement("button");
        del.type = "button"; del.className = "button-secondary button-danger";
        text(del, gettext("Delete"));
        del.setAttribute("aria-label", interpolate(gettext("Delete observation %s"), [obs.phenomenon_name + " " + obs.observed_on]));
        del.addEventListener("click", function () { deleteObservation(obs); });
        actions.appendChild(edit); actions.appendChild(del);
        li.appendChild(actions);
      }
      list.appendChild(li);
    });
  }

  function startEdit(obs) {
    resetForm();
    state.editing = obs;
    check("phenomenon", obs.phenomenon);
    var p = state.phenomena.find(function (x) { return x.id === obs.phenomenon; });
    renderCategories(p, obs.category);
    check("subject", obs.subject);
    check("direction", obs.direction);
    setCount(obs.occurrences);
    if (obs.age_group) $("age-group").value = obs.age_group;
    $("consent-recorded").checked = !!obs.consent_recorded;
    $("follow-up-note").value = obs.follow_up_note || "";
    $("description").value = obs.description || "";
    $("observed-on").value = obs.observed_on;
    syncSubject();
    clearPin();
    if (obs.location) {
      var c = obs.location.coordinates;
      setPin(L.latLng(c[1], c[0]), true);
    }
    state.pinMovedInEdit = false;
    text($("edit-banner-text"), interpolate(gettext("Editing: %s. Move the pin only if the place should change."), [obs.phenomenon_name + " " + obs.observed_on]));
    $("edit-banner").hidden = false;
    text($("submit-observation"), gettext("Save changes"));
    $("cancel-edit").focus();
  }

  function endEdit() {
    if (!state.editing) return;
    state.editing = null;
    state.pinMovedInEdit = false;
    $("edit-banner").hidden = true;
    text($("submit-observation"), gettext("Save observation"));
  }
  $("cancel-edit").addEventListener("click", function () { resetForm(); clearPin(); announce(gettext("Editing cancelled.")); });

  function saveEdit(body) {
    var id = state.editing.id;
    api("PATCH", URLS.observations + id + "/", body).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (response.ok) { resetForm(); clearPin(); showSaved(data, true); loadMine(); return; }
        if (response.status === 400) { showApiErrors(data); return; }
        showFormError(errorSummary(data) || gettext("The change could not be saved."));
      });
    }, function () { showFormError(gettext("No connection: changes can only be saved online.")); });
  }

  function deleteObservation(obs) {
    if (!window.confirm(interpolate(gettext("Delete observation %s?"), [obs.phenomenon_name + " " + obs.observed_on]))) return;
    api("DELETE", URLS.observations + obs.id + "/").then(function (response) {
      if (response.status === 204 || response.status === 404) {
        announce(gettext("Observation deleted."));
        if (state.editing && state.editing.id === obs.id) resetForm();
        loadMine();
        return;
      }
      return response.json().catch(function () { return {}; }).then(function (data) {
        showFormError(errorSummary(data) || gettext("The observation could not be deleted."));
      });
    }, function () { showFormError(gettext("No connection: deleting works only online.")); });
  }

  // ---------- start ----------
  $("observed-on").value = today();
  $("observed-on").max = today();
  renderConnection();
  syncSubject();
  loadPhenomena();
  loadMine();
  renderQueue().then(function (n) { if (n && navigator.onLine) flushQueue(); });
  setInterval(function () { if (navigator.onLine) flushQueue(); }, RETRY_MS);
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(URLS.serviceWorker, { scope: URLS.serviceWorker.replace(/sw\.js$/, "") })
      .then(function () { app.dataset.serviceWorker = "registered"; })
      .catch(function () { app.dataset.serviceWorker = "failed"; });
  }
})();
