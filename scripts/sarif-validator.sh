#!/usr/bin/env bash
# Validates SARIF files against the official SARIF 2.1.0 JSON schema (OASIS, JSON Schema
# draft-07) with Python's `jsonschema`, format checks (uri, uri-reference, date-time) on.
#
#   bash scripts/sarif-validator.sh FILE...
#
# Prints `valid: FILE` per valid file on stdout and exits 0 when all are valid; otherwise prints
# the validator's messages on stderr and exits 1 (2 for usage or install errors).
#
# The first run installs, into target/sarif-validator/ (later runs reuse it; a change of any pin
# below reinstalls):
#   venv/                     a Python venv with the pinned validator (PyPI, exact versions)
#   sarif-schema-2.1.0.json   the schema, copied from the crates.io package serde-sarif
#                             (its src/schema.json, `$id` .../oasis-tcs/sarif-spec/master/
#                             Schemata/sarif-schema-2.1.0.json), fetched with `cargo fetch` and
#                             checked against the sha256 below
# Needs python3 (with venv) and cargo, and PyPI and crates.io; nothing else.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="$ROOT/target/sarif-validator"
LOG="$ROOT/target/sarif-validator.install.log"

SCHEMA_CRATE=serde-sarif
SCHEMA_CRATE_VERSION=0.8.0
SCHEMA_PATH_IN_CRATE=src/schema.json
SCHEMA_SHA256=af47e7b67f24efe74076621fd3a5fbe7398add9e84fe820c971219a385895cea
# jsonschema and its whole dependency closure, exact versions (installed with --no-deps).
PY_REQUIREMENTS=(
    jsonschema==4.26.0
    attrs==26.1.0
    jsonschema-specifications==2025.9.1
    referencing==0.37.0
    rpds-py==2026.9.1
    typing_extensions==4.16.0
    rfc3986-validator==0.1.1
    rfc3339-validator==0.1.4
    six==1.17.0
)
STAMP="schema=$SCHEMA_CRATE@$SCHEMA_CRATE_VERSION:$SCHEMA_SHA256 python=${PY_REQUIREMENTS[*]}"

if [ "$#" -eq 0 ]; then
    echo "usage: $0 FILE.sarif..." >&2
    exit 2
fi

install() {
    rm -rf "$DIR"
    mkdir -p "$DIR"

    # The validator.
    printf '%s\n' "${PY_REQUIREMENTS[@]}" >"$DIR/requirements.txt"
    python3 -m venv "$DIR/venv"
    "$DIR/venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
        --only-binary :all: --no-deps -r "$DIR/requirements.txt"
    "$DIR/venv/bin/python" -m pip check --disable-pip-version-check

    # The schema: a throwaway package depending on the pinned crate, so that cargo downloads it.
    local pkg="$DIR/schema-crate"
    mkdir -p "$pkg/src"
    : >"$pkg/src/lib.rs"
    cat >"$pkg/Cargo.toml" <<TOML
[package]
name = "sarif-schema-source"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
$SCHEMA_CRATE = { version = "=$SCHEMA_CRATE_VERSION", default-features = false }

[workspace]
TOML
    local cargo="${CARGO:-cargo}"
    "$cargo" fetch --quiet --manifest-path "$pkg/Cargo.toml"
    local manifest
    manifest="$("$cargo" metadata --quiet --offline --format-version 1 \
        --manifest-path "$pkg/Cargo.toml" |
        "$DIR/venv/bin/python" -c '
import json, sys
name, version = sys.argv[1], sys.argv[2]
meta = json.load(sys.stdin)
print(next(p["manifest_path"] for p in meta["packages"]
           if p["name"] == name and p["version"] == version))
' "$SCHEMA_CRATE" "$SCHEMA_CRATE_VERSION")"
    cp "$(dirname "$manifest")/$SCHEMA_PATH_IN_CRATE" "$DIR/sarif-schema-2.1.0.json"
    echo "$SCHEMA_SHA256  $DIR/sarif-schema-2.1.0.json" | sha256sum --check --quiet

    echo "$STAMP" >"$DIR/.installed"
}

mkdir -p "$ROOT/target"
# One installer at a time (tests run in parallel); the others wait, then reuse its install.
exec 9>"$ROOT/target/sarif-validator.lock"
flock 9
if [ "$(cat "$DIR/.installed" 2>/dev/null)" != "$STAMP" ]; then
    # Not `if ! (install)`: bash would ignore `set -e` inside it.
    set +e
    (
        set -e
        install
    ) >"$LOG" 2>&1
    status=$?
    set -e
    if [ "$status" -ne 0 ]; then
        cat "$LOG" >&2
        echo "sarif-validator: installing into $DIR failed (log above, also in $LOG)" >&2
        exit 2
    fi
fi
flock -u 9

exec "$DIR/venv/bin/python" - "$DIR/sarif-schema-2.1.0.json" "$@" <<'PY'
import json
import sys

import jsonschema

schema_path, files = sys.argv[1], sys.argv[2:]
with open(schema_path, encoding="utf-8") as f:
    schema = json.load(f)
cls = jsonschema.validators.validator_for(schema)
cls.check_schema(schema)
validator = cls(schema, format_checker=cls.FORMAT_CHECKER)

invalid = 0
for name in files:
    try:
        with open(name, encoding="utf-8") as f:
            instance = json.load(f)
    except (OSError, ValueError) as e:
        print(f"invalid: {name}: not readable as JSON: {e}", file=sys.stderr)
        invalid += 1
        continue
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(map(str, e.absolute_path)))
    if not errors:
        print(f"valid: {name}")
        continue
    invalid += 1
    print(f"invalid: {name}: {len(errors)} schema error(s)", file=sys.stderr)
    for e in errors:
        print(f"  at {e.json_path}: {e.message}", file=sys.stderr)
        for sub in sorted(e.context, key=lambda s: list(map(str, s.absolute_path))):
            print(f"    ({'/'.join(map(str, sub.absolute_schema_path))}) at {sub.json_path}: {sub.message}", file=sys.stderr)
sys.exit(1 if invalid else 0)
PY
