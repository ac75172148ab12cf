// The dashboard (issue 16): opens every collapsed panel before printing, so the printout has
// every figure (the print stylesheet, static/css/dashboard.css, does the rest), and opens a
// panel reached from the contents list.
window.addEventListener("beforeprint", () => {
  document.querySelectorAll("details").forEach((d) => d.setAttribute("open", ""));
});
function openTarget() {
  const id = decodeURIComponent(window.location.hash.slice(1));
  const target = id && document.getElementById(id);
  const details = target && target.querySelector("details.app-dashboard-panel__details");
  if (details) details.setAttribute("open", "");
}
window.addEventListener("hashchange", openTarget);
document.addEventListener("DOMContentLoaded", openTarget);
