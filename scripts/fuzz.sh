#!/usr/bin/env bash
# Run every fuzz target for SECONDS each (default 60) with libFuzzer (issue #16), or until RUNS
# executions when RUNS is given (whichever comes first):
#   scripts/fuzz.sh 1800
#   scripts/fuzz.sh 1800 1000000
# `differential` (structure-aware: random policy sets and a pinned request, the solver against
# the evaluator) and `check` (every control end to end) call z3 and run tens of executions per
# second; the parsers and the evaluator tens of thousands.
# Needs the nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`). Seed corpora come
# from corpus/ and ../shared/data/ (when present); libFuzzer's findings stay in
# fuzz/corpus/<target> and fuzz/artifacts/<target> (a crash input is kept there, to be turned
# into a regression test). Prints per target the executions and the coverage reached.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH="${1:-60}"
RUNS="${2:-}"
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
seed check $policies /tmp/keyward-fuzz-seeds/*.json
mkdir -p fuzz/corpus/differential
seed request_file $(find corpus/examples -name 'request*.json')
seed property_file $(find corpus/examples -name '*.toml')
seed config_file $(find . -maxdepth 3 -name 'keyward.toml' -not -path './target/*')
seed iac corpus/templates/* corpus/plans/* $(find ../shared/data/iac -type f \( -name '*.yaml' -o -name '*.yml' -o -name '*.json' -o -name '*.template' \) -size -64k 2>/dev/null | grep -v INDEX.json)

limit=(-max_total_time="$SECONDS_EACH")
[ -n "$RUNS" ] && limit+=(-runs="$RUNS")
for t in ${TARGETS:-policy_parser request_file property_file config_file iac evaluator differential check}; do
  echo "== $t ($SECONDS_EACH s${RUNS:+ or $RUNS runs})"
  (cd fuzz && cargo +nightly fuzz run "$t" -- "${limit[@]}" -rss_limit_mb=2048 -timeout=60 2>&1) \
    | tee "/tmp/keyward-fuzz-$t.log" | grep -E "DONE|INITED|SUMMARY|panicked|deadly signal" || true
done
