#!/usr/bin/env bash
# API fuzzing: schemathesis (its command line) against /api/schema/ on a live gunicorn, signed in
# as a township user with a token. Fails on any 5xx or an undocumented status code.
#
# Usage: bench/fuzz_api.sh [MAX_EXAMPLES] [MAX_SECONDS]
#   MAX_EXAMPLES per operation (default 25); MAX_SECONDS bounds the whole schemathesis run
#   (default none; bin/test gives one: fuzzing repeats until it is spent, so it is also the time
#   the run takes).
# Needs PostgreSQL (PG_URL, default postgres://postgres@127.0.0.1:5432). A throwaway database is
# created, migrated and seeded with the demo county (or copied from TEMPLATE_DB, a migrated and
# seeded database, when set), and dropped at the end.
# schemathesis lives in its own virtualenv (.venv-fuzz): its pytest plugin must not load into
# the project's test runs.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
MAX_EXAMPLES="${1:-25}"
MAX_SECONDS="${2:-}"
PY="${PYTHON:-$ROOT/.venv/bin/python}"
FUZZ_VENV="${FUZZ_VENV:-$ROOT/.venv-fuzz}"
PG="${PG_URL:-postgres://postgres@127.0.0.1:5432}"
DB="healthpov_fuzz_$$"
PORT="${FUZZ_PORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"

if [[ ! -x "$FUZZ_VENV/bin/schemathesis" && ! -x "$FUZZ_VENV/bin/st" ]]; then
    python3 -m venv "$FUZZ_VENV"
    "$FUZZ_VENV/bin/pip" install -q schemathesis
fi
ST="$FUZZ_VENV/bin/schemathesis"
[[ -x "$ST" ]] || ST="$FUZZ_VENV/bin/st"

STATIC_ROOT="$(mktemp -d)"  # none collected: the API names no static file
export DJANGO_SETTINGS_MODULE=healthpov.settings.local DEBUG=false SECRET_KEY=fuzz-only-not-secret \
    ALLOWED_HOSTS=127.0.0.1 DATABASE_URL="$PG/$DB" REDIS_URL= STATIC_ROOT
if [[ -n "${TEMPLATE_DB:-}" ]]; then
    psql "$PG/postgres" -qc "CREATE DATABASE $DB TEMPLATE $TEMPLATE_DB" >/dev/null
else
    psql "$PG/postgres" -qc "CREATE DATABASE $DB" >/dev/null
fi
cleanup() {
    [[ -n "${WEB_PID:-}" ]] && kill "$WEB_PID" 2>/dev/null && wait "$WEB_PID" 2>/dev/null
    psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null || true
    rm -rf "$STATIC_ROOT"
}
trap cleanup EXIT
"$PY" manage.py migrate -v0
[[ -n "${TEMPLATE_DB:-}" ]] || "$PY" manage.py seed_demo >/dev/null
TOKEN="$("$PY" manage.py shell -c "
from rest_framework.authtoken.models import Token
from healthpov.accounts.models import User
user = User.objects.filter(role=User.Role.TOWNSHIP_STAFF).order_by('username').first()
print(Token.objects.get_or_create(user=user)[0].key)
" | tail -n 1)"
"$PY" -m gunicorn healthpov.wsgi -b "127.0.0.1:$PORT" -w 2 --timeout 60 --log-level warning &
WEB_PID=$!
for _ in $(seq 1 60); do curl -fs -o /dev/null "http://127.0.0.1:$PORT/accounts/login/" && break; sleep 1; done

"$ST" run "http://127.0.0.1:$PORT/api/schema/" \
    --header "Authorization:Token $TOKEN" \
    --checks not_a_server_error,status_code_conformance \
    --max-examples "$MAX_EXAMPLES" \
    --request-timeout 30 \
    ${MAX_SECONDS:+--max-time "$MAX_SECONDS"} \
    --seed 8 2>&1 |
    # schemathesis closes with a pytest-shaped "=== 1 warning in 40.05s ===" line; CI reads such
    # a line as a test runner that ran no test, so its banners are printed as plain lines and
    # its closing count without pytest's "in N s"
    sed -E -e 's/^=+ (.*[^=]) =+$/schemathesis: \1/' -e 's/ in ([0-9.]+)s$/ (\1 s)/'
