#!/usr/bin/env bash
# Vendors the sources of the crates pinned here (Cargo.toml, the exact graph in Cargo.lock)
# into DEST/vendor and prints that path last. DEST: the first argument, else
# $FACADELINT_CORPUS_CACHE, else ~/.cache/facadelint-corpus. A complete copy made from the same
# Cargo.lock is reused; otherwise it is fetched again with `cargo vendor` (needs crates.io).
set -euo pipefail
pin=$(cd "$(dirname "$0")" && pwd)
dest=${1:-${FACADELINT_CORPUS_CACHE:-$HOME/.cache/facadelint-corpus}}
mkdir -p "$dest"
if [ -f "$dest/.complete" ] && cmp -s "$pin/Cargo.lock" "$dest/Cargo.lock"; then
  echo "$dest/vendor"
  exit 0
fi
rm -rf "$dest/vendor" "$dest/.complete" "$dest/src"
mkdir -p "$dest/src"
cp "$pin/Cargo.toml" "$pin/Cargo.lock" "$dest/"
cp "$pin/src/main.rs" "$dest/src/"
chmod -R u+w "$dest"
(cd "$dest" && cargo vendor --quiet --locked --versioned-dirs vendor >/dev/null)
touch "$dest/.complete"
echo "$dest/vendor"
