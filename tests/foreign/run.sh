#!/bin/bash
# run.sh: rules other tools wrote (nft, firewalld, Docker), listed by iptables-nft's commands.
#
#   run.sh record [CASES...]   runs the REFERENCE (REF, default /usr/sbin) on every scenario
#                              and writes expected/<cases>.out
#   run.sh check  [CASES...]   runs ours (BIN, default <repo>/build/sbin) and compares with
#                              expected/ (or, for a scenario with deviations/<NAME>.out, with
#                              that: where iptables-nft prints a rule that means something else
#                              than the kernel's, we refuse it; see tests/foreign/README.md)
#   DEVIATE="NAME..." run.sh deviate [CASES...]
#                              runs ours and writes deviations/<NAME>.out for those scenarios
#                              (review them: they state where we differ on purpose)
#
# A cases file (cases/*.rules) holds scenarios:
#   ### NAME FAMILY TABLE        rules follow, one per line, for the table's first base chain
#                                ("CHAIN: rule" for another chain: c2, c3, a base chain)
#   ### NAME raw FAMILY TABLE    a complete nft script follows (foreign base chains ...)
# Each scenario gets a fresh network namespace (unshare -n); in it the table is made with
# nft, then -S, -S CHAIN, -S -v, -L -n -v -x --line-numbers, save -t TABLE and save -c are recorded
# (stdout, stderr, exit code). Prints "N passed, N failed"; exit 0 when none failed.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
MODE=${1:?usage: run.sh record|check [CASES...]}; shift
case $MODE in
  record) TOOLS=${REF:-/usr/sbin} ;;
  check | deviate) TOOLS=${BIN:-$ROOT/build/sbin} ;;
  *) echo "usage: run.sh record|check|deviate [CASES...]" >&2; exit 2 ;;
esac
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
[ $# -gt 0 ] || set -- "$HERE"/cases/*.rules

# The commands of one scenario, run inside its namespace: scenario.sh FAMILY TABLE CHAIN SCRIPT
cat >"$TMP/scenario.sh" <<'EOS'
#!/bin/bash
fam=$1 tbl=$2 chain=$3 script=$4 tools=$5
p=iptables; [ "$fam" = ip6 ] && p=ip6tables
if ! err=$(nft -f "$script" 2>&1); then echo "!! nft refused the scenario: $err"; exit 0; fi
run() {
  echo "\$ $*"
  "$tools/$@" >"$script.out" 2>"$script.err"; local rc=$?
  grep -v '^# \(Generated\|Completed\) ' "$script.out"
  if [ -s "$script.err" ]; then echo "[stderr]"; cat "$script.err"; fi
  echo "[rc=$rc]"
}
run $p-nft -t "$tbl" -S
run $p-nft -t "$tbl" -S "$chain"
run $p-nft -t "$tbl" -S -v
run $p-nft -t "$tbl" -L -n -v -x --line-numbers
run $p-nft-save -t "$tbl"
run $p-nft-save -c -t "$tbl"
EOS
chmod +x "$TMP/scenario.sh"

# Base chains of the tables iptables-nft makes: NAME HOOK TYPE PRIORITY.
base_chains() {
  case $1 in
    filter) echo "INPUT input filter 0" ;;
    nat) echo "PREROUTING prerouting nat -100" ;;
    mangle) echo "PREROUTING prerouting filter -150" ;;
    raw) echo "PREROUTING prerouting filter -300" ;;
    security) echo "INPUT input filter 50" ;;
  esac
}

# write_script NAME FAMILY TABLE BODYFILE OUT: the nft script of a plain scenario.
write_script() {
  local fam=$2 tbl=$3 body=$4 out=$5 name hook type prio
  read -r name hook type prio < <(base_chains "$tbl")
  {
    echo "table $fam $tbl {"
    echo "  chain $name { type $type hook $hook priority $prio; policy accept; }"
    echo "  chain c2 { }"
    echo "  chain c3 { }"
    echo "}"
    while IFS= read -r line; do
      [ -z "$line" ] && continue
      local ch=$name rule=$line
      if [[ $line =~ ^([A-Za-z0-9_-]+):\ (.*)$ ]]; then ch=${BASH_REMATCH[1]}; rule=${BASH_REMATCH[2]}; fi
      echo "add rule $fam $tbl $ch $rule"
    done <"$body"
  } >"$out"
}

pass=0 failed=0
for cases in "$@"; do
  base=$(basename "$cases" .rules)
  result=$TMP/$base.out
  : >"$result"
  # Split into scenarios.
  awk -v dir="$TMP/$base" 'BEGIN { system("mkdir -p " dir) }
    /^### / { n++; f = sprintf("%s/%03d", dir, n); print > (f ".head"); next }
    /^#/ { next }
    n { print > (f ".body") }' "$cases"
  for head in "$TMP/$base"/*.head; do
    s=${head%.head}
    [ -f "$s.body" ] || : >"$s.body"
    read -r _ name kind rest <"$head"
    if [ "$kind" = raw ]; then
      read -r fam tbl <<<"$rest"
      cp "$s.body" "$s.nft"
    else
      fam=$kind; tbl=$rest
      write_script "$name" "$fam" "$tbl" "$s.body" "$s.nft"
    fi
    chain=$(base_chains "$tbl" | cut -d' ' -f1)
    {
      echo "### $name"
      unshare -n "$TMP/scenario.sh" "$fam" "$tbl" "$chain" "$s.nft" "$TOOLS"
    } >"$s.result"
    cat "$s.result" >>"$result"
    if [ "$MODE" = deviate ] && [[ " ${DEVIATE:-} " == *" $name "* ]]; then
      cp "$s.result" "$HERE/deviations/$name.out"
      echo "wrote deviations/$name.out"
    fi
    if [ "$MODE" = check ]; then
      want=$TMP/want
      if [ -f "$HERE/deviations/$name.out" ]; then
        cp "$HERE/deviations/$name.out" "$want"
      else
        awk -v n="### $name" '$0 == n { on = 1; print; next } /^### / { on = 0 } on' \
          "$HERE/expected/$base.out" >"$want"
      fi
      if diff -u "$want" "$s.result" >"$TMP/diff"; then
        pass=$((pass + 1))
      else
        failed=$((failed + 1))
        echo "FAIL $base: $name"
        sed 's/^/    /' "$TMP/diff" | head -40
      fi
    fi
  done
  if [ "$MODE" = record ]; then
    cp "$result" "$HERE/expected/$base.out"
    echo "recorded $(grep -c '^### ' "$result") scenarios of $base"
  fi
done
if [ "$MODE" = check ]; then
  echo "$pass passed, $failed failed"
  [ "$failed" = 0 ]
fi
