#!/usr/bin/env bash
# Installs the JS SDK's build tools into sdk/js/node_modules from the npm registry, exactly the
# versions of package-lock.json (npm ci), nothing global: componentize-js (the component
# builder), jco (type generation) and esbuild (bundling, TypeScript). Needs node >= 20 and npm.
set -euo pipefail
cd "$(dirname "$0")"
node -e 'const [a] = process.versions.node.split("."); if (+a < 20) { console.error("node >= 20 needed, found " + process.version); process.exit(1) }'
echo "installing sdk/js/node_modules with npm ci (package-lock.json)"
npm ci --no-audit --no-fund
echo "ready: componentize-js $(node -p 'require("./node_modules/@bytecodealliance/componentize-js/package.json").version'), esbuild $(node_modules/.bin/esbuild --version)"
