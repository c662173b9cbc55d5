// Signing section of the household page: close an inline form (no inline scripts: CSP).
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-signing-close]");
  if (!button) return;
  const area = button.closest("#signing-form");
  if (area) area.replaceChildren();
});

document.addEventListener("click", (event) => {
  if (event.target.closest("[data-signing-print]")) window.print();
});
