#!/usr/bin/env bash
# Validate keyward's SARIF with Microsoft's SARIF multitool (the validator GitHub's own SARIF
# documentation points to): the bundled examples, a template and a plan, an input with errors,
# and an absolute path outside the working folder (a file:// URI). Needs node/npx; fails on any
# error or warning the validator reports.
#   scripts/sarif-validate.sh [target/release/keyward]
set -euo pipefail
cd "$(dirname "$0")/.."
KEYWARD=${1:-target/release/keyward}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
printf '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*", "Condition": {"StringLikes": {"aws:username": "a"}}}]}' > "$OUT/broken.json"
cp corpus/examples/prove/key-policy-shared.json "$OUT/key policy (shared).json"
"$KEYWARD" check --format sarif corpus/examples > "$OUT/examples.sarif" || true
"$KEYWARD" check --format sarif corpus/templates/key-for-own-role.yaml corpus/templates/public-key.json corpus/templates/imported-partner.yaml corpus/plans/kms-plan.json corpus/plans/grant-plan.json > "$OUT/iac.sarif" || true
"$KEYWARD" check --format sarif "$OUT/broken.json" "$OUT/key policy (shared).json" corpus/templates/sam.yaml > "$OUT/errors.sarif" || true
status=0
for f in "$OUT"/*.sarif; do
  npx -y @microsoft/sarif-multitool validate "$f" -o "$f.validation" > /dev/null
  n=$(python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['runs'][0].get('results', []); print(len([x for x in r if x.get('level', 'warning') in ('error', 'warning')]))" "$f.validation")
  echo "$(basename "$f"): $n errors or warnings"
  if [ "$n" != 0 ]; then
    python3 -c "import json,sys; [print('  ', x.get('level'), x['ruleId'], x['message']) for x in json.load(open(sys.argv[1]))['runs'][0]['results']]" "$f.validation"
    status=1
  fi
done
exit $status
