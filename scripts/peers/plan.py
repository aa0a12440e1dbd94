#!/usr/bin/env python3
"""Write the benchmark plan that every tool of scripts/bench-peers.sh answers from.

    plan.py MANAGED_DIR KEY_DIR CATALOG_TSV OUT_PLAN_JSON

The plan fixes, once for all tools: the corpus files of each question (relative name and
absolute path), the KMS action catalog and the order the peers ask it in, and the
principals and keys of the questions. Only the standard library is used.

Corpus files follow keyward's own rule (`keyward corpus DIR`): every `*.json` file below the
folder whose top-level JSON object has a `Statement`, sorted by path. Q3 keeps only the key
policies: the files INDEX.json (when the folder has one) lists with a kind containing
"key policy"; without INDEX.json, the files with a `Principal` in some statement.
"""
import json
import os
import sys

# The principals and keys of the questions.
OWNER_ACCOUNT = "111122223333"  # keyward's default --account
# A key no policy of either corpus names (Q1, Q2): keyward's "arbitrary key", for the peers
# one fixed ARN of the holder's account.
PROBE_KEY = "arn:aws:kms:us-east-1:111122223333:key/0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d"
# The role holding the identity policy (Q1, Q2).
HOLDER = "arn:aws:iam::111122223333:role/keyward-bench-holder"
# Q3: the key a key-policy file protects in a `keyward corpus` run without --key-arn
# (src/inputs/mod.rs placeholder_key of the default account).
OWNER_KEY = "arn:aws:kms:us-east-1:111122223333:key/00000000-0000-0000-0000-000000000000"
# Q3: a role of an account no policy names, in an organization no policy names.
OUTSIDER = "arn:aws:iam::999988887777:role/keyward-bench-outsider"
OUTSIDER_ACCOUNT = "999988887777"
OUTSIDER_ORG = "o-kwbench0fresh"

# The usage actions of src/model/catalog.rs (USAGE), for keyward's CIS-KMS-STAR order.
USAGE = {
    "Encrypt", "Decrypt", "ReEncryptFrom", "ReEncryptTo", "GenerateDataKey",
    "GenerateDataKeyWithoutPlaintext", "GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext",
    "GenerateMac", "VerifyMac", "Sign", "Verify", "DeriveSharedSecret",
}


def policy_files(root):
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for f in filenames:
            if not f.endswith(".json"):
                continue
            p = os.path.join(dirpath, f)
            try:
                with open(p, encoding="utf-8") as fh:
                    doc = json.load(fh)
            except (ValueError, UnicodeDecodeError):
                out.append(p)  # keyward reports it as an error: keep it
                continue
            if isinstance(doc, dict) and "Statement" in doc:
                out.append(p)
    out.sort()
    return out


def has_principal(path):
    try:
        with open(path, encoding="utf-8") as fh:
            doc = json.load(fh)
    except (ValueError, UnicodeDecodeError):
        return False
    st = doc.get("Statement") if isinstance(doc, dict) else None
    st = st if isinstance(st, list) else [st]
    return any(isinstance(s, dict) and ("Principal" in s or "NotPrincipal" in s) for s in st)


def key_policy_files(root):
    files = policy_files(root)
    index = os.path.join(root, "INDEX.json")
    if os.path.exists(index):
        with open(index, encoding="utf-8") as fh:
            entries = json.load(fh)
        keep = {os.path.normpath(os.path.join(root, e["file"])) for e in entries if "key policy" in e.get("kind", "").lower()}
        return [f for f in files if os.path.normpath(f) in keep]
    return [f for f in files if has_principal(f)]


def catalog(tsv):
    actions = []
    with open(tsv, encoding="utf-8") as fh:
        next(fh)
        for line in fh:
            cols = line.rstrip("\n").split("\t")
            if not cols or not cols[0].startswith("kms:"):
                continue
            name = cols[0]
            actions.append({"action": name, "unscoped": cols[3].strip() in ("", "-")})
    return actions


def main():
    managed, keys, tsv, out = sys.argv[1:5]
    managed, keys = os.path.realpath(managed), os.path.realpath(keys)
    acts = catalog(tsv)

    def short(a):
        return a["action"].split(":", 1)[1]

    # keyward's CIS-KMS-STAR order (src/controls/identity.rs star_order): actions outside the
    # usage and read families first, then by name. The peers stop at the first denied action.
    star = sorted(acts, key=lambda a: (short(a) in USAGE or any(p in a["action"] for p in (":Describe", ":Get", ":List")), a["action"]))
    rel = lambda root, files: [[os.path.relpath(f, root), f] for f in files]
    managed_files = rel(managed, policy_files(managed))
    plan = {
        "owner_account": OWNER_ACCOUNT,
        "probe_key": PROBE_KEY,
        "holder": HOLDER,
        "owner_key": OWNER_KEY,
        "outsider": OUTSIDER,
        "outsider_account": OUTSIDER_ACCOUNT,
        "outsider_org": OUTSIDER_ORG,
        "q1_actions": ["kms:Decrypt", "kms:ReEncryptFrom"],
        "star_order": star,
        # Q3: the actions a key policy governs (those that take a key), in catalog order.
        "key_actions": [a["action"] for a in acts if not a["unscoped"]],
        "questions": {
            "Q1": {"corpus": managed, "files": managed_files},
            "Q2": {"corpus": managed, "files": managed_files},
            "Q3": {"corpus": keys, "files": rel(keys, key_policy_files(keys))},
        },
    }
    with open(out, "w", encoding="utf-8") as fh:
        json.dump(plan, fh, indent=1)
    for q, v in plan["questions"].items():
        with open(os.path.join(os.path.dirname(out), f"{q}.files"), "w", encoding="utf-8") as fh:
            fh.write("".join(p + "\n" for _, p in v["files"]))


if __name__ == "__main__":
    main()
