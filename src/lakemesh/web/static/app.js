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
      if (run && !run.disabled) run.click(); // a click, so htmx runs it with the pending badge and Cancel
    }
  });

  // Query history: "Edit" puts a past query back into the editor.
  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target.closest("[data-load-sql]") : null;
    var area = document.getElementById("sql");
    if (!target || !area) return;
    area.value = target.getAttribute("data-load-sql");
    area.focus();
  });

  // Query results: the "Columns shown" boxes hide or show a column of the results table.
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!(box instanceof HTMLInputElement) || !box.hasAttribute("data-toggle-column")) return;
    var index = Number(box.getAttribute("data-toggle-column"));
    var table = document.getElementById("query-results");
    if (!table) return;
    Array.prototype.forEach.call(table.rows, function (row) {
      if (row.cells[index]) row.cells[index].hidden = !box.checked;
    });
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
