/* Saved replies beside the reply box (staff only): the chosen reply is filled in for this
   thread by the server (GET /staff/saved-replies/<id>/fill?thread=<id>) and put into the
   reply textarea to edit. Nothing is ever posted from here. Without JavaScript the picker's
   links reopen the thread page with the reply box prefilled (?saved=<id>). */
(function () {
  "use strict";

  function setup(box) {
    var select = box.querySelector("[data-saved-reply-select]");
    var button = box.querySelector("[data-saved-reply-insert]");
    var status = box.querySelector("[data-saved-reply-status]");
    var form = box.closest("form");
    var textarea = form && form.querySelector("textarea[name='" + (box.dataset.target || "body") + "']");
    if (!select || !button || !textarea) { return; }
    select.hidden = false;
    button.hidden = false;

    function say(text, warn) {
      status.textContent = text;
      status.classList.toggle("is-warning", !!warn);
    }

    button.addEventListener("click", function () {
      if (!select.value) { say("Choose a saved reply first.", true); return; }
      if (textarea.value.trim() && !window.confirm("Replace what is in the reply box with this saved reply?")) { return; }
      button.disabled = true;
      fetch(select.value, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) { throw new Error("HTTP " + response.status); }
          return response.json();
        })
        .then(function (data) {
          textarea.value = data.body;
          textarea.focus();
          if (data.unknown && data.unknown.length) {
            say("Inserted. Unknown placeholders were left as typed, fix them before posting: " + data.unknown.join(", "), true);
          } else {
            say("Inserted. Edit it as you need, then post your answer.", false);
          }
        })
        .catch(function () { say("The saved reply could not be loaded; try again.", true); })
        .then(function () { button.disabled = false; });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-saved-replies]"), setup);
  });
})();
