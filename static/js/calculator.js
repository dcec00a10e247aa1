/*
 * Policy calculator: live result while typing.
 *
 * The page works without this file (the forms are plain GET forms and the server renders the
 * result); this only saves the round trip. No inline script or handler anywhere, so a strict
 * Content-Security-Policy (script-src 'self') can be switched on. Text is set with textContent,
 * never innerHTML: reasons and steps come from data that staff edit.
 */
(function () {
  "use strict";

  var DEBOUNCE_MS = 250;

  document.documentElement.classList.add("js");

  // Choosing another round or item reloads the page with that choice (without JS: the 选择 button).
  var chooseForm = document.getElementById("choose-form");
  if (chooseForm) {
    chooseForm.addEventListener("change", function (event) {
      var name = event.target && event.target.name;
      if (name === "round" || name === "item") {
        chooseForm.submit();
      }
    });
  }

  var form = document.getElementById("calculator-form");
  var panel = document.getElementById("quote-result");
  if (!form || !panel) {
    return;
  }
  var quoteUrl = form.getAttribute("data-quote-url");
  var applyLink = document.getElementById("apply-link");

  var timer = null;
  var controller = null;
  var sequence = 0;

  function showQuote(data) {
    var errors = data.errors || {};
    var hasErrors = Object.keys(errors).length > 0;
    window.QuotePanel.showErrors(document, errors);
    window.QuotePanel.render(panel, data, hasErrors);
  }

  function showFailure() {
    window.QuotePanel.render(panel, null, false);
  }

  function update() {
    var query = new URLSearchParams(new FormData(form)).toString();
    var mine = ++sequence;
    if (controller) {
      controller.abort();
    }
    controller = typeof AbortController === "function" ? new AbortController() : null;
    panel.setAttribute("aria-busy", "true");
    fetch(quoteUrl + "?" + query, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
      signal: controller ? controller.signal : undefined,
    })
      .then(function (response) {
        // 400 carries the per-field messages; anything else without JSON is a failure.
        if (response.status !== 200 && response.status !== 400) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        if (mine !== sequence) {
          return; // an answer to an older keystroke
        }
        showQuote(data);
        // Keep the address in step with the figures, so reloading or sharing shows the same result.
        if (window.history && window.history.replaceState) {
          window.history.replaceState(null, "", form.getAttribute("action") + "?" + query);
        }
        // "用这些数据申报" carries the figures typed so far to the application's confirmation page.
        if (applyLink) {
          applyLink.setAttribute("href", applyLink.getAttribute("data-base-url") + "?" + query);
        }
      })
      .catch(function (error) {
        if (error && error.name === "AbortError") {
          return;
        }
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
    timer = window.setTimeout(update, DEBOUNCE_MS);
  }

  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
  form.addEventListener("submit", function (event) {
    // With JS the result is already live; compute at once instead of reloading the page.
    event.preventDefault();
    window.clearTimeout(timer);
    update();
  });
})();
