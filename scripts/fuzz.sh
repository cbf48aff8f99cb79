#!/usr/bin/env bash
# Runs the cargo-fuzz targets for a fixed time budget each (default 60 s):
#   scripts/fuzz.sh [budget_seconds] [target...]     (default: every target)
# For the deterministic runs of CI (fixed seed and number of runs) see scripts/ci-fuzz.sh;
# this script is for campaigns (TESTING.md records them).
# Installs cargo-fuzz if it is missing, builds every target once before the clock starts (so
# the budget is spent fuzzing, not compiling), seeds the corpora, then fuzzes each target in
# turn. A target that finds a crash, timeout or OOM stops; the next one still runs and the
# script exits 1. Inputs land in fuzz/artifacts/<target>/ (ignored by git, like
# fuzz/corpus/); minimize one with
#   RUSTC_BOOTSTRAP=1 cargo fuzz tmin -s none -O -a --no-cfg-fuzzing <target> fuzz/artifacts/<target>/<file>
# (for a timeout or slow unit, append `-- -timeout=2` so that each try stops early)
# and, once the analyzer handles it, copy it into fuzz/regressions/ so that
# analyzer/tests/fuzz_regressions.rs replays it in every test run.
#
# Build choices:
# - The stable toolchain (CI has no nightly): cargo-fuzz passes a few nightly-only flags, which
#   RUSTC_BOOTSTRAP=1 lets stable accept for this build. With `-s none` nothing else needs
#   nightly.
# - `-s none`: no sanitizer. facadelint has no `unsafe` code, so AddressSanitizer could only
#   find bugs in dependencies, while it roughly doubles build time (which never finished on
#   a loaded 2-core machine) and slows every execution. What the targets look for is panics
#   (the targets turn facadelint's contained panics, `internal-error` diagnostics, back into
#   crashes), hangs (`-timeout`), stack overflows and memory blow-ups (`-rss_limit_mb`);
#   none of those needs a sanitizer.
# - Inputs are at most a few KB and take milliseconds: one that takes 5 s is a complexity
#   blow-up and counts as a timeout; one over 1 s is kept as fuzz/artifacts/<target>/slow-unit-*.
# - `-O -a`: optimized, with debug assertions and overflow checks (arithmetic overflow is a
#   bug worth a crash).
# - `--no-cfg-fuzzing`: with `--cfg fuzzing` proc-macro2 (span-locations) turns every span
#   into line 0, column 0, so all of facadelint's spans collapse to offset 0 and every lazily
#   lowered body fails to re-parse ("could not read the body again"): the flow analysis
#   would never run. Nothing in facadelint or its dependencies needs `cfg(fuzzing)`.
# - One build job and one fuzzing process (no -jobs/-workers): the machine is shared.
#   Override with CARGO_BUILD_JOBS=N.
set -euo pipefail
cd "$(dirname "$0")/.."
budget=${1:-60}
shift || true
targets=("$@")
flags=(-s none -O -a --no-cfg-fuzzing)
export CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-1}
export RUSTC_BOOTSTRAP=1

cargo_fuzz_version=0.13.2
if [ "$(cargo fuzz --version 2>/dev/null)" != "cargo-fuzz $cargo_fuzz_version" ]; then
  cargo install --locked cargo-fuzz --version "$cargo_fuzz_version"
fi
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(cargo fuzz list)
for target in "${targets[@]}"; do
  cargo fuzz build "${flags[@]}" "$target"
done

status=0
for target in "${targets[@]}"; do
  corpus="fuzz/corpus/$target"
  mkdir -p "$corpus"
  extra=()
  if [ "$target" = analyse_bytes ]; then
    # Seed with the fixtures' sources (named by path: many are called lib.rs or mod.rs) and
    # the regression inputs; give the mutator Rust's tokens and the rule's names.
    while IFS= read -r -d '' f; do
      cp "$f" "$corpus/seed-$(printf '%s' "$f" | tr '/' '_')"
    done < <(find fixtures analyzer/tests/ui fuzz/regressions -name '*.rs' -size -64k -print0)
    extra=(-dict=fuzz/rust.dict)
  fi
  if [ "$target" = load_config_and_rules ]; then
    # Configuration and rule files of the repository, and ones with every key.
    while IFS= read -r -d '' f; do
      cp "$f" "$corpus/seed-$(printf '%s' "$f" | tr '/' '_')"
    done < <(find fuzz/seeds/load_config_and_rules rules analyzer/tests/ui -name '*.toml' -print0;
             find fixtures -maxdepth 2 -name Cargo.toml -print0)
    extra=(-dict=fuzz/toml.dict)
  fi
  echo "== $target: ${budget}s"
  cargo fuzz run "${flags[@]}" "$target" "$corpus" -- \
    -max_total_time="$budget" -timeout=5 -report_slow_units=1 -rss_limit_mb=4096 \
    -print_final_stats=1 \
    "${extra[@]}" || status=1
done
exit $status
