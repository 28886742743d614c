// Writes web/static/VERSIONS.json (called by ./build): the exact versions installed from
// package-lock.json, which of them the app serves and under which licence file, and the
// govuk-frontend-jinja release pinned in pyproject.toml, whose macros must match govuk-frontend.
import { readFileSync } from 'node:fs'

const lock = JSON.parse(readFileSync('package-lock.json', 'utf8'))
const manifest = JSON.parse(readFileSync('package.json', 'utf8'))
const pyproject = readFileSync('../../pyproject.toml', 'utf8')

// What web/static holds of each package; the others only build it (sass) or are a peer that
// npm requires and nothing of which is served (moment, for MoJ's date filters in Nunjucks).
const served = {
  'govuk-frontend': 'LICENCES/govuk-frontend.txt',
  '@ministryofjustice/frontend': 'LICENCES/ministryofjustice-frontend.txt'
}

const packages = {}
for (const name of Object.keys(manifest.devDependencies).sort()) {
  const entry = lock.packages[`node_modules/${name}`]
  packages[name] = {
    version: entry.version,
    licence: entry.license,
    served: name in served,
    ...(name in served ? { licence_file: served[name] } : {})
  }
}

const jinja = pyproject.match(/"govuk-frontend-jinja==([^"]+)"/)
if (!jinja) throw new Error('pyproject.toml does not pin govuk-frontend-jinja')

const versions = {
  about: 'Written by web/assets/build from web/assets/package-lock.json; do not edit.',
  packages,
  python: { 'govuk-frontend-jinja': jinja[1] }
}
process.stdout.write(JSON.stringify(versions, null, 2) + '\n')
