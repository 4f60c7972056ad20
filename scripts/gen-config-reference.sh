#!/usr/bin/env bash
# Regenerates the config reference (docs/config.md), the block between <!-- schema:begin --> and
# <!-- schema:end -->, from the schema rows (nn_schema_print); the prose around it is kept.
# tests/test_schema.c fails while the block differs. Usage: scripts/gen-config-reference.sh NNCTL
# (`make schema-docs` passes build/rel/nnctl, whose `check --schema --markdown` prints the tables).
set -euo pipefail
gen=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
cd "$(dirname "$0")/.."
grep -q '^<!-- schema:begin -->$' docs/config.md && grep -q '^<!-- schema:end -->$' docs/config.md ||
    { echo "docs/config.md has no <!-- schema:begin --> / <!-- schema:end --> markers" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
{ echo; "$gen" check --schema --markdown; echo; } >"$tmp/block"
awk -v block="$tmp/block" '
    $0 == "<!-- schema:begin -->" { print; while ((getline line < block) > 0) print line; skip = 1; next }
    $0 == "<!-- schema:end -->"   { skip = 0 }
    !skip { print }' docs/config.md >"$tmp/config.md"
cat "$tmp/config.md" >docs/config.md
echo "docs/config.md: config reference regenerated"
