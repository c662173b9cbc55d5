# Shared by bin/start and bin/test: make sure .venv exists and holds the project installed
# with the given extras. Re-installs only when pyproject.toml changed since the last install.
# Usage: ensure_venv "" | ensure_venv "[test]"
ensure_venv() {
    local extras="$1"
    local python="${PYTHON:-}"
    if [[ -z "$python" ]]; then
        if command -v python3.11 >/dev/null 2>&1; then python=python3.11; else python=python3; fi
    fi
    if [[ ! -x .venv/bin/python ]]; then
        echo "==> creating .venv with $("$python" --version 2>&1)"
        "$python" -m venv .venv || return 1
    fi
    local stamp=".venv/.healthpov-installed${extras}"
    local test_stamp=".venv/.healthpov-installed[test]"
    local want
    want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
    # An install with the test extra also satisfies a plain one.
    if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]] ||
        [[ -z "$extras" && -f "$test_stamp" && "$(cat "$test_stamp")" == "$want" ]]; then
        echo "==> .venv is up to date with pyproject.toml"
        return 0
    fi
    echo "==> pip install -e .${extras}"
    # This machine's pip.conf names local index folders that may be absent: drop that noise only.
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".${extras}" \
        2> >(grep -v "is ignored: it is neither a file nor a directory" >&2) || return 1
    echo "$want" >"$stamp"
}
