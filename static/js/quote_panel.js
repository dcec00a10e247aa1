/*
 * The result panel the calculator and the application wizard share: one renderer for the engine's quote.
 *
 * Loaded before calculator.js and application.js (both deferred, so in order). Text is set with
 * textContent, never innerHTML: reasons and steps come from data that staff edit.
 */
(function () {
  "use strict";

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

  // The message beside each field (accounts/_field.html: id <input id>_error, data-field the field's name)
  // and the field's aria-invalid, under `root`.
  function showErrors(root, errors) {
    var messages = root.querySelectorAll(".field__error[data-field]");
    Array.prototype.forEach.call(messages, function (element) {
      var name = element.getAttribute("data-field");
      var message = errors[name] || "";
      element.textContent = message;
      var field = element.closest(".field");
      if (field) {
        field.classList.toggle("field--error", Boolean(message));
      }
      var input = document.getElementById(element.id.replace(/_error$/, ""));
      if (input) {
        if (message) {
          input.setAttribute("aria-invalid", "true");
        } else {
          input.removeAttribute("aria-invalid");
        }
      }
    });
  }

  // quote: {amount, eligible, reasons, assumed, steps}, or null when there is none (bad input or a failure).
  function render(panel, quote, hasErrors) {
    var amountEl = document.getElementById("quote-amount");
    var statusEl = document.getElementById("quote-eligibility");
    var reasonsEl = document.getElementById("quote-reasons");
    var stepsEl = document.getElementById("quote-steps");
    var assumedBox = document.getElementById("quote-assumed");
    var assumedEl = document.getElementById("quote-assumed-list");
    var shown = quote && !hasErrors ? quote : null;
    panel.classList.toggle("result--error", Boolean(hasErrors));
    panel.classList.toggle("result--ineligible", Boolean(shown) && shown.eligible === false);
    clearChildren(reasonsEl);
    clearChildren(stepsEl);
    if (assumedEl) {
      // 待确认条件: the conditions the estimate took as met because they were not answered.
      clearChildren(assumedEl);
      var assumed = (shown && shown.assumed) || [];
      assumed.forEach(function (condition) {
        var item = document.createElement("li");
        item.textContent = condition;
        assumedEl.appendChild(item);
      });
      assumedBox.hidden = assumed.length === 0;
    }
    if (!shown) {
      amountEl.textContent = "—";
      statusEl.textContent = panel.getAttribute(hasErrors ? "data-msg-errors" : "data-msg-failed");
      return;
    }
    amountEl.textContent = formatYuan(shown.amount);
    statusEl.textContent = panel.getAttribute(shown.eligible ? "data-msg-eligible" : "data-msg-ineligible");
    (shown.reasons || []).forEach(function (reason) {
      var item = document.createElement("li");
      item.textContent = reason;
      reasonsEl.appendChild(item);
    });
    (shown.steps || []).forEach(function (step) {
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

  window.QuotePanel = { formatYuan: formatYuan, showErrors: showErrors, render: render };
})();
