#!/usr/bin/env bash
# The whole test suite: type check, unit + integration tests on PGlite and on a real PostgreSQL,
# then browser tests in Debian's Chromium. Used by `npm test` and by .ci/run.
#
# PostgreSQL: TEST_DATABASE_URL (a role that may CREATE DATABASE) if set; otherwise a throwaway
# cluster is started from the local PostgreSQL binaries (initdb). With neither, the PostgreSQL pass
# is skipped with a warning — except under CI=true, where that is a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
export TZ=UTC
export NODE_OPTIONS="${NODE_OPTIONS:-} --no-warnings=ExperimentalWarning"

step() { printf '\n=== %s\n' "$*"; }

step "runtime: node $(node --version) ($(command -v node))"

step "type check"
npx tsc --noEmit -p tsconfig.json

step "build web apps"
npx vite build --logLevel warn

# npm start and production run the compiled server; src/server/compiled-start.test.ts starts it.
step "build server"
npm run --silent build:server

# web/ holds a few tests of pure UI logic (the plan editor's form model); they need no browser.
mapfile -t UNIT < <(find src web -name '*.test.ts' | sort)
# The files that reach the store under test: through the test helpers that open it, or by naming
# the suite's store settings. The others (domain rules, PGlite's own memory settings, the compiled
# server on its embedded store, UI logic) do the same on either pass, so they run on the first only.
STORE_USE='testing/(db|server|migrations|pg-cluster)\.js|VARDE_TEST_DB|TEST_DATABASE_URL|TEST_DB_KIND|openPostgres|openDb\('
mapfile -t STORE_UNIT < <(grep -lE "$STORE_USE" "${UNIT[@]}")
mapfile -t E2E < <(find e2e -name '*.test.ts' 2>/dev/null | sort)

# Unit and integration tests that use the store run on both stores (the others on PGlite's pass
# only). Browser tests exercise the apps, not the store (every store-specific path is covered by
# the integration tests), so they run once: on PostgreSQL, the production engine, or on PGlite when
# no PostgreSQL is available. The whole suite takes about 20 minutes on a 2-core machine.
run_units() {
  local kind=$1
  shift
  step "unit + integration tests on $kind ($# files)"
  VARDE_TEST_DB=$kind node --import tsx --test --test-concurrency=2 "$@"
}

run_browser() {
  local kind=$1
  [ ${#E2E[@]} -gt 0 ] || return 0
  if [ -x "${CHROMIUM:-/usr/bin/chromium}" ]; then
    step "browser tests on $kind (${#E2E[@]} files)"
    VARDE_TEST_DB=$kind node --import tsx --test --test-concurrency=1 "${E2E[@]}"
  elif [ "${CI:-}" = "true" ]; then
    echo "Chromium not found at ${CHROMIUM:-/usr/bin/chromium}; CI must install it (apt-get install chromium)" >&2
    exit 1
  else
    echo "WARNING: no Chromium at ${CHROMIUM:-/usr/bin/chromium}; browser tests skipped (apt-get install chromium)" >&2
  fi
}

run_units pglite "${UNIT[@]}"

PG_TMP=""
cleanup() {
  if [ -n "$PG_TMP" ]; then
    $PG_AS "$PG_BIN/pg_ctl" -D "$PG_TMP/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$PG_TMP"
  fi
}
trap cleanup EXIT

if [ -z "${TEST_DATABASE_URL:-}" ]; then
  PG_BIN=$(dirname "$(command -v initdb 2>/dev/null || ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -1 || true)")
  if [ -x "$PG_BIN/initdb" ]; then
    step "starting a throwaway PostgreSQL from $PG_BIN"
    PG_TMP=$(mktemp -d /tmp/varde-pg.XXXXXX)
    PG_AS=""
    if [ "$(id -u)" = "0" ]; then
      # initdb refuses to run as root.
      id postgres >/dev/null 2>&1 || useradd -r -M postgres
      chown postgres "$PG_TMP"
      PG_AS="runuser -u postgres --"
    fi
    PORT=$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
    $PG_AS "$PG_BIN/initdb" -D "$PG_TMP/data" -U postgres --auth=trust -E UTF8 >/dev/null
    $PG_AS "$PG_BIN/pg_ctl" -D "$PG_TMP/data" -l "$PG_TMP/log" -w -o "-h 127.0.0.1 -p $PORT -k $PG_TMP -c fsync=off" start >/dev/null
    export TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$PORT/postgres"
  elif [ "${CI:-}" = "true" ]; then
    echo "No PostgreSQL for the test suite: set TEST_DATABASE_URL or install postgresql" >&2
    exit 1
  else
    echo "WARNING: no PostgreSQL found (set TEST_DATABASE_URL or install postgresql); PostgreSQL pass skipped, browser tests on PGlite" >&2
    run_browser pglite
    exit 0
  fi
fi

run_units postgres "${STORE_UNIT[@]}"
run_browser postgres
