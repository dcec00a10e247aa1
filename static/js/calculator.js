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

  // Choosing another round or item takes effect on the 选择 button only, never on a list's change
  // (WCAG 3.2.2: moving through the list with the arrow keys must not reload the page). Without JS the
  // button submits the GET form; with JS the chosen item's form is fetched and put in place, so focus
  // stays on the button and a screen reader hears what appeared.
  var chooseForm = document.getElementById("choose-form");
  var area = document.getElementById("calculator-area");
  var chooseStatus = document.getElementById("choose-status");

  function adopt(fresh, id) {
    // Put the fetched page's element `id` in place of ours (imported nodes: no script runs, none is there).
    var mine = document.getElementById(id);
    var theirs = fresh.getElementById(id);
    if (!mine || !theirs) {
      return false;
    }
    while (mine.firstChild) {
      mine.removeChild(mine.firstChild);
    }
    Array.prototype.forEach.call(theirs.childNodes, function (node) {
      mine.appendChild(document.importNode(node, true));
    });
    return true;
  }

  function choose(url) {
    return fetch(url, { headers: { Accept: "text/html" }, credentials: "same-origin" })
      .then(function (response) {
        if (response.status !== 200) {
          throw new Error("HTTP " + response.status);
        }
        return response.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        if (!adopt(fresh, "calculator-area")) {
          throw new Error("no calculator on the page");
        }
        // The item list follows the round; the round's and the item's messages follow the server.
        ["id_item", "error-round", "error-item"].forEach(function (id) {
          adopt(fresh, id);
        });
        document.title = fresh.title;
        if (window.history && window.history.pushState) {
          window.history.pushState(null, "", url);
        }
        bindCalculator();
        if (chooseStatus) {
          var heading = area.querySelector("h2");
          chooseStatus.textContent = heading
            ? chooseStatus.getAttribute("data-msg-loaded") + heading.textContent
            : chooseStatus.getAttribute("data-msg-none");
        }
      });
  }

  if (chooseForm && area && window.fetch && window.DOMParser) {
    chooseForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var url = chooseForm.getAttribute("action") + "?" + new URLSearchParams(new FormData(chooseForm));
      choose(url).catch(function () {
        chooseForm.submit(); // the page as without JS: a reload is better than nothing
      });
    });
    // Back and forward: the address changed under us, so show what it names.
    window.addEventListener("popstate", function () {
      window.location.reload();
    });
  }

  var form = null;
  var panel = null;
  var quoteUrl = null;
  var applyLink = null;
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

  // The item's form (on load, and again after 选择 put another in place): live result while typing.
  function bindCalculator() {
    window.clearTimeout(timer);
    sequence++; // answers still on their way belong to the form that was replaced
    form = document.getElementById("calculator-form");
    panel = document.getElementById("quote-result");
    applyLink = document.getElementById("apply-link");
    if (!form || !panel) {
      return;
    }
    quoteUrl = form.getAttribute("data-quote-url");
    form.addEventListener("input", schedule);
    form.addEventListener("change", schedule);
    form.addEventListener("submit", function (event) {
      // With JS the result is already live; compute at once instead of reloading the page.
      event.preventDefault();
      window.clearTimeout(timer);
      update();
    });
  }

  bindCalculator();
})();
