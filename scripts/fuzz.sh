#!/usr/bin/env bash
# Runs the cargo-fuzz targets for a fixed time budget each (default 60 s), on nightly.
# Crashes land in fuzz/artifacts/<target>/; copy each into fuzz/regressions/ so that
# analyzer/tests/fuzz_regressions.rs replays it in every test run.
set -euo pipefail
cd "$(dirname "$0")/.."
budget=${1:-60}
command -v cargo-fuzz >/dev/null || cargo install --locked cargo-fuzz
for target in analyse_bytes analyse_mutated_fixture; do
  mkdir -p "fuzz/corpus/$target"
  if [ "$target" = analyse_bytes ]; then
    # Seed with the fixtures' sources.
    find fixtures analyzer/tests/ui -name '*.rs' -exec cp {} "fuzz/corpus/$target/" \; 2>/dev/null || true
  fi
  cargo +nightly fuzz run "$target" "fuzz/corpus/$target" -- -max_total_time="$budget" -rss_limit_mb=4096
done
