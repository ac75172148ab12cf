// Progressive enhancement only: every page works without JavaScript.
import { initAll as initGovuk } from "/static/govuk/govuk-frontend.min.js";
import { initAll as initMoj } from "/static/moj/moj-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initGovuk();
initMoj();
// HTMX swaps new markup in: initialise GOV.UK components inside it too.
document.body.addEventListener("htmx:afterSettle", (event) => initGovuk({ scope: event.target }));
