#!/usr/bin/env bash
# End-to-end test of the pre-commit hook (.pre-commit-hooks.yaml): runs the real `pre-commit
# try-repo` against this checkout, in a throwaway git repository holding the Curator 5.6.0
# model (must fail with the leak), then with the 5.8.0 fix (must pass).
#
# pre-commit (pinned with its dependencies) lives in a venv under target/. `try-repo` installs
# the hook into a temporary store on every call (it does not use PRE_COMMIT_HOME's store, which
# is set to a folder under target/ only so that nothing is written to ~/.cache), so the hook's
# `cargo install` gets a persistent CARGO_TARGET_DIR under target/: dependencies are compiled
# once and reused by every later hook build (only the analyzer is rebuilt). The build resolves
# and fetches crates from crates.io, so CARGO_NET_OFFLINE is unset on purpose.
#
# With a clean work tree the hook repository is this checkout at HEAD, exactly as users get it.
# With uncommitted changes (including new, untracked files, which `try-repo`'s own snapshot
# would leave out) the work tree is committed into a snapshot repository under target/.
set -euo pipefail

# pre-commit and its whole dependency closure, exact versions (installed with --no-deps).
PY_REQUIREMENTS=(
    pre-commit==4.7.0
    cfgv==3.5.0
    identify==2.6.20
    nodeenv==1.12.0
    PyYAML==6.0.4
    virtualenv==21.15.11
    distlib==0.4.4
    filelock==4.3.1
    platformdirs==4.14.8
    python-discovery==1.9.6
    packaging==26.4
)

root="$(cd "$(dirname "$0")/.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
mkdir -p "$target"
target="$(cd "$target" && pwd)"
venv="$target/pre-commit-venv"
export PRE_COMMIT_HOME="$target/pre-commit-home"
export CARGO_TARGET_DIR="$target/pre-commit-build"
unset CARGO_NET_OFFLINE
export NO_COLOR=1
start=$SECONDS

log() { printf 'pre-commit-test: %s\n' "$*" >&2; }
fail() { log "FAILED: $*"; exit 1; }

# 1. pre-commit, pinned, in a venv that is reused while the pins are unchanged.
stamp="${PY_REQUIREMENTS[*]}"
if [[ "$(cat "$venv/stamp" 2>/dev/null)" != "$stamp" ]]; then
    log "installing ${PY_REQUIREMENTS[*]} into $venv"
    rm -rf "$venv"
    python3 -m venv "$venv"
    printf '%s\n' "${PY_REQUIREMENTS[@]}" >"$venv/requirements.txt"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
        --only-binary :all: --no-deps -r "$venv/requirements.txt"
    "$venv/bin/python" -m pip check --disable-pip-version-check >&2
    printf '%s' "$stamp" >"$venv/stamp"
fi
pre_commit="$venv/bin/pre-commit"
"$pre_commit" --version >&2

# The hook repository: this checkout, or a snapshot of its work tree.
git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1 \
    || fail "$root is not a git checkout (pre-commit installs hooks from git repositories)"
hook_repo="$root"
try_args=()
if [[ -n "$(git -C "$root" status --porcelain --untracked-files=normal)" ]]; then
    snapshot="$target/pre-commit-snapshot.git"
    [[ -d "$snapshot" ]] || git init -q --bare "$snapshot"
    index="$target/pre-commit-snapshot.index"
    rm -f "$index"
    GIT_INDEX_FILE="$index" git -C "$root" add -A .
    tree="$(GIT_INDEX_FILE="$index" git -C "$root" write-tree)"
    rm -f "$index"
    commit="$(GIT_AUTHOR_NAME=facadelint GIT_AUTHOR_EMAIL=facadelint@localhost \
        GIT_COMMITTER_NAME=facadelint GIT_COMMITTER_EMAIL=facadelint@localhost \
        GIT_AUTHOR_DATE='2000-01-01T00:00:00Z' GIT_COMMITTER_DATE='2000-01-01T00:00:00Z' \
        git -C "$root" commit-tree "$tree" -p HEAD -m 'pre-commit-test: work tree snapshot')"
    git -C "$root" push -q --force "$snapshot" "$commit:refs/heads/snapshot"
    hook_repo="$snapshot"
    try_args=(--ref "$commit")
    log "uncommitted changes: trying the work tree as snapshot commit $commit"
fi

# 2. A throwaway repository with the leaking Curator 5.6.0 model.
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
repo="$work/curator"
mkdir -p "$repo"
cp "$root/fixtures/curator-5.6.0/Cargo.toml" "$repo/"
cp -R "$root/fixtures/curator-5.6.0/src" "$repo/"
export GIT_AUTHOR_NAME=facadelint GIT_AUTHOR_EMAIL=facadelint@localhost
export GIT_COMMITTER_NAME=facadelint GIT_COMMITTER_EMAIL=facadelint@localhost
git -C "$repo" init -q
git -C "$repo" add -A
git -C "$repo" -c commit.gpgsign=false commit -q -m 'curator 5.6.0 model'

# Runs `pre-commit try-repo` in the throwaway repository; prints its output, sets $code.
try_repo() {
    local out="$work/out.txt"
    log "pre-commit try-repo ... facadelint $*"
    code=0
    (cd "$repo" && "$pre_commit" try-repo "$hook_repo" facadelint "${try_args[@]}" --color never "$@") \
        >"$out" 2>&1 || code=$?
    cat "$out"
    output="$(cat "$out")"
    log "exit code $code after $((SECONDS - start)) s"
}

try_repo --files src/imps/watcher_removal_facade.rs
[[ $code -ne 0 ]] || fail "the hook passed on the leaking 5.6.0 model"
[[ "$output" == *"error[watcher-removal-bypass]"* ]] || fail "no error[watcher-removal-bypass] in the output"
[[ "$output" == *"src/imps/watcher_removal_facade.rs:37:9"* ]] || fail "the finding is not at the bypass point"

# A staged file that no label of the finding touches: the whole project is analysed, but the
# finding is not reported for it.
try_repo --files src/zookeeper.rs
[[ $code -eq 0 ]] || fail "the hook failed on a file the finding does not touch"
[[ "$output" == *Passed* ]] || fail "the hook did not run on src/zookeeper.rs"

# 3. Fix the leak as Curator 5.8.0 did (the model differs only in this file), commit, re-run.
cp "$root/fixtures/curator-5.8.0/src/imps/watcher_removal_facade.rs" "$repo/src/imps/"
git -C "$repo" -c commit.gpgsign=false commit -q -am 'CURATOR-710: re-wrap the namespaced client'
try_repo --all-files
[[ $code -eq 0 ]] || fail "the hook failed on the fixed 5.8.0 model"
[[ "$output" == *Passed* ]] || fail "the hook did not run on the fixed model"
[[ "$output" != *"error["* ]] || fail "errors reported on the fixed model"

log "passed in $((SECONDS - start)) s"
