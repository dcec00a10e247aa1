/*
 * Say what just happened, where the eyes and the screen reader are (issue 16; WCAG 3.3.1, 4.1.3, 2.4.3).
 *
 * - The error summary (accounts/_form_errors.html, role="alert") takes the focus when the page comes back
 *   from a submit with errors, so it is read first and a keyboard user starts from it; its links move the
 *   focus to the field itself (a plain fragment link would only scroll) and bring its label into view.
 * - The flash messages (_messages.html, a live region): content present at load is not announced by
 *   screen readers, so it is put in again a moment later. When the address has a fragment (a redirect
 *   to a part of the page: #documents, #notices, #messages), the messages move to just before that part
 *   and take the focus, so they are in view and read, not left at the top of a scrolled page.
 * No inline script (CSP script-src 'self'); nothing is fetched.
 */
(function () {
  "use strict";

  function labelOf(input) {
    if (input.labels && input.labels.length) {
      return input.labels[0];
    }
    var group = input.closest("fieldset");
    return group ? group.querySelector("legend") || group : input;
  }

  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      var input = link && document.getElementById(link.getAttribute("href").slice(1));
      if (!input) {
        return;
      }
      event.preventDefault();
      input.focus({ preventScroll: true });
      labelOf(input).scrollIntoView({ block: "start" });
    });
    summary.focus();
    return; // the summary is what the page has to say first; messages beside it are read with it
  }

  var messages = document.getElementById("messages");
  if (!messages) {
    return;
  }
  var target = location.hash.length > 1 ? document.getElementById(decodeURIComponent(location.hash.slice(1))) : null;
  if (target && target !== messages && /\b(status|alert)\b/.test(target.getAttribute("role") || "")) {
    return; // the fragment names its own announced result (the wizard's upload-result): that one speaks
  }
  if (target && target !== messages && !messages.contains(target)) {
    target.parentNode.insertBefore(messages, target);
  }
  if (target) {
    messages.focus();
    return; // focusing the region makes the screen reader read it
  }
  // Announce on load: empty the live region, then fill it again once the reader has seen it empty.
  var list = messages.firstElementChild;
  if (list) {
    messages.removeChild(list);
    window.setTimeout(function () {
      messages.appendChild(list);
    }, 250);
  }
})();
