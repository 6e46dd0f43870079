#!/usr/bin/env bash
# Set up and run the whole test suite: ./scripts/test.sh [pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n==> %s\n' "$*"; }

apt_updated=0
apt_install() {
  if [ "$(id -u)" != "0" ]; then
    echo "need root to apt-get install $*; install them and re-run" >&2; exit 1
  fi
  if [ "$apt_updated" = 0 ]; then apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# --- PostgreSQL: a real server on 127.0.0.1:5432 ---------------------------------------------
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    log "installing PostgreSQL (Debian package)"
    apt_install postgresql
  fi
  log "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
  pg_isready -h 127.0.0.1 -p 5432
fi
export SWAPSAFE_TEST_POSTGRES_URL="${SWAPSAFE_TEST_POSTGRES_URL:-postgresql://postgres@127.0.0.1:5432/test}"

# --- Chromium for the web UI tests ---------------------------------------------------------------
if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
  log "installing chromium + chromium-driver (Debian packages)"
  apt_install chromium chromium-driver
fi

# --- Python environment ---------------------------------------------------------------------------
PY="${PYTHON:-python3}"
# llama-cpp-python builds from source (no Linux wheels on PyPI): use every core for it
export CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}"
if [ ! -x .venv/bin/python ]; then
  log "creating .venv"
  "$PY" -m venv .venv
fi
# shellcheck disable=SC1091
. .venv/bin/activate
log "installing pinned dependencies (requirements.lock, hash-checked) and swapsafe"
python -m pip install -q --disable-pip-version-check --require-hashes -r scripts/pip.lock \
  2> >(grep -v "^WARNING: Location" >&2)
set -o pipefail
python -m pip install -q --disable-pip-version-check --require-hashes -r requirements.lock \
  2> >(grep -v "^WARNING: Location" >&2)
python -m pip install -q --disable-pip-version-check --no-deps -e . \
  2> >(grep -v "^WARNING: Location" >&2)
python -c "import swapsafe, openai, anthropic, psycopg, llama_cpp" # fail loudly if the install did not work

log "checking site-packages for unexpected .pth files"
python scripts/check_pth.py

log "ruff"
ruff check src tests bench
ruff format --check src tests bench

log "mypy (strict, src/)"
mypy

log "import-linter (layers and no cycles, [tool.importlinter] in pyproject.toml)"
lint-imports

log "pytest"
set +e
python -m pytest --cov=swapsafe --cov-report=term:skip-covered -q "$@"
rc=$?
set -e
if [ "$rc" = 5 ]; then echo "pytest collected no tests: that is a failure here" >&2; exit 1; fi
exit "$rc"
