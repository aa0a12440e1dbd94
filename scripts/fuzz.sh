#!/usr/bin/env bash
# Run every fuzz target for SECONDS each (default 60) with libFuzzer (issue #16):
#   scripts/fuzz.sh 1800
# Needs the nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`). Seed corpora come
# from corpus/ and ../shared/data/ (when present); libFuzzer's findings stay in
# fuzz/corpus/<target> and fuzz/artifacts/<target> (a crash input is kept there, to be turned
# into a regression test). Prints per target the executions and the coverage reached.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH="${1:-60}"
command -v cargo >/dev/null
cargo +nightly fuzz --version >/dev/null 2>&1 || { echo "cargo-fuzz is needed: cargo install cargo-fuzz" >&2; exit 2; }

seed() { # seed TARGET FILES...
  local dir="fuzz/corpus/$1"; shift
  mkdir -p "$dir"
  for f in "$@"; do [ -f "$f" ] && cp "$f" "$dir/$(echo "$f" | md5sum | cut -c1-16)" || true; done
}
policies=$(find corpus/examples corpus/snapshots -name '*.json' 2>/dev/null; find ../shared/data/kms-policies -name '*.json' 2>/dev/null | head -200)
# The policies inside the labelled control cases.
mkdir -p /tmp/keyward-fuzz-seeds
for c in corpus/controls/*/*.json; do
  python3 -c "import json,sys; json.dump(json.load(open(sys.argv[1])).get('policy', {}), open(sys.argv[2], 'w'))" "$c" "/tmp/keyward-fuzz-seeds/$(basename "$(dirname "$c")")-$(basename "$c")" 2>/dev/null || true
done
seed policy_parser $policies /tmp/keyward-fuzz-seeds/*.json
seed evaluator $policies /tmp/keyward-fuzz-seeds/*.json
seed request_file $(find corpus/examples -name 'request*.json')
seed property_file $(find corpus/examples -name '*.toml')
seed config_file $(find . -maxdepth 3 -name 'keyward.toml' -not -path './target/*')

for t in policy_parser request_file property_file config_file evaluator; do
  echo "== $t ($SECONDS_EACH s)"
  (cd fuzz && cargo +nightly fuzz run "$t" -- -max_total_time="$SECONDS_EACH" -rss_limit_mb=2048 2>&1) \
    | tee "/tmp/keyward-fuzz-$t.log" | grep -E "DONE|INITED|SUMMARY|panicked|deadly signal" || true
done
