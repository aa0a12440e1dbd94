#!/usr/bin/env bash
# A real Slurm array job over a corpus, checked against a single-machine run (#15, point 5).
#
# Starts a one-machine Slurm cluster (munged, slurmctld and slurmd of Debian's slurm-wlm, with a
# throw-away configuration and state under a temporary folder), submits
# docs/slurm-array.sbatch as an array of SHARDS tasks (`keyward corpus --shard auto`),
# concatenates the shards' JSON lines and requires them to equal a single-machine run of the
# same corpus: the same (file, control, verdict, message) lines, and `keyward corpus compare`
# finding no disagreement. Stops the daemons it started on exit.
#
# Usage: scripts/slurm-test.sh [CORPUS_DIR]   (default: ../shared/data/kms-policies)
# Env:   SHARDS (default 4), KEYWARD (default: target/release/keyward, built if missing).
# Needs root to install slurm-wlm when it is missing (apt-get) and to run the daemons.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
corpus=$(realpath "${1:-../shared/data/kms-policies}")
shards=${SHARDS:-4}
keyward=${KEYWARD:-$root/target/release/keyward}
[ -x "$keyward" ] || cargo build --release
command -v slurmctld >/dev/null || { apt-get update -qq && apt-get install -y -qq slurm-wlm; }

work=$(mktemp -d /tmp/keyward-slurm.XXXXXX)
host=$(hostname -s)
cpus=$(nproc)
pids=()
cleanup() {
    scancel --quiet --name=keyward-corpus 2>/dev/null || true
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup EXIT

mkdir -p "$work"/{state,spool,log,out}
cat >"$work/slurm.conf" <<EOF
ClusterName=keyward-test
SlurmctldHost=$host
SlurmctldPort=16817
SlurmdPort=16818
AuthType=auth/munge
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/log/slurmctld.log
SlurmdLogFile=$work/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
SlurmUser=root
NodeName=$host CPUs=$cpus State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF=$work/slurm.conf

# munged may already run (a developer machine); start one on a private socket otherwise.
if ! munge -n >/dev/null 2>&1; then
    mkdir -p /run/munge && chown munge:munge /run/munge 2>/dev/null || true
    munged --force
    sleep 1
fi
slurmctld -D -f "$SLURM_CONF" >"$work/log/ctld.out" 2>&1 &
pids+=($!)
sleep 2
slurmd -D -f "$SLURM_CONF" >"$work/log/d.out" 2>&1 &
pids+=($!)
for _ in $(seq 1 30); do
    sinfo -h -o %T 2>/dev/null | grep -qE '^(idle|mixed|allocated)' && break
    sleep 1
done
sinfo -h -o '%P %T %c' || { cat "$work"/log/*; exit 1; }

echo "== array job: $shards shards of $corpus"
start=$(date +%s.%N)
sbatch --wait --array=0-$((shards - 1)) --cpus-per-task=1 --output="$work/log/task-%a.log" \
    --export=ALL,KEYWARD="$keyward" docs/slurm-array.sbatch "$corpus" "$work/out" >/dev/null
end=$(date +%s.%N)
ls "$work"/out/shard-*.jsonl >/dev/null
cat "$work"/out/shard-*.jsonl >"$work/merged.jsonl"
echo "   $(ls "$work"/out/shard-*.jsonl | wc -l) shard files, $(wc -l <"$work/merged.jsonl") lines, $(echo "$end - $start" | bc) s"

echo "== single machine"
"$keyward" corpus --jobs "$cpus" --out "$work/single.jsonl" "$corpus" >/dev/null

# The same answers line for line (timings aside), and no disagreement by `corpus compare`.
key_lines() {
    python3 -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
for r in sorted(rows, key=lambda r: (r["file"], r.get("control", ""))):
    print(json.dumps([r["kind"], r["file"], r.get("control"), r.get("verdict"), r.get("message")]))
' "$1"
}
if ! diff <(key_lines "$work/merged.jsonl") <(key_lines "$work/single.jsonl") >"$work/diff.txt"; then
    echo "FAIL: the array job's answers differ from the single-machine run:"
    head -20 "$work/diff.txt"
    exit 1
fi
"$keyward" corpus compare "$work/merged.jsonl" "$work/single.jsonl" >"$work/compare.txt" || {
    echo "FAIL: corpus compare"
    cat "$work/compare.txt"
    exit 1
}
echo "PASS: $shards-task Slurm array job = single-machine run ($(wc -l <"$work/single.jsonl") lines); files in $work"
