/* Parley knowledge base: suggestions while a question's title is typed (deflection).
   The ask form works without this file; with it, matching help articles and similar
   threads appear under the title, and opening one is reported so the deflection rate
   can be measured (keyed by the form's own client token; nothing about the person). */
(function () {
  "use strict";

  var panel = document.getElementById("kb-suggestions");
  if (!panel) return;
  var form = panel.closest("form");
  var title = form && form.querySelector("input[name=title]");
  var list = panel.querySelector(".kb-suggest-list");
  if (!title || !list) return;

  var DELAY = 300;
  var MIN_CHARS = 8;
  var timer = null;
  var controller = null;
  var lastQuery = "";
  var shownReported = false;

  function field(name) {
    var input = form.querySelector("input[name=" + name + "]");
    return input ? input.value : "";
  }

  function report(event, type, id) {
    var token = field("client_token");
    if (!token || !window.fetch) return;
    var data = new FormData();
    data.append("csrf_token", field("csrf_token"));
    data.append("token", token);
    data.append("event", event);
    if (type) data.append("type", type);
    if (id) data.append("id", String(id));
    // keepalive: the report still goes out when the click leaves or opens a tab
    window.fetch(panel.getAttribute("data-event-url"), {
      method: "POST", body: data, credentials: "same-origin", keepalive: true
    }).catch(function () { /* best effort: reporting never gets in the way */ });
  }

  function badge(text, className) {
    var span = document.createElement("span");
    span.className = "badge " + className;
    span.textContent = text;
    return span;
  }

  function render(results) {
    list.textContent = "";
    results.forEach(function (item) {
      var li = document.createElement("li");
      li.className = "kb-suggestion kb-suggestion-" + item.type;
      if (item.type === "article") li.appendChild(badge("Help article", "badge-help"));
      var link = document.createElement("a");
      link.href = item.url;
      link.textContent = item.title;
      link.target = "_blank";
      link.rel = "noopener";
      link.setAttribute("data-type", item.type);
      link.setAttribute("data-id", String(item.id));
      li.appendChild(link);
      if (item.type === "thread" && item.solved) li.appendChild(badge("Solved", "badge-solved"));
      list.appendChild(li);
    });
    panel.hidden = results.length === 0;
    if (results.length && !shownReported) {
      shownReported = true;
      report("shown");
    }
  }

  function lookup() {
    var query = title.value.trim();
    if (query === lastQuery) return;
    lastQuery = query;
    if (controller) controller.abort();
    if (query.length < MIN_CHARS) {
      render([]);
      return;
    }
    controller = window.AbortController ? new AbortController() : null;
    var url = panel.getAttribute("data-suggest-url") + "?q=" + encodeURIComponent(query);
    window.fetch(url, {
      headers: {"Accept": "application/json"}, credentials: "omit",
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      return response.ok ? response.json() : {results: []};
    }).then(function (body) {
      if (query === lastQuery) render(body.results || []);
    }).catch(function () { /* aborted or offline: keep what is shown */ });
  }

  title.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(lookup, DELAY);
  });

  list.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-type]");
    if (link) report("open", link.getAttribute("data-type"), link.getAttribute("data-id"));
  });
  // middle-click opens a tab without a click event
  list.addEventListener("auxclick", function (event) {
    var link = event.target.closest("a[data-type]");
    if (link && event.button === 1) {
      report("open", link.getAttribute("data-type"), link.getAttribute("data-id"));
    }
  });

  if (title.value.trim()) lookup();  // a form shown again after an error keeps its title
})();
