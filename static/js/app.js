// healthpov behaviour shared by every page. No inline scripts or on* attributes (CSP):
// behaviour hangs on data-* attributes here.
(function () {
  "use strict";

  // <button data-print> opens the print dialog (print.css lays the page out on A4).
  document.addEventListener("click", function (event) {
    var trigger = event.target.closest("[data-print]");
    if (trigger) {
      event.preventDefault();
      window.print();
    }
  });
})();

// A stacked table (.table-stack in app.css) shows each cell under its column's name, read from
// the cell's data-label. Templates write data-label where the columns are fixed; here cells of
// tables whose columns come from data (work lists, ledgers) get theirs from the header row,
// on load and after every HTMX swap.
(function () {
  "use strict";

  function labelCells(root) {
    root.querySelectorAll("table.table-stack").forEach(function (table) {
      var headers = table.querySelectorAll(":scope > thead > tr:last-child > th");
      if (!headers.length) return;
      table.querySelectorAll(":scope > tbody > tr").forEach(function (row) {
        var column = 0;
        Array.prototype.forEach.call(row.children, function (cell) {
          var header = headers[column];
          column += cell.colSpan || 1;
          if (cell.colSpan > 1 || cell.hasAttribute("data-label") || !header) return;
          var text = header.textContent.trim();
          if (text) cell.setAttribute("data-label", text);
        });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { labelCells(document); });
  document.addEventListener("htmx:afterSettle", function () { labelCells(document); });
})();
