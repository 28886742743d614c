// Enhancements only: every page and form works without this script. GOV.UK Frontend's and MoJ
// Frontend's components start on the elements that ask for them (data-module="…").
import { initAll as initGovukFrontend } from './govuk-frontend.min.js'
import { initAll as initMojFrontend } from './moj-frontend.min.js'

// The layout's inline script sets these classes as the page starts; they are set again here in
// case a Content Security Policy without its nonce blocked that script. A module script runs only
// in a browser that supports modules, which is what `govuk-frontend-supported` means.
document.body.classList.add('js-enabled', 'govuk-frontend-supported')

initGovukFrontend()
initMojFrontend()
