/* Parley: small progressive enhancements. Every page works without this file. */
(function () {
  "use strict";

  // Ask before destructive actions (forms marked data-confirm="...").
  // Then stop a double-clicked submit from sending the form twice: the server also
  // de-duplicates posts by client_token, this just spares the second request.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      return;
    }
    if (form.getAttribute("method") && form.getAttribute("method").toLowerCase() === "get") return;
    if (form.dataset.submitting === "1") {
      event.preventDefault();
      return;
    }
    form.dataset.submitting = "1";
    var buttons = form.querySelectorAll("button[type=submit], input[type=submit]");
    // Disable after the browser has collected the form data, so the submitter still counts.
    window.setTimeout(function () {
      buttons.forEach(function (button) {
        button.disabled = true;
        button.classList.add("is-busy");
      });
    }, 0);
  });

  // Coming back with the Back button restores the page from cache: make forms usable again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-submitting]").forEach(function (form) {
      delete form.dataset.submitting;
      form.querySelectorAll("button.is-busy, input.is-busy").forEach(function (button) {
        button.disabled = false;
        button.classList.remove("is-busy");
      });
    });
  });

  // Copy buttons: <button data-copy="#selector">.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button || !navigator.clipboard) return;
    var source = document.querySelector(button.getAttribute("data-copy"));
    if (!source) return;
    navigator.clipboard.writeText(source.textContent.trim()).then(function () {
      var label = button.textContent;
      button.textContent = "Copied";
      window.setTimeout(function () { button.textContent = label; }, 1500);
    });
  });

  // Close the account menu when clicking elsewhere or pressing Escape.
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.user-menu[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) menu.removeAttribute("open");
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    document.querySelectorAll("details.user-menu[open]").forEach(function (menu) {
      menu.removeAttribute("open");
      var summary = menu.querySelector("summary");
      if (summary) summary.focus();
    });
  });

  // Ctrl/Cmd+Enter in a post box submits its form.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) return;
    var area = event.target;
    if (area.tagName === "TEXTAREA" && area.form) {
      event.preventDefault();
      if (area.form.requestSubmit) area.form.requestSubmit(); else area.form.submit();
    }
  });
})();
