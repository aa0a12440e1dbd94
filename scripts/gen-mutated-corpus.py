#!/usr/bin/env python3
"""A large corpus of mutated real policies, for scaling runs of `keyward corpus` (#15, point 5).

Usage: scripts/gen-mutated-corpus.py N OUT_DIR [SOURCE_DIR...]
       (default sources: ../shared/data/aws-managed-policies and ../shared/data/kms-policies)

Writes N policy files under OUT_DIR/NNN/ (1,000 per folder), each a copy of a source policy with
one to three of the mutations the diff tests use (tests/diff_mutations.rs): an Action widened to
its service's wildcard, a condition dropped, a Deny statement removed, a Resource widened to `*`,
statements reordered. The choice is seeded by the file number, so the same N gives the same
corpus on every machine. Not a test: the input of the scaling measurement in README.md.
"""
import json
import os
import random
import sys


def statements(doc):
    st = doc.get("Statement", [])
    if isinstance(st, dict):
        st = [st]
        doc["Statement"] = st
    return st


def widen_action(doc, rng):
    sts = [s for s in statements(doc) if isinstance(s, dict) and "Action" in s]
    if not sts:
        return False
    s = rng.choice(sts)
    acts = s["Action"] if isinstance(s["Action"], list) else [s["Action"]]
    acts = [a for a in acts if isinstance(a, str) and ":" in a]
    if not acts:
        return False
    s["Action"] = rng.choice(acts).split(":", 1)[0] + ":*"
    return True


def drop_condition(doc, rng):
    sts = [s for s in statements(doc) if isinstance(s, dict) and isinstance(s.get("Condition"), dict) and s["Condition"]]
    if not sts:
        return False
    s = rng.choice(sts)
    op = rng.choice(sorted(s["Condition"]))
    del s["Condition"][op]
    if not s["Condition"]:
        del s["Condition"]
    return True


def remove_deny(doc, rng):
    st = statements(doc)
    denies = [i for i, s in enumerate(st) if isinstance(s, dict) and s.get("Effect") == "Deny"]
    if not denies or len(st) < 2:
        return False
    del st[rng.choice(denies)]
    return True


def widen_resource(doc, rng):
    sts = [s for s in statements(doc) if isinstance(s, dict) and "Resource" in s and s["Resource"] != "*"]
    if not sts:
        return False
    rng.choice(sts)["Resource"] = "*"
    return True


def reorder(doc, rng):
    st = statements(doc)
    if len(st) < 2:
        return False
    rng.shuffle(st)
    return True


MUTATIONS = [widen_action, drop_condition, remove_deny, widen_resource, reorder]


def sources(dirs):
    out = []
    for d in dirs:
        for root, _, files in os.walk(d):
            for f in sorted(files):
                if not f.endswith(".json") or f == "INDEX.json":
                    continue
                try:
                    doc = json.load(open(os.path.join(root, f)))
                except (OSError, ValueError):
                    continue
                if isinstance(doc, dict) and "Statement" in doc:
                    out.append((os.path.relpath(os.path.join(root, f), d), doc))
    out.sort(key=lambda x: x[0])
    return out


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    n, out = int(sys.argv[1]), sys.argv[2]
    here = os.path.dirname(os.path.abspath(__file__))
    dirs = sys.argv[3:] or [os.path.join(here, "../../shared/data/aws-managed-policies"), os.path.join(here, "../../shared/data/kms-policies")]
    src = sources(dirs)
    if not src:
        sys.exit("no source policies found")
    for i in range(n):
        rng = random.Random(i)
        name, doc = src[i % len(src)]
        doc = json.loads(json.dumps(doc))
        applied = [m.__name__ for m in rng.sample(MUTATIONS, rng.randint(1, 3)) if m(doc, rng)]
        folder = os.path.join(out, f"{i // 1000:03d}")
        os.makedirs(folder, exist_ok=True)
        base = os.path.basename(name)[:-5]
        with open(os.path.join(folder, f"{i:06d}-{base}.json"), "w") as fh:
            json.dump(doc, fh)
        if i % 10000 == 0:
            print(f"{i} … ({base}: {', '.join(applied) or 'unchanged'})", file=sys.stderr)
    print(f"wrote {n} policies to {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
