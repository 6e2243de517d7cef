#!/bin/bash
# json_ruleset_test.sh: cxtables save --json / restore --json on every ruleset of the golden
# corpus, against docs/ruleset.schema.json, and bad documents (see json_ruleset_test.py).
# Every case runs in a network namespace of its own.
# Usage: [BIN=DIR] tests/kernel/json_ruleset_test.sh
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BIN=${BIN:-$ROOT/build/sbin}
GOLDEN=${CX_GOLDEN_DIR:-$ROOT/../shared/golden}
python3 -c 'import jsonschema' 2>/dev/null || { echo "FAIL precondition: python3-jsonschema"; exit 1; }
exec python3 "$HERE/json_ruleset_test.py" --bin "$BIN" --golden "$GOLDEN" -j "$(nproc)"
