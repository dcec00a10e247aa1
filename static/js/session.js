/*
 * The idle warning and form drafts (issue 15; WCAG 2.2.1).
 *
 * - The server ends a session after SESSION_IDLE_SECONDS without a request (accounts.middleware). The
 *   page knows how long it still has (data-remaining on #idle-dialog, from the session itself) and,
 *   SESSION_IDLE_WARNING_SECONDS before the end, opens a modal alertdialog with 继续办理; the button or
 *   Esc POSTs to the extend URL. Typing or clicking also extends it quietly (at most once a minute):
 *   a person at work is not idle. At the end the page is fetched again, and the server sends it to the
 *   login page with `next`, which returns here.
 * - Forms marked data-keep-draft keep what was typed in localStorage, keyed by user and path, and get
 *   it back after that login; a successful submit (any page but the login page after it) clears it,
 *   and so does logging out on purpose, so a shared computer keeps nothing. Passwords and files are never
 *   kept. The application wizard saves itself to the server as it is typed (application.js).
 * No inline script (CSP script-src 'self'); text set with textContent only.
 */
(function () {
  "use strict";

  var DRAFT_PREFIX = "draft:v1:";
  var SUBMITTED = "draft-submitted";
  var EXTENDED = "idle-extended";
  var DRAFT_MAX_AGE_MS = 24 * 3600 * 1000;
  var SKIP_TYPES = { password: 1, file: 1, hidden: 1, submit: 1, button: 1, reset: 1, image: 1 };

  var script = document.currentScript;
  var loginUrl = script ? script.getAttribute("data-login-url") : "/accounts/login/";
  var logoutUrl = script ? script.getAttribute("data-logout-url") : "/accounts/logout/";
  var dialog = document.getElementById("idle-dialog");
  var user = dialog ? dialog.getAttribute("data-user") : null;

  function storage(kind) {
    try {
      return window[kind];
    } catch (e) {
      return null; // storage switched off: the warning still works, drafts do not
    }
  }
  var local = storage("localStorage");
  var session = storage("sessionStorage");

  // ---- a form submitted from the previous page
  if (session && session.getItem(SUBMITTED)) {
    var keys = JSON.parse(session.getItem(SUBMITTED) || "[]");
    session.removeItem(SUBMITTED);
    // Landing on the login page means the session had ended and the submit did not count: keep it.
    if (location.pathname !== loginUrl && local) {
      keys.forEach(function (key) {
        local.removeItem(key);
      });
    }
  }

  if (!dialog || !user) {
    return; // anonymous: no session to warn about, no drafts
  }

  // ---- drafts
  var forms = Array.prototype.slice.call(document.querySelectorAll("form[data-keep-draft]"));

  function draftKey(form, index) {
    return DRAFT_PREFIX + user + ":" + location.pathname + "#" + (form.getAttribute("data-keep-draft") || index);
  }

  function kept(element) {
    return element.name && element.name !== "csrfmiddlewaretoken" && !SKIP_TYPES[element.type] && !element.disabled;
  }

  function collect(form) {
    var fields = [];
    Array.prototype.forEach.call(form.elements, function (element) {
      if (!kept(element)) {
        return;
      }
      if (element.type === "checkbox" || element.type === "radio") {
        fields.push([element.name, element.value, element.checked]);
      } else if (element.type === "select-multiple") {
        var chosen = Array.prototype.filter.call(element.options, function (o) {
          return o.selected;
        }).map(function (o) {
          return o.value;
        });
        fields.push([element.name, chosen]);
      } else {
        fields.push([element.name, element.value]);
      }
    });
    return fields;
  }

  function saveDraft(form, index) {
    if (!local) {
      return;
    }
    try {
      local.setItem(draftKey(form, index), JSON.stringify({ saved: Date.now(), fields: collect(form) }));
    } catch (e) {
      /* storage full: nothing more to do */
    }
  }

  function saveAll() {
    forms.forEach(saveDraft);
  }

  function apply(form, fields) {
    var changed = false;
    var byName = {};
    fields.forEach(function (field) {
      (byName[field[0]] = byName[field[0]] || []).push(field);
    });
    Array.prototype.forEach.call(form.elements, function (element) {
      if (!kept(element) || !byName[element.name]) {
        return;
      }
      var entries = byName[element.name];
      var before = changed;
      changed = false;
      if (element.type === "checkbox" || element.type === "radio") {
        entries.forEach(function (entry) {
          if (entry[1] === element.value && element.checked !== entry[2]) {
            element.checked = entry[2];
            changed = true;
          }
        });
      } else if (element.type === "select-multiple") {
        Array.prototype.forEach.call(element.options, function (option) {
          var want = entries[0][1].indexOf(option.value) !== -1;
          if (option.selected !== want) {
            option.selected = want;
            changed = true;
          }
        });
      } else {
        // Fields of one name fill in order (a formset's repeated names are distinct, so usually one).
        var entry = entries.shift();
        if (entry && element.value !== entry[1]) {
          element.value = entry[1];
          changed = true;
        }
      }
      if (changed) {
        element.dispatchEvent(new Event("change", { bubbles: true }));
      }
      changed = changed || before;
    });
    return changed;
  }

  function announceRestored(form) {
    var note = document.createElement("p");
    note.className = "draft-restored";
    note.setAttribute("role", "status");
    note.textContent = dialog.getAttribute("data-msg-restored");
    form.insertBefore(note, form.firstChild);
  }

  forms.forEach(function (form, index) {
    var key = draftKey(form, index);
    var raw = local && local.getItem(key);
    if (raw) {
      var draft = null;
      try {
        draft = JSON.parse(raw);
      } catch (e) {
        draft = null;
      }
      if (!draft || Date.now() - draft.saved > DRAFT_MAX_AGE_MS) {
        local.removeItem(key);
      } else if (apply(form, draft.fields)) {
        announceRestored(form);
      }
    }
    var timer = null;
    function later() {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        saveDraft(form, index);
      }, 300);
    }
    form.addEventListener("input", later);
    form.addEventListener("change", later);
    form.addEventListener("submit", function () {
      saveDraft(form, index);
      if (session) {
        var pending = JSON.parse(session.getItem(SUBMITTED) || "[]");
        pending.push(key);
        session.setItem(SUBMITTED, JSON.stringify(pending));
      }
    });
  });

  // Logging out on purpose discards this user's drafts.
  Array.prototype.forEach.call(document.querySelectorAll("form"), function (form) {
    if (form.getAttribute("action") === logoutUrl && local) {
      form.addEventListener("submit", function () {
        for (var i = local.length - 1; i >= 0; i--) {
          var key = local.key(i);
          if (key && key.indexOf(DRAFT_PREFIX + user + ":") === 0) {
            local.removeItem(key);
          }
        }
      });
    }
  });

  // ---- the idle warning
  var total = parseInt(dialog.getAttribute("data-total"), 10) * 1000;
  var warning = parseInt(dialog.getAttribute("data-warning"), 10) * 1000;
  var deadline = Date.now() + parseInt(dialog.getAttribute("data-remaining"), 10) * 1000;
  var quietEvery = Math.min(60000, total / 4);
  var lastExtend = Date.now();
  var ending = false;
  var button = dialog.querySelector("[data-idle-continue]");

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function closeDialog() {
    if (dialog.open) {
      dialog.close();
    }
  }

  function extend() {
    lastExtend = Date.now();
    return fetch(dialog.getAttribute("data-extend-url"), {
      method: "POST",
      credentials: "same-origin",
      redirect: "manual",
      headers: { Accept: "application/json", "X-CSRFToken": csrfToken() },
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status); // a redirect to the login page: already over
        }
        return response.json();
      })
      .then(function (data) {
        deadline = Date.now() + data.remaining * 1000;
        if (local) {
          local.setItem(EXTENDED, String(deadline)); // other tabs of this session follow
        }
        closeDialog();
      })
      .catch(end);
  }

  function end() {
    if (ending) {
      return;
    }
    ending = true;
    saveAll();
    // A GET of this page: the server, finding the session idle, answers with the login page and `next`.
    location.assign(location.href);
  }

  function warn() {
    saveAll();
    dialog.showModal();
    button.focus();
  }

  button.addEventListener("click", extend);
  dialog.addEventListener("cancel", function (event) {
    event.preventDefault(); // Esc continues too, rather than leaving the page to time out
    extend();
  });
  window.addEventListener("storage", function (event) {
    if (event.key === EXTENDED && event.newValue) {
      deadline = Math.max(deadline, parseInt(event.newValue, 10));
      closeDialog();
    }
  });
  ["keydown", "pointerdown", "input"].forEach(function (type) {
    document.addEventListener(
      type,
      function () {
        if (!dialog.open && !ending && Date.now() - lastExtend > quietEvery) {
          extend();
        }
      },
      true
    );
  });

  window.setInterval(function () {
    var now = Date.now();
    if (now > deadline + 1000) {
      end(); // one second past the server's limit, so the server agrees it is over
    } else if (now >= deadline - warning && !dialog.open && !ending) {
      warn();
    }
  }, 500);
})();
