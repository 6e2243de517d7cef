#!/usr/bin/env bash
# Runs the reference corpus (../shared/golden) against build/sbin, in the three directions the
# core issue names: we write and list, we write and the reference lists, the reference writes
# and we list. Prints the generator's "N passed, N failed" line for each.
set -u
here=$(cd "$(dirname "$0")/../.." && pwd)
golden=${CX_GOLDEN_DIR:-$here/../shared/golden}
bin=${CX_BIN:-$here/build/sbin}
only=${CX_GOLDEN_ONLY:-'^(host|egress|addr|iface|proto|tcp|udp|icmp|multiport|comment|mark|conntrack|limit|reject|log|verdict|options|host6|icmpv6|addr6|proto6|reject6|options6|newchain|delchain|rename|policy|flush|zero|list|listfmt|check|delete|replace|insert|jump|save|restore|counters|misc)\.'}
rc=0
run() {
  echo "== generate --check $*"
  "$golden/generate" --check --ignore txraw --only "$only" --jobs 2 "$@" >"$tmp/out" 2>&1 || rc=1
  tail -n 1 "$tmp/out"
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
run --bin "$bin"
run --bin "$bin" --lister /usr/sbin
run --bin /usr/sbin --lister "$bin"
exit $rc
