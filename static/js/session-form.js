// Logging a session from a phone, on a weak network. Progressive enhancement: every page
// works without this file. It adds − / + buttons for the audience, hides the place of a
// remote session, keeps a draft while typing, and, when the network is missing, keeps
// the filled form on the phone (IndexedDB, the receipt photo included) and sends it when
// the network comes back. The server recognises a form sent twice by its client_token:
// a session is never saved twice, and the copy here is removed only once it is saved.
(function () {
  "use strict";

  var DB_NAME = "entrepairs", STORE = "seances-a-envoyer";
  var status = document.querySelector("[data-send-status]");
  var text = status ? status.dataset : {};
  var form = null;
  var flushing = false;
  var each = function (list, fn) { Array.prototype.forEach.call(list, fn); };

  // --- the status region -------------------------------------------------------------

  function say(message, kind, link, linkText) {
    if (!status) return;
    status.textContent = "";
    status.className = "send-status" + (kind ? " send-status--" + kind : "");
    if (!message) return;
    var p = document.createElement("p");
    p.textContent = message;
    status.appendChild(p);
    if (link) {
      var a = document.createElement("a");
      a.href = link;
      a.textContent = linkText;
      status.appendChild(a);
    }
    return status;
  }

  function show(message, kind, link, linkText) {
    var region = say(message, kind, link, linkText);
    if (region) {
      region.scrollIntoView({ block: "center" });
      region.focus({ preventScroll: true });
    }
  }

  // --- the sessions kept on the phone (IndexedDB) -------------------------------------

  function store(mode, action) {
    return new Promise(function (resolve, reject) {
      if (!window.indexedDB) return reject(new Error("no IndexedDB"));
      var open = indexedDB.open(DB_NAME, 1);
      open.onupgradeneeded = function () { open.result.createObjectStore(STORE, { keyPath: "token" }); };
      open.onerror = function () { reject(open.error); };
      open.onsuccess = function () {
        var db = open.result, tx = db.transaction(STORE, mode), request = action(tx.objectStore(STORE));
        tx.oncomplete = function () { db.close(); resolve(request.result); };
        tx.onerror = tx.onabort = function () { db.close(); reject(tx.error); };
      };
    });
  }
  var keep = function (record) { return store("readwrite", function (s) { return s.put(record); }); };
  var kept = function () { return store("readonly", function (s) { return s.getAll(); }); };
  var forget = function (token) { return store("readwrite", function (s) { return s.delete(token); }); };

  // Everything the form would send; files are read now, the photo may not last.
  function record() {
    var entries = [], reads = [];
    new FormData(form).forEach(function (value, name) {
      if (typeof value === "string") return entries.push([name, value]);
      if (!value.size) return;
      var entry = [name, null];
      entries.push(entry);
      reads.push(value.arrayBuffer().then(function (data) {
        entry[1] = { name: value.name, type: value.type, data: data };
      }));
    });
    return Promise.all(reads).then(function () {
      return { token: form.elements.client_token.value, url: form.action, entries: entries };
    });
  }

  // Resolves with {response, html, saved}; rejects when the network fails.
  function send(rec) {
    var body = new FormData();
    rec.entries.forEach(function (entry) {
      var value = entry[1];
      if (value && value.data) body.append(entry[0], new Blob([value.data], { type: value.type }), value.name);
      else body.append(entry[0], value);
    });
    // The freshest CSRF token is the page's (a new login renews it).
    var csrf = document.querySelector("[name=csrfmiddlewaretoken]");
    if (csrf) body.set("csrfmiddlewaretoken", csrf.value);
    return fetch(rec.url, { method: "POST", body: body, credentials: "same-origin" }).then(function (response) {
      return response.text().then(function (html) {
        // Only the confirmation page of this very session carries its token.
        var saved = response.ok && html.indexOf('data-session-saved="' + rec.token + '"') !== -1;
        return { response: response, html: html, saved: saved };
      });
    });
  }

  // --- the answer of the server shown in place (errors to correct) --------------------

  function showAnswer(html, files) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var main = doc.getElementById("contenu"), here = document.getElementById("contenu");
    // Only our own form, back with what to correct; anything else (the login page…) is
    // opened as a page.
    if (!main || !here || !main.querySelector("form[data-session-form]")) return false;
    here.replaceWith(document.adoptNode(main));
    document.title = doc.title;
    status = document.querySelector("[data-send-status]");
    setUp();
    // A browser cannot fill a file input from the server: give back the chosen photo.
    each(files || [], function (file) {
      var input = form && form.elements[file.name];
      if (!input || input.getAttribute("aria-invalid") === "true") return;
      var list = new DataTransfer();
      list.items.add(file.file);
      input.files = list.files;
    });
    var alert = document.querySelector("#contenu [role=alert]");
    if (alert) alert.scrollIntoView({ block: "center" });
    return true;
  }

  function storedFiles(rec) {
    return rec.entries.filter(function (e) { return e[1] && e[1].data; }).map(function (e) {
      return { name: e[0], file: new File([e[1].data], e[1].name, { type: e[1].type }) };
    });
  }

  // --- sending what the phone kept ----------------------------------------------------

  function flushOne(rec) {
    say(text.sending);
    return send(rec).then(function (answer) {
      if (answer.saved) {
        return forget(rec.token).then(function () {
          say(text.sent, "sent", text.seeUrl, text.see);
        });
      }
      var onItsForm = form && form.hasAttribute("data-offline") && new URL(rec.url).pathname === location.pathname;
      var refused = answer.response.status === 200 && answer.html.indexOf('value="' + rec.token + '"') !== -1;
      if (refused && onItsForm && showAnswer(answer.html, storedFiles(rec))) {
        // The form, filled again, now holds it; the draft keeps it from here.
        saveDraft();
        return forget(rec.token).then(function () { show(text.fix, "error"); });
      }
      if (refused) return say(text.fix, "error", rec.url, text.fixLink);
      say(text.retry, "error");
    }, function () {
      say(text.kept, "kept");
      throw new Error("offline");
    });
  }

  function flush() {
    if (flushing || !navigator.onLine || !window.indexedDB) return;
    flushing = true;
    kept().then(function (records) {
      return records.reduce(function (chain, rec) {
        return chain.then(function () { return flushOne(rec); });
      }, Promise.resolve());
    }).catch(function () {}).then(function () { flushing = false; });
  }

  // --- the draft, kept while typing ---------------------------------------------------

  var draftKey = function () { return "brouillon-seance:" + location.pathname; };

  function saveDraft() {
    if (!form || !form.hasAttribute("data-offline")) return;
    var data = {};
    each(form.elements, function (el) {
      if (!el.name || el.type === "file" || el.name === "csrfmiddlewaretoken") return;
      var values = data[el.name] || (data[el.name] = []);
      if ((el.type !== "checkbox" && el.type !== "radio") || el.checked) values.push(el.value);
    });
    try { localStorage.setItem(draftKey(), JSON.stringify(data)); } catch (e) { /* full or forbidden */ }
  }

  function clearDraft() {
    try { localStorage.removeItem(draftKey()); } catch (e) { /* forbidden */ }
  }

  function restoreDraft() {
    var data = null;
    try { data = JSON.parse(localStorage.getItem(draftKey())); } catch (e) { /* none */ }
    if (!data) return;
    each(form.elements, function (el) {
      var values = data[el.name];
      if (!values || el.type === "file" || el.name === "csrfmiddlewaretoken") return;
      if (el.type === "checkbox" || el.type === "radio") el.checked = values.indexOf(el.value) !== -1;
      else el.value = values[0] || "";
    });
    if (!say(text.draft)) return;
    var erase = document.createElement("button");
    erase.type = "button";
    erase.className = "button button--secondary button--small";
    erase.textContent = text.erase;
    erase.addEventListener("click", function () { clearDraft(); location.reload(); });
    status.appendChild(erase);
  }

  // --- the form -----------------------------------------------------------------------

  function newToken() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64;
    b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return [h.slice(0, 8), h.slice(8, 12), h.slice(12, 16), h.slice(16, 20), h.slice(20)].join("-");
  }

  function stepper(input, delta, label, sign) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "stepper";
    button.textContent = sign;
    button.setAttribute("aria-label", label);
    button.addEventListener("click", function () {
      input.value = Math.max(0, (parseInt(input.value, 10) || 0) + delta);
      input.dispatchEvent(new Event("input", { bubbles: true }));
    });
    return button;
  }

  // The browser's own checks, with ours for what HTML cannot say.
  function checkRules() {
    var remote = form.elements.is_remote, place = form.querySelector("[data-place]");
    if (remote && place) {
      place.hidden = remote.checked;
      form.elements.postcode.required = !remote.checked;
    }
    var audience = form.querySelectorAll(".counter input"), total = 0;
    each(audience, function (input) { total += parseInt(input.value, 10) || 0; });
    if (audience.length) audience[0].setCustomValidity(total > 0 ? "" : form.dataset.needAudience);
    var durations = form.querySelectorAll("[name=duration]"), other = form.elements.duration_other;
    if (durations.length && other) {
      var chosen = form.querySelector("[name=duration]:checked");
      durations[0].setCustomValidity(chosen || other.value ? "" : form.dataset.needDuration);
    }
  }

  function submitted(event) {
    event.preventDefault();
    if (form.dataset.sending) return;
    checkRules();
    if (!form.reportValidity()) return;
    form.dataset.sending = "1";
    var button = form.querySelector("[type=submit]");
    button.disabled = true;
    var done = function () { delete form.dataset.sending; button.disabled = false; };
    var files = [];
    each(form.querySelectorAll("input[type=file]"), function (input) {
      if (input.files.length) files.push({ name: input.name, file: input.files[0] });
    });
    record().then(function (rec) {
      var keepIt = function () {
        return keep(rec).then(function () {
          // Ready for another session, with a token of its own.
          clearDraft();
          form.reset();
          form.elements.client_token.value = newToken();
          checkRules();
          show(text.kept, "kept");
        }, function () { show(text.notKept, "error"); });
      };
      if (!navigator.onLine) return keepIt();
      return send(rec).then(function (answer) {
        if (answer.saved) {
          clearDraft();
          return location.assign(answer.response.url);
        }
        if (!showAnswer(answer.html, files)) location.assign(answer.response.url);
      }, keepIt);
    }).then(done, done);
  }

  function setUp() {
    form = document.querySelector("form[data-session-form]");
    if (!form) return;
    each(form.querySelectorAll("[data-stepper]"), function (box) {
      var input = box.querySelector("input");
      box.insertBefore(stepper(input, -1, box.dataset.less, "−"), input);
      box.appendChild(stepper(input, 1, box.dataset.more, "+"));
    });
    // Minutes typed win over a quick choice (on the server too): show it.
    var other = form.elements.duration_other;
    if (other) {
      other.addEventListener("input", function () {
        if (other.value) each(form.querySelectorAll("[name=duration]"), function (r) { r.checked = false; });
      });
      each(form.querySelectorAll("[name=duration]"), function (radio) {
        radio.addEventListener("change", function () { other.value = ""; });
      });
    }
    if (form.hasAttribute("data-offline")) {
      if (!form.hasAttribute("data-bound")) restoreDraft();
      form.addEventListener("input", saveDraft);
      form.addEventListener("change", saveDraft);
      form.addEventListener("submit", submitted);
    }
    form.addEventListener("change", checkRules);
    form.addEventListener("input", checkRules);
    checkRules();
  }

  setUp();
  window.addEventListener("online", function () { say(""); flush(); });
  window.addEventListener("offline", function () { if (form && form.hasAttribute("data-offline")) say(text.offline, "kept"); });
  flush();
})();
