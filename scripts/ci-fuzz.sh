#!/usr/bin/env bash
# CI: every cargo-fuzz target for a fixed, deterministic budget (issue #18), so that a change
# which makes the analyzer panic on some input fails the landing that introduces it:
#   scripts/ci-fuzz.sh [target...]              (default: every target in fuzz/Cargo.toml)
# Each target starts from a fixed seed corpus taken from files in this repository (listed in
# sorted order and given with -seed_inputs, so the order does not depend on the file system),
# with a fixed random seed (-seed=1) and a fixed number of executions (-runs=N below): the
# same commit executes the same inputs on every machine. Found inputs go to a fresh temporary
# corpus, never into the repository; a crash, timeout or OOM is written to
# fuzz/artifacts/<target>/ and fails the script (after the other targets ran).
#
# Runs on the stable toolchain, which is all CI has (nightly cannot be installed there):
# cargo-fuzz passes a few nightly-only flags (-Z…) to rustc and cargo, and RUSTC_BOOTSTRAP=1
# lets stable accept them for this build only. `-s none` (no sanitizer) is what makes that
# enough: a sanitizer would need a standard library built with it (nightly's rust-src).
# scripts/fuzz.sh explains the other build flags; the builds here are the same.
#
# cargo-fuzz is installed from crates.io, version pinned, when `cargo fuzz` is missing or
# another version (59 s, once). Measured on a 2-core machine shared with other builds, with
# CARGO_BUILD_JOBS=1: the build of all targets from an empty target folder 211 s, the runs
# 60-80 s; 4.5 minutes in all once cargo-fuzz is installed (TESTING.md). FUZZ_RUNS_SCALE=k
# multiplies every run count (k a whole number: longer deterministic runs, e.g. locally).
set -euo pipefail
cd "$(dirname "$0")/.."

cargo_fuzz_version=0.13.2
# Executions per target: about 20 s each on one core of the 2-core reference machine.
declare -A runs=(
  [analyse_bytes]=20000
  [analyse_mutated_fixture]=6000
  [load_config_and_rules]=20000
)
default_runs=5000
scale=${FUZZ_RUNS_SCALE:-1}

export RUSTC_BOOTSTRAP=1
flags=(-s none -O -a --no-cfg-fuzzing)
# Another build folder than fuzz/target (to time a clean build, or keep a campaign's build).
[ -z "${FUZZ_TARGET_DIR:-}" ] || flags+=(--target-dir "$FUZZ_TARGET_DIR")

if [ "$(cargo fuzz --version 2>/dev/null)" != "cargo-fuzz $cargo_fuzz_version" ]; then
  cargo install --locked cargo-fuzz --version "$cargo_fuzz_version"
fi
rustc --version
# fuzz/ is a workspace of its own: its lock file must be up to date, as the main one.
cargo metadata --locked --format-version 1 --manifest-path fuzz/Cargo.toml >/dev/null

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(cargo fuzz list)
fi
start=$SECONDS
cargo fuzz build "${flags[@]}"
echo "ci-fuzz: built ${#targets[@]} targets in $((SECONDS - start)) s"

# The seed files of a target, one path a line, sorted (the same on every machine).
seeds() {
  case "$1" in
    analyse_bytes)
      find fixtures analyzer/tests/ui fuzz/regressions -name '*.rs' -size -64k -type f ;;
    load_config_and_rules)
      find fuzz/seeds/load_config_and_rules rules analyzer/tests/ui -name '*.toml' -type f
      find fixtures -maxdepth 2 -name Cargo.toml -type f ;;
    *)
      [ ! -d "fuzz/seeds/$1" ] || find "fuzz/seeds/$1" -type f ;;
  esac | LC_ALL=C sort
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
for target in "${targets[@]}"; do
  n=$(( ${runs[$target]:-$default_runs} * scale ))
  corpus="$work/$target"
  mkdir -p "$corpus"
  extra=()
  list=$(seeds "$target" | sed "s|^|$PWD/|" | paste -sd, -)
  [ -z "$list" ] || { printf '%s' "$list" >"$work/$target.seeds"; extra+=("-seed_inputs=@$work/$target.seeds"); }
  case "$target" in
    analyse_bytes) extra+=(-dict=fuzz/rust.dict) ;;
    load_config_and_rules) extra+=(-dict=fuzz/toml.dict) ;;
  esac
  t0=$SECONDS
  echo "== $target: -seed=1 -runs=$n"
  cargo fuzz run "${flags[@]}" "$target" "$corpus" -- \
    -seed=1 -runs="$n" -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 \
    "${extra[@]}" || status=1
  echo "ci-fuzz: $target: $n runs in $((SECONDS - t0)) s"
done
echo "ci-fuzz: $((SECONDS - start)) s in all"
exit $status
