#!/usr/bin/env bash
# Installs the JS SDK's build tools into sdk/js/node_modules from the npm registry, exactly the
# versions of package-lock.json (npm ci), nothing global: componentize-js (the component
# builder), jco (type generation) and esbuild (bundling, TypeScript). Needs node >= 20 and npm.
set -euo pipefail
cd "$(dirname "$0")"
node -e 'const [a] = process.versions.node.split("."); if (+a < 20) { console.error("node >= 20 needed, found " + process.version); process.exit(1) }'
# npm records what it installed in node_modules/.package-lock.json: newer than the lock file
# means the lock file's versions are in place.
if [ node_modules/.package-lock.json -nt package-lock.json ] && [ -d node_modules/@bytecodealliance/componentize-js ]; then
  echo "sdk/js/node_modules: already the versions of package-lock.json"
  exit 0
fi
echo "installing sdk/js/node_modules (the versions of package-lock.json)"
# `npm ci` is the strict way, but npm 11 refuses this lock file for lacking entries of other
# platforms' optional binaries; `npm install` then installs the locked versions.
if ! npm ci --no-audit --no-fund; then
  echo "npm ci refused the lock file; installing the locked versions with npm install"
  npm install --no-audit --no-fund
fi
echo "ready: componentize-js $(node -p 'require("./node_modules/@bytecodealliance/componentize-js/package.json").version'), esbuild $(node_modules/.bin/esbuild --version)"
