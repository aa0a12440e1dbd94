#!/usr/bin/env python3
"""Compare the policies keyward extracts from CloudFormation templates with those AWS's
open-source cfn-policy-validator extracts (`../shared/cfn-reference/parse`, a development aid).

    scripts/cfn-reference-compare.py [TEMPLATE_DIR] [--keyward target/release/keyward]

For every template: both tools run with account 123456789012 and Region us-east-1 (the
reference's fixed account); a parameter the reference reports as missing is given a value
(`210987654321` when its name says Account, else `keyward-NAME`) and both run again with it.
The policies compared are the KMS key policies and the customer managed and inline IAM
policies (trust policies and AWS managed policies are not keyward subjects). Documents are
compared after normalisation: a single value and a one-element list are the same, lists are
sorted, and generated names and ids (a placeholder the tools may spell differently) are
masked. Prints one line per template and a summary.
"""
import json
import os
import re
import subprocess
import sys

ACCOUNT = "123456789012"
HERE = os.path.dirname(os.path.abspath(__file__))
REFERENCE = os.path.join(HERE, "..", "..", "shared", "cfn-reference", "parse")


def norm(v, key=""):
    if isinstance(v, dict):
        return {k: norm(x, k) for k, x in sorted(v.items())}
    if isinstance(v, list):
        items = [norm(x, key) for x in v]
        if key in ("Statement",):
            return items
        items = sorted(items, key=lambda x: json.dumps(x, sort_keys=True))
        return items[0] if len(items) == 1 else items
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, (int, float)):
        return str(v)
    return v


def mask(text):
    # Key ids, generated names and role ids: placeholders either tool may spell its own way.
    text = re.sub(r"(mrk-)?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}|mrk-[0-9a-f]{32}", "KEYID", text)
    # A key the stack creates: keyward gives it a UUID, the reference its logical id.
    text = re.sub(r":key/[A-Za-z0-9-]+", ":key/KEYID", text)
    # A generated name: the reference names the resource by its logical id.
    text = re.sub(r"StackName-([A-Za-z0-9]+)-[A-Z0-9]{12}", r"\1", text)
    return text


def canon(doc):
    if isinstance(doc, str):
        try:
            doc = json.loads(doc)
        except ValueError:
            return mask(doc)
    return mask(json.dumps(norm(doc), sort_keys=True))


def reference(path, params):
    args = [REFERENCE, path, "--region", "us-east-1"]
    if params:
        args += ["--parameters"] + [f"{k}={v}" for k, v in params.items()]
    p = subprocess.run(args, capture_output=True, text=True)
    if p.returncode != 0:
        lines = [l for l in (p.stdout + p.stderr).strip().splitlines() if l.startswith("ERROR")]
        return None, lines or ["failed"]
    d = json.loads(p.stdout)
    docs = []
    seen = set()
    for group in ("Roles", "Users", "Groups", "PermissionSets"):
        for principal in d.get(group, []):
            for pol in principal.get("Policies", []):
                if pol.get("IsAWSManagedPolicy"):
                    continue
                key = (pol.get("Name"), json.dumps(pol.get("Policy"), sort_keys=True))
                if key not in seen:
                    seen.add(key)
                    docs.append(("identity", pol.get("Policy")))
    for pol in d.get("OrphanedPolicies", []):
        docs.append(("identity", pol.get("Policy")))
    for r in d.get("Resources", []):
        if r.get("ResourceType") in ("AWS::KMS::Key", "AWS::KMS::ReplicaKey"):
            docs.append(("key", r["Policy"]["Policy"]))
    return docs, None


def keyward(exe, path, params):
    args = [exe, "resolve", path, "--account", ACCOUNT, "--region", "us-east-1", "--stack-name", "StackName"]
    for k, v in params.items():
        args += ["--parameters", f"{k}={v}"]
    p = subprocess.run(args, capture_output=True, text=True)
    d = json.loads(p.stdout)
    docs = []
    seen = set()
    for s in d["subjects"]:
        doc = s["policy"]["document"] if s.get("policy") else None
        key = (s["kind"], s["resource"].split("/")[-1], json.dumps(doc, sort_keys=True))
        if s["kind"] == "identity" and key in seen:
            continue
        seen.add(key)
        docs.append((s["kind"], doc))
    errors = [f'{e["line"]}:{e["column"]}: {e["message"]}' for e in d["errors"]]
    return docs, errors


def main():
    argv = sys.argv[1:]
    exe = "target/release/keyward"
    if "--keyward" in argv:
        i = argv.index("--keyward")
        exe = argv[i + 1]
        del argv[i : i + 2]
    root = argv[0] if argv else os.path.join(HERE, "..", "..", "shared", "data", "iac", "cloudformation")
    if not os.path.exists(REFERENCE) or not os.path.isdir(root):
        print("no reference parser or template folder: nothing to compare")
        return
    files = sorted(os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs)
    counts = {}
    for f in files:
        params = {}
        for _ in range(6):
            ref, ref_err = reference(f, params)
            missing = re.search(r"No value passed for referenced parameter: (\w+)", " ".join(ref_err or []))
            if not missing:
                break
            name = missing.group(1)
            params[name] = "210987654321" if "account" in name.lower() else f"keyward-{name}"
        kw, kw_err = keyward(exe, f, params)
        name = os.path.relpath(f, root)
        if ref is None:
            verdict = "reference-fails"
            detail = ref_err[0][:150]
        else:
            a = sorted((k, canon(d)) for k, d in ref)
            b = sorted((k, canon(d)) for k, d in kw)
            if a == b:
                verdict = "same"
                detail = f"{len(a)} policies"
            else:
                verdict = "different"
                only_ref = [x for x in a if x not in b]
                only_kw = [x for x in b if x not in a]
                detail = f"reference only: {only_ref[:2]} | keyward only: {only_kw[:2]}"[:600]
        if kw_err:
            detail += f" | keyward errors: {kw_err[:2]}"
        counts[verdict] = counts.get(verdict, 0) + 1
        pinned = f" (with {params})" if params else ""
        print(f"{verdict:16} {name}{pinned}: {detail}")
    print("summary:", ", ".join(f"{k} {v}" for k, v in sorted(counts.items())), f"of {len(files)} templates")


if __name__ == "__main__":
    main()
