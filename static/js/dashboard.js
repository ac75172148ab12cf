// The dashboard (issue 16): opens every collapsed details before printing, so the printout has
// every figure (the print stylesheet, static/css/dashboard.css, does the rest), and closes them
// again afterwards; opens a panel reached from the contents list.
let openedForPrint = [];
window.addEventListener("beforeprint", () => {
  openedForPrint = Array.from(document.querySelectorAll("details:not([open])"));
  openedForPrint.forEach((d) => d.setAttribute("open", ""));
});
window.addEventListener("afterprint", () => {
  openedForPrint.forEach((d) => d.removeAttribute("open"));
  openedForPrint = [];
});
function openTarget() {
  const id = decodeURIComponent(window.location.hash.slice(1));
  const target = id && document.getElementById(id);
  const details = target && target.querySelector("details.app-dashboard-panel__details");
  if (details) details.setAttribute("open", "");
}
window.addEventListener("hashchange", openTarget);
document.addEventListener("DOMContentLoaded", openTarget);
