#!/usr/bin/env python3
"""Print the Markdown report of scripts/bench-peers.sh.

    summarize.py PLAN_JSON WORK_DIR "Q1 Q2 Q3" "keyward iamspy iam-simulate"

Reads WORK_DIR/times.tsv (timed.py records) and WORK_DIR/out/QUESTION/TOOL.rROUND.jsonl (the
tools' answers), and prints per question the median wall time of each tool over the rounds,
the ratios peer/keyward, the verdict counts, then the policies whose verdicts differ.
Verdicts are those of the last round; a tool whose verdicts changed between rounds is named.
"""
import collections
import json
import os
import statistics
import sys

CONTROL = {"Q1": "KMS.1", "Q2": "CIS-KMS-STAR", "Q3": "CIS-KMS-EXPOSED:public"}
TITLE = {
    "Q1": "Q1 kms:Decrypt/ReEncryptFrom on an unnamed key (KMS.1)",
    "Q2": "Q2 every cataloged KMS action (CIS-KMS-STAR)",
    "Q3": "Q3 outsider allowed on the key (CIS-KMS-EXPOSED:public)",
}
PEERS = ["iamspy", "iam-simulate"]
SHOW = 20


def keyward_verdicts(path, q, plan):
    corpus = plan["questions"][q]["corpus"]
    by_abs = {os.path.normpath(p): rel for rel, p in plan["questions"][q]["files"]}
    out, resources = {}, set()
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            j = json.loads(line)
            f = os.path.normpath(j.get("file", ""))
            rel = by_abs.get(f) or os.path.relpath(f, corpus)
            if j.get("kind") == "error":
                out[rel] = "error"
            elif j.get("kind") == "result" and j.get("control") == CONTROL[q]:
                v = j["verdict"]
                out[rel] = "n/a" if v == "not_applicable" else v
                resources.add(j.get("resource"))
    return out, resources


def peer_verdicts(path):
    out, msgs = {}, {}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            j = json.loads(line)
            out[j["file"]] = j["verdict"]
            if "message" in j:
                msgs[j["file"]] = j["message"]
    return out, msgs


def counts(v):
    c = collections.Counter(v.values())
    order = ["violated", "holds"] + sorted(k for k in c if k not in ("violated", "holds"))
    return " / ".join(f"{c[k]} {k}" for k in order if c[k] or k in ("violated", "holds"))


def names(xs):
    xs = sorted(xs)
    s = ", ".join(f"`{x}`" for x in xs[:SHOW])
    return s + (f", … ({len(xs) - SHOW} more)" if len(xs) > SHOW else "")


def main():
    plan_path, work, questions, tools = sys.argv[1:5]
    questions, tools = questions.split(), tools.split()
    with open(plan_path, encoding="utf-8") as fh:
        plan = json.load(fh)
    times = collections.defaultdict(list)  # (q, tool) -> [(round, wall, cpu, rc)]
    with open(os.path.join(work, "times.tsv"), encoding="utf-8") as fh:
        for line in fh:
            q, tool, rnd, wall, user, sys_, rc = line.rstrip("\n").split("\t")
            times[(q, tool)].append((int(rnd), float(wall), float(user) + float(sys_), int(rc)))

    verdicts, messages, unstable, notes = {}, {}, [], []
    for q in questions:
        for tool in tools:
            runs = sorted(times.get((q, tool), []))
            per_round = []
            for rnd, *_ in runs:
                p = os.path.join(work, "out", q, f"{tool}.r{rnd}.jsonl")
                if not os.path.exists(p):
                    continue
                if tool == "keyward":
                    v, res = keyward_verdicts(p, q, plan)
                    if q == "Q3" and res - {plan["owner_key"]}:
                        notes.append(f"{q}: keyward's key ARNs {sorted(res)} differ from the peers' {plan['owner_key']}")
                    m = {}
                else:
                    v, m = peer_verdicts(p)
                per_round.append(v)
                messages[(q, tool)] = m
            if per_round:
                verdicts[(q, tool)] = per_round[-1]
                if any(r != per_round[-1] for r in per_round):
                    unstable.append(f"{tool} on {q}")

    def med(q, tool):
        ok = [w for _, w, _, rc in times.get((q, tool), []) if rc == 0]
        return statistics.median(ok) if ok else None

    fmt = lambda s: "—" if s is None else (f"{s:.2f} s" if s >= 1 else f"{s * 1000:.0f} ms")
    cols = [t for t in ["keyward"] + PEERS if t in tools]
    ratios = [p for p in PEERS if p in tools and "keyward" in tools]
    header = ["question", "policies"] + [f"{t} median" for t in cols] + [f"{p} / keyward" for p in ratios] + [f"verdicts {t}" for t in cols]
    print("| " + " | ".join(header) + " |")
    ncols = len(header)
    print("|" + "---|" * ncols)
    for q in questions:
        n = len(plan["questions"][q]["files"])
        row = [TITLE[q], str(n)] + [fmt(med(q, t)) for t in cols]
        k = med(q, "keyward")
        for p in ratios:
            m = med(q, p)
            row.append("—" if m is None or not k else f"{m / k:.1f}x")
        row += [counts(verdicts[(q, t)]) if (q, t) in verdicts else "—" for t in cols]
        print("| " + " | ".join(row) + " |")
    print()
    print("\"violated\": Q1 Decrypt/ReEncryptFrom allowed; Q2 every KMS action allowed; Q3 the outsider allowed some action.")
    print()
    print("Every run (wall clock, with the CPU time user+sys in parentheses), in round order:")
    print()
    for q in questions:
        for t in cols:
            runs = sorted(times.get((q, t), []))
            if runs:
                s = ", ".join(f"{w:.2f} s ({c:.2f})" + ("" if rc == 0 else f" exit {rc}") for _, w, c, rc in runs)
                print(f"- {q} {t}: {s}")
    print()
    if unstable:
        print("Verdicts changed between rounds for: " + ", ".join(unstable) + " (the last round is reported).")
        print()
    for n in notes:
        print("Note: " + n)
        print()

    if "keyward" not in tools:
        return
    print("### Verdict differences (keyward against each peer)")
    print()
    for q in questions:
        kv = verdicts.get((q, "keyward"))
        if kv is None:
            continue
        print(f"#### {TITLE[q]}")
        print()
        for p in PEERS:
            pv = verdicts.get((q, p))
            if pv is None:
                continue
            files = sorted(set(kv) | set(pv))
            decided = ("violated", "holds")
            kv_only = [f for f in files if kv.get(f) == "violated" and pv.get(f) == "holds"]
            pv_only = [f for f in files if kv.get(f) == "holds" and pv.get(f) == "violated"]
            p_undecided = [f for f in files if kv.get(f) in decided and pv.get(f) not in decided]
            k_undecided = [f for f in files if kv.get(f) not in decided]
            print(f"- **{p}**: {len(kv_only) + len(pv_only)} decided differently")
            print(f"  - keyward violated, {p} holds: {len(kv_only)}" + (f": {names(kv_only)}" if kv_only else ""))
            print(f"  - keyward holds, {p} violated: {len(pv_only)}" + (f": {names(pv_only)}" if pv_only else ""))
            if p_undecided:
                by = collections.Counter(pv.get(f, "missing") for f in p_undecided)
                print(f"  - {p} undecided where keyward decided: {len(p_undecided)} ({dict(by)}): {names(p_undecided)}")
                msgs = messages.get((q, p), {})
                kinds = collections.Counter(msgs.get(f, "")[:90] for f in p_undecided)
                for msg, c in kinds.most_common(5):
                    print(f"    - {c}× {msg}")
            if k_undecided:
                print(f"  - keyward undecided: {len(k_undecided)}: {names(k_undecided)}")
        print()


if __name__ == "__main__":
    main()
