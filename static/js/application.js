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

  var form = document.getElementById("application-form");
  var panel = document.getElementById("quote-result");
  if (!form || !panel) {
    return;
  }
  var autosaveUrl = form.getAttribute("data-autosave-url");
  var statusEl = document.getElementById("autosave-status");
  var amountEl = document.getElementById("quote-amount");
  var eligibilityEl = document.getElementById("quote-eligibility");
  var reasonsEl = document.getElementById("quote-reasons");
  var stepsEl = document.getElementById("quote-steps");

  var timer = null;
  var sequence = 0;

  // Amounts arrive as decimal strings ("600000.00"); group the digits on the string, never a float.
  function formatYuan(text) {
    var match = /^(-?)(\d+)(?:\.(\d*))?$/.exec(String(text));
    if (!match) {
      return String(text);
    }
    var whole = match[2].replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    var fraction = ((match[3] || "") + "00").slice(0, 2);
    return match[1] + whole + "." + fraction;
  }

  function clearChildren(element) {
    while (element.firstChild) {
      element.removeChild(element.firstChild);
    }
  }

  function csrfToken() {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function showErrors(errors) {
    var messages = form.querySelectorAll(".field__error");
    Array.prototype.forEach.call(messages, function (element) {
      var name = element.id.replace(/^error-/, "");
      var message = errors[name] || "";
      element.textContent = message;
      var field = element.closest(".field");
      if (field) {
        field.classList.toggle("field--error", Boolean(message));
      }
      var input = document.getElementById("id_" + name);
      if (input) {
        if (message) {
          input.setAttribute("aria-invalid", "true");
        } else {
          input.removeAttribute("aria-invalid");
        }
      }
    });
  }

  function showQuote(quote, hasErrors) {
    panel.classList.toggle("result--error", hasErrors);
    panel.classList.toggle("result--ineligible", Boolean(quote) && quote.eligible === false);
    clearChildren(reasonsEl);
    clearChildren(stepsEl);
    if (!quote) {
      amountEl.textContent = "—";
      eligibilityEl.textContent = panel.getAttribute(hasErrors ? "data-msg-errors" : "data-msg-failed");
      return;
    }
    amountEl.textContent = formatYuan(quote.amount);
    eligibilityEl.textContent = panel.getAttribute(quote.eligible ? "data-msg-eligible" : "data-msg-ineligible");
    (quote.reasons || []).forEach(function (reason) {
      var item = document.createElement("li");
      item.textContent = reason;
      reasonsEl.appendChild(item);
    });
    (quote.steps || []).forEach(function (step) {
      var row = document.createElement("tr");
      var rule = document.createElement("td");
      var amount = document.createElement("td");
      rule.textContent = step.rule;
      amount.className = "num";
      amount.textContent = "¥" + formatYuan(step.amount);
      row.appendChild(rule);
      row.appendChild(amount);
      stepsEl.appendChild(row);
    });
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
    var body = new URLSearchParams(new FormData(form));
    body.delete("next");
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
        showErrors(errors);
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
