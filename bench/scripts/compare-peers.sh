#!/usr/bin/env bash
# Opt-in, for context: times ast-grep and semgrep with the simplest equivalent pattern
# (`$C.using_namespace($N)`) over the real corpus, beside the parse floor, in the same run.
# Installs its tools itself under target/peers (npm @ast-grep/cli, PyPI semgrep).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
peers="$root/target/peers"
mkdir -p "$peers"
vendor=$(bash "$root/../shared/corpus/fetch.sh" | tail -n 1)
[ -x "$peers/node_modules/.bin/ast-grep" ] || npm install --prefix "$peers" --silent @ast-grep/cli@0.39.5
[ -x "$peers/venv/bin/semgrep" ] || { python3 -m venv "$peers/venv" && "$peers/venv/bin/pip" install -q semgrep; }
(cd "$root" && cargo build --release -q -p facadelint -p facadelint-bench)
cat > "$peers/rule.yml" <<'YAML'
rules:
  - id: using-namespace
    languages: [rust]
    severity: ERROR
    message: derived client
    pattern: $C.using_namespace($N)
YAML
: > "$peers/.semgrepignore"
t() { /usr/bin/time -f "%e" "$@" >/dev/null 2>"$peers/time.txt" || true; tail -n 1 "$peers/time.txt"; }
floor=$(t "$root/target/release/parse-floor" "$vendor")
fl=$(t "$root/target/release/facadelint" "$vendor" -q)
sg=$(t "$peers/node_modules/.bin/ast-grep" run -p '$C.using_namespace($N)' -l rust --no-ignore parent --no-ignore vcs "$vendor")
se=$(cd "$vendor" && t "$peers/venv/bin/semgrep" --config "$peers/rule.yml" --project-root . --max-target-bytes=0 --timeout=0 --metrics=off -q .)
printf 'parse floor %ss\nfacadelint  %ss (%.2fx)\nast-grep    %ss (%.2fx)\nsemgrep     %ss (%.2fx)\n' \
  "$floor" "$fl" "$(echo "$fl/$floor" | bc -l)" "$sg" "$(echo "$sg/$floor" | bc -l)" "$se" "$(echo "$se/$floor" | bc -l)"
