#!/usr/bin/env bash
# Opt-in, for context: times ast-grep and semgrep with the simplest equivalent pattern
# (`$C.using_namespace($N)`) over the real corpus, beside the parse floor and facadelint, in
# the same run: each tool RUNS times (default 3), interleaved, median wall time.
# Installs its tools itself under target/peers (npm @ast-grep/cli, PyPI semgrep, pinned).
#
#     bash bench/scripts/compare-peers.sh [RUNS]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
runs=${1:-3}
peers="$root/target/peers"
mkdir -p "$peers"
vendor=$(bash "$root/corpus/fetch.sh" | tail -n 1)
[ -x "$peers/node_modules/.bin/ast-grep" ] || npm install --prefix "$peers" --silent @ast-grep/cli@0.39.5
[ -x "$peers/venv/bin/semgrep" ] || { python3 -m venv "$peers/venv" && "$peers/venv/bin/pip" install -q semgrep==1.185.0; }
(cd "$root" && cargo build --release -q -p facadelint -p facadelint-bench)
cat > "$peers/rule.yml" <<'YAML'
rules:
  - id: using-namespace
    languages: [rust]
    severity: ERROR
    message: derived client
    pattern: $C.using_namespace($N)
YAML
# Make both peers scan every file: no .gitignore/.semgrepignore of their own choosing.
: > "$peers/.semgrepignore"
export RAYON_NUM_THREADS=${RAYON_NUM_THREADS:-$(nproc)}
# No registry is reachable here but the package ones: semgrep must not wait for its own.
export SEMGREP_ENABLE_VERSION_CHECK=0 SEMGREP_SEND_METRICS=off
declare -A cmd=(
  [floor]="$root/target/release/parse-floor $vendor"
  [facadelint]="$root/target/release/facadelint $vendor -q"
  [facadelint_no_prefilter]="$root/target/release/facadelint $vendor -q --no-prefilter"
  [ast_grep]="$peers/node_modules/.bin/ast-grep run -p \$C.using_namespace(\$N) -l rust --no-ignore parent --no-ignore vcs --threads $RAYON_NUM_THREADS $vendor"
  [semgrep]="$peers/venv/bin/semgrep --config $peers/rule.yml --project-root $vendor --max-target-bytes=0 --timeout=0 --metrics=off -j $RAYON_NUM_THREADS -q $vendor"
)
order=(floor facadelint facadelint_no_prefilter ast_grep semgrep)
declare -A times
for _ in $(seq "$runs"); do
  for k in "${order[@]}"; do
    # Word splitting of the command line is intended (no paths with spaces here).
    # shellcheck disable=SC2086
    /usr/bin/time -f "%e" -o "$peers/time.txt" ${cmd[$k]} >/dev/null 2>&1 || true
    times[$k]="${times[$k]:-} $(tail -n 1 "$peers/time.txt")"
  done
done
median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
floor=$(echo "${times[floor]}" | median)
echo "corpus: $vendor; $(nproc) cores; $runs runs each, medians; $(date -u +%F)"
echo "versions: ast-grep $("$peers/node_modules/.bin/ast-grep" --version | awk '{print $2}'), semgrep $("$peers/venv/bin/semgrep" --version 2>/dev/null | tail -n 1)"
for k in "${order[@]}"; do
  m=$(echo "${times[$k]}" | median)
  printf '%-24s %7.2f s  %5.2fx the parse floor   (runs:%s)\n' "$k" "$m" "$(echo "$m / $floor" | bc -l)" "${times[$k]}"
done
