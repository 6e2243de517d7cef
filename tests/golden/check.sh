#!/usr/bin/env bash
# Runs the whole reference corpus (../shared/golden, all 1277 cases) against build/sbin in
# three directions: we write and list; we write, the reference lists; the reference writes, we
# list. CX_GOLDEN_ONLY=REGEX limits it to some sections. Cases listed in known_failures.txt (direction and case id) may fail; any other failure
# fails this test, and so does a listed case that now passes (so the list only shrinks).
# CX_GOLDEN_UPDATE=1 rewrites the list from the run.
set -u
here=$(cd "$(dirname "$0")/../.." && pwd)
golden=${CX_GOLDEN_DIR:-$here/../shared/golden}
bin=${CX_BIN:-$here/build/sbin}
ref=${CX_REF_BIN:-/usr/sbin}
known=$here/tests/golden/known_failures.txt
only=${CX_GOLDEN_ONLY:-.}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
total_pass=0
total_fail=0
check() {
  local dir=$1
  shift
  echo "== generate --check $*"
  "$golden/generate" --check --ignore txraw --only "$only" --jobs 2 "$@" >"$tmp/$dir.out" 2>&1
  tail -n 1 "$tmp/$dir.out"
  grep '^FAIL ' "$tmp/$dir.out" | awk '{print $2}' | tr -d ':' | sort >"$tmp/$dir.failed"
  grep "^$dir " "$known" 2>/dev/null | awk '{print $2}' | sort >"$tmp/$dir.known"
  local new fixed
  new=$(comm -23 "$tmp/$dir.failed" "$tmp/$dir.known")
  fixed=$(comm -13 "$tmp/$dir.failed" "$tmp/$dir.known")
  if [ -n "$new" ]; then
    echo "new failures ($dir):"
    for id in $new; do
      awk -v id="$id" '$0 ~ "^FAIL "id":" {p=1; print; next} /^FAIL /{p=0} p' "$tmp/$dir.out" | head -n 30
    done
    status=1
  fi
  if [ -n "$fixed" ]; then
    echo "now passing, remove from known_failures.txt ($dir): $(echo $fixed)"
    status=1
  fi
  local p f
  p=$(tail -n 1 "$tmp/$dir.out" | sed -n 's/^\([0-9]*\) passed.*/\1/p')
  f=$(tail -n 1 "$tmp/$dir.out" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')
  total_pass=$((total_pass + ${p:-0}))
  total_fail=$((total_fail + ${f:-0}))
}
check ours --bin "$bin"
check ref-lists --bin "$bin" --lister "$ref"
check we-list --bin "$ref" --lister "$bin"
if [ "${CX_GOLDEN_UPDATE:-0}" = 1 ]; then
  # Rewrites the known-failure list from this run (after a fix, to shrink it).
  for dir in ours ref-lists we-list; do sed "s/^/$dir /" "$tmp/$dir.failed"; done >"$known"
  echo "rewrote $known"
  status=0
fi
echo "golden: $total_pass cases passed, $total_fail failed (known failures: $(grep -c . "$known" 2>/dev/null || true))"
exit $status
