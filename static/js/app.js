// Progressive enhancement only: every page works without JavaScript.
import { initAll as initGovuk } from "/static/govuk/govuk-frontend.min.js";
import { initAll as initMoj } from "/static/moj/moj-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initGovuk();
initMoj();
// HTMX swaps new markup in: initialise GOV.UK components inside it too.
document.body.addEventListener("htmx:afterSettle", (event) => initGovuk({ scope: event.target }));

// A justification box kept across a findings refresh (hx-preserve) is moved, not redrawn, so
// what is being typed stays. Chromium moves it with its focus (moveBefore); where a browser
// cannot, give the person their focus and caret back in the same task, before the next key.
let editing = null;
document.body.addEventListener("htmx:beforeSwap", () => {
  const active = document.activeElement;
  editing =
    active && active.matches("[hx-preserve]")
      ? { element: active, start: active.selectionStart, end: active.selectionEnd }
      : null;
});
document.body.addEventListener("htmx:afterSwap", () => {
  if (editing && editing.element.isConnected && document.activeElement !== editing.element) {
    editing.element.focus({ preventScroll: true });
    editing.element.setSelectionRange(editing.start, editing.end);
  }
  editing = null;
});
