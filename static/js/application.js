/*
 * The application wizard: autosave while typing, and the live ceiling.
 *
 * The page works without this file ("保存草稿" posts the form and the server renders the ceiling);
 * this only saves the round trip. No inline script or handler anywhere (CSP script-src 'self'); text
 * is set with textContent, never innerHTML: reasons and steps come from data that staff edit.
 */
(function () {
  "use strict";

  var DEBOUNCE_MS = 400;

  document.documentElement.classList.add("js");

  // The outcome of an upload or a removal, in the material's card: focused, so it is read out and the
  // page stands where the user was (issue 15). The fragment (#upload-result) already scrolled to it.
  var result = document.getElementById("upload-result");
  if (result) {
    // The redirect's fragment names it too; a page rendered again (refused typing) has none. Its CSS
    // scroll-margin keeps the card's heading in view above it.
    result.focus();
  }

  var form = document.getElementById("application-form");
  var panel = document.getElementById("quote-result");
  if (!form || !panel) {
    return;
  }
  var autosaveUrl = form.getAttribute("data-autosave-url");
  var statusEl = document.getElementById("autosave-status");

  var timer = null;
  var sequence = 0;

  function csrfToken() {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function showQuote(quote, hasErrors) {
    window.QuotePanel.render(panel, quote, hasErrors);
  }

  function showSaved(savedAt) {
    // saved_at is ISO 8601 in Shanghai time ("2025-04-01T10:00:00+08:00"): show its clock time as is.
    var clock = savedAt ? String(savedAt).slice(11, 19) : "";
    statusEl.textContent = clock ? form.getAttribute("data-msg-saved") + " " + clock : "";
  }

  function showFailure() {
    statusEl.textContent = form.getAttribute("data-msg-unsaved");
  }

  function save() {
    var body = new URLSearchParams();
    new FormData(form).forEach(function (value, name) {
      // The material file inputs belong to this form too (for the upload button); autosave sends text.
      if (typeof value === "string" && name !== "next") {
        body.append(name, value);
      }
    });
    var mine = ++sequence;
    panel.setAttribute("aria-busy", "true");
    fetch(autosaveUrl, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": csrfToken() },
    })
      .then(function (response) {
        // 400 carries the per-field messages; anything else without JSON (a login page) is a failure.
        var type = response.headers.get("Content-Type") || "";
        if ((response.status !== 200 && response.status !== 400) || type.indexOf("application/json") !== 0) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        if (mine !== sequence) {
          return; // the answer to an older keystroke
        }
        var errors = data.errors || {};
        window.QuotePanel.showErrors(form, errors);
        showQuote(data.quote, Object.keys(errors).length > 0);
        if (data.saved_at) {
          showSaved(data.saved_at);
        } else {
          showFailure();
        }
      })
      .catch(function () {
        if (mine === sequence) {
          showFailure();
        }
      })
      .then(function () {
        if (mine === sequence) {
          panel.removeAttribute("aria-busy");
        }
      });
  }

  function schedule() {
    window.clearTimeout(timer);
    timer = window.setTimeout(save, DEBOUNCE_MS);
  }

  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
})();
