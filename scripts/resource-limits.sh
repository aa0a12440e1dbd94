#!/usr/bin/env bash
# Pathological inputs (issue #16): generates a policy of 100,000 statements, one with a 10 MB
# condition value, and patterns of 10,000 wildcards (in an identity policy's condition and in a
# key policy's aws:PrincipalArn), runs `keyward check --format json` on each under
# /usr/bin/time, and prints wall time, peak memory, exit code and the verdicts. Every run must
# end with verdicts or `unknown` (exit 0, 1 or 3), never a crash (`cargo test` runs small
# versions of the same inputs).
#   scripts/resource-limits.sh [TIMEOUT_MS]     (default 10000, keyward's default)
set -euo pipefail
cd "$(dirname "$0")/.."
TIMEOUT_MS="${1:-10000}"
cargo build --release --quiet
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
python3 - "$dir" <<'PY'
import json, sys
d = sys.argv[1]
def dump(name, statements):
    with open(f"{d}/{name}.json", "w") as f:
        json.dump({"Version": "2012-10-17", "Statement": statements}, f)
dump("statements-100k", [{"Effect": "Allow", "Action": f"s3:GetObject{i}", "Resource": f"arn:aws:s3:::bucket-{i}/*"} for i in range(100000)]
     + [{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*", "Condition": {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}}}])
v = "a" * (10 * 1024 * 1024)
dump("value-10mb", [{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*", "Condition": {"StringLike": {"aws:PrincipalTag/team": v}}},
                    {"Effect": "Deny", "Action": "kms:Decrypt", "Resource": "*", "Condition": {"StringNotLike": {"aws:PrincipalTag/team": v[:-1] + "*"}}}])
dump("wildcards-10k", [{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*", "Condition": {"StringLike": {"aws:PrincipalTag/team": "*a" * 10000}}},
                       {"Effect": "Deny", "Action": "kms:Decrypt", "Resource": "*", "Condition": {"StringLike": {"aws:PrincipalTag/team": "*b*"}}}])
dump("key-wildcards-10k", [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:*", "Resource": "*",
                            "Condition": {"StringLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/" + "*x" * 10000}}}])
PY
printf '%-20s %8s %10s %5s  %s\n' input wall peak exit verdicts
for f in statements-100k value-10mb wildcards-10k key-wildcards-10k; do
  set +e
  /usr/bin/time -f "%e %M" -o "$dir/$f.time" target/release/keyward check --format json --timeout-ms "$TIMEOUT_MS" "$dir/$f.json" > "$dir/$f.out" 2> "$dir/$f.err"
  rc=$?
  set -e
  read -r wall kb < <(tail -n 1 "$dir/$f.time")
  verdicts=$(python3 -c "import json,sys,collections; d=json.load(open(sys.argv[1])); print(dict(collections.Counter(r['verdict'] for r in d['results'])))" "$dir/$f.out" 2>/dev/null || echo "no JSON output")
  printf '%-20s %7ss %8s MB %5s  %s\n' "$f" "$wall" "$((kb / 1024))" "$rc" "$verdicts"
  case $rc in 0|1|3) ;; *) echo "FAIL: $f exited $rc"; tail -5 "$dir/$f.err"; exit 1 ;; esac
done
