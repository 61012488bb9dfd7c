// Wharf web UI: a copy button and confirmations. Pages work without this file.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function announce(button, text) {
    var old = button.textContent;
    button.textContent = text;
    button.setAttribute("aria-live", "polite");
    setTimeout(function () { button.textContent = old; }, 2000);
  }

  function copy(button) {
    var source = document.getElementById(button.getAttribute("data-copy-from"));
    if (!source) { return; }
    var text = source.value;
    var fallback = function () {
      source.focus();
      source.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      announce(button, ok ? "Copied" : "Press Ctrl+C");
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { announce(button, "Copied"); }, fallback);
    } else {
      fallback();
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button.copy");
    if (button) { copy(button); }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });
})();
