#!/usr/bin/env bash
# Benchmark of `shenbao check` over a generated corpus of typical one-sheet forms:
# forms per second and peak RSS of one process checking all of them.
# Usage: scripts/bench-check.sh [N]   (default 1000). Target: >= 2,000 forms/s, < 50 MB.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000}
DIR=$(mktemp -d /tmp/shenbao-corpus.XXXXXX)
trap 'rm -rf "$DIR"' EXIT
cargo build --release --quiet --bin shenbao --example gen_corpus
target/release/examples/gen_corpus "$DIR" "$N"
# Warm the page cache so the figure is about parsing, not the disk.
cat "$DIR"/*.xlsx > /dev/null
start=$(date +%s.%N)
/usr/bin/time -f '%M' -o "$DIR/rss" target/release/shenbao check --json "$DIR"/*.xlsx > "$DIR/out.jsonl" || true
end=$(date +%s.%N)
accepted=$(grep -c '"status":"accepted"' "$DIR/out.jsonl" || true)
secs=$(echo "$end - $start" | bc -l)
printf 'forms: %d (accepted %d)\ntime: %.3f s\nforms/s: %.0f\npeak RSS: %.1f MB\n' \
  "$N" "$accepted" "$secs" "$(echo "$N / $secs" | bc -l)" "$(echo "$(cat "$DIR/rss") / 1024" | bc -l)"
