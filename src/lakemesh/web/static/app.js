// Small progressive enhancements; every page works without them (no inline scripts: the CSP forbids them).
(function () {
  "use strict";

  function insertAtCursor(area, text) {
    var start = area.selectionStart || 0;
    var end = area.selectionEnd || 0;
    area.value = area.value.slice(0, start) + text + area.value.slice(end);
    area.selectionStart = area.selectionEnd = start + text.length;
    area.focus();
  }

  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target.closest("[data-insert]") : null;
    if (!target) return;
    var area = document.getElementById("sql");
    if (area) insertAtCursor(area, target.getAttribute("data-insert"));
  });

  document.addEventListener("keydown", function (event) {
    var area = event.target;
    if (!(area instanceof HTMLTextAreaElement) || !area.hasAttribute("data-run-with-ctrl-enter")) return;
    if ((event.ctrlKey || event.metaKey) && event.key === "Enter") {
      event.preventDefault();
      var run = document.getElementById("run-query");
      if (area.form && run) area.form.requestSubmit(run);
    }
  });

  // Confirmations for destructive buttons: <button data-confirm="Remove x?">.
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var message = button && button.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  });

  // Facets apply as soon as they change (the form still works with its button when scripts are off).
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field instanceof Element && field.closest("form[data-auto-submit]") && !(field instanceof HTMLInputElement && field.type === "search")) {
      var form = field.closest("form");
      if (!(window.htmx && form.hasAttribute("hx-get"))) form.requestSubmit(); // htmx forms trigger themselves
    }
  });
})();
