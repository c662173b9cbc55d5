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
