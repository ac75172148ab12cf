// Progressive enhancement only: every page works without JavaScript.
import { initAll as initGovuk } from "/static/govuk/govuk-frontend.min.js";
import { initAll as initMoj } from "/static/moj/moj-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initGovuk();
initMoj();
// HTMX swaps new markup in: initialise GOV.UK components inside it too.
document.body.addEventListener("htmx:afterSettle", (event) => initGovuk({ scope: event.target }));

// GOV.UK Frontend's conditional reveal on radios sets aria-expanded on each radio input, which
// ARIA 1.2 does not allow on a radio (axe: aria-allowed-attr). The reveal itself stays (the
// revealed box follows its radio; aria-controls, a global attribute, still links them): drop
// the attribute after Frontend sets it: at start, on pageshow (when Frontend syncs the reveals
// again) and after each click (docs/recall-workflow.md).
const dropRadioExpanded = () =>
  document
    .querySelectorAll(".govuk-radios__input[aria-expanded]")
    .forEach((input) => input.removeAttribute("aria-expanded"));
dropRadioExpanded();
window.addEventListener("pageshow", dropRadioExpanded);
document.addEventListener("click", dropRadioExpanded);
document.body.addEventListener("htmx:afterSettle", dropRadioExpanded);

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
