#!/usr/bin/env python3
"""Cross-check the semantics cases of corpus/cases with the reference oracle.

Development aid, not a test dependency: runs ../shared/oracle/oracle (an independent IAM
evaluator, installed with npm on first use) on every request of every case and compares its
decision with the case's expected decision and with the case's "oracle" field ("agrees" or
"differs: <why the oracle is wrong here>"). Prints every inconsistency; exit 1 when there is one.

The oracle needs what keyward derives itself (it does not derive caller keys from the principal),
writes anonymous callers as {"type": "Anonymous"}, and reads zone-less dates in local time, so
this script adds the derived keys, translates the principal and runs it with TZ=UTC.

Usage: scripts/oracle-check.py [CASE.json ...]
"""
import json, os, pathlib, subprocess, sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
ORACLE = ROOT.parent / "shared" / "oracle" / "oracle"


def principal_facts(p):
    """(oracle principal, account, principal arn, kind) for a request principal string."""
    if p in ("anonymous", "*"):
        return {"type": "Anonymous"}, None, None, "anonymous"
    if p.isdigit():
        return f"arn:aws:iam::{p}:root", p, f"arn:aws:iam::{p}:root", "root"
    if p.startswith("arn:"):
        parts = p.split(":", 5)
        acct, res = parts[4], parts[5]
        if parts[2] == "sts" and res.startswith("assumed-role/"):
            role = res.split("/")[1]
            return p, acct, f"arn:{parts[1]}:iam::{acct}:role/{role}", "role"
        kind = "root" if res == "root" else res.split("/")[0]
        return p, acct, p, kind
    return p, None, None, "service"


def oracle_request(req):
    principal, acct, parn, kind = principal_facts(req["principal"])
    ctx = dict(req.get("context", {}))
    action = req["action"]
    resource = req.get("resource", "*")
    have = {k.lower() for k in ctx}

    def derive(k, v):
        if v is not None and k.lower() not in have:
            ctx[k] = v

    if acct is not None:
        derive("aws:PrincipalArn", parn)
        derive("aws:PrincipalAccount", acct)
        if action.lower().startswith("kms:"):
            derive("kms:CallerAccount", acct)
        derive("aws:PrincipalType", {"root": "Account", "user": "User", "role": "AssumedRole", "federated-user": "FederatedUser"}.get(kind))
        if kind == "user":
            derive("aws:username", parn.rsplit("/", 1)[-1])
    if kind == "service":
        derive("aws:PrincipalServiceName", req["principal"])
        derive("aws:PrincipalIsAWSService", "true")
    elif acct is not None:
        derive("aws:PrincipalIsAWSService", "false")
    rparts = resource.split(":", 5) if resource.startswith("arn:") else None
    res_acct = rparts[4] if rparts and len(rparts) == 6 and rparts[4] else None
    if rparts and len(rparts) == 6:
        if res_acct:
            derive("aws:ResourceAccount", res_acct)
        if rparts[2] == "kms" and rparts[3] and action.lower().startswith("kms:"):
            derive("aws:RequestedRegion", rparts[3])
    out = {"principal": principal, "action": action, "resource": resource, "context": ctx}
    out["resourceAccount"] = res_acct or acct or "000000000000"
    return out


def oracle_line(case_policies, req, ident):
    pol = case_policies
    line = {"id": ident, "request": oracle_request(req)}
    ids = pol.get("identity", [])
    line["identityPolicies"] = ids if isinstance(ids, list) else [ids]
    if "key_policy" in pol:
        line["resourcePolicy"] = pol["key_policy"]
    if pol.get("scps"):
        line["scps"] = pol["scps"] if isinstance(pol["scps"], list) else [pol["scps"]]
    if pol.get("boundary"):
        b = pol["boundary"]
        line["permissionBoundaries"] = b if isinstance(b, list) else [b]
    return line


def run_oracle(lines):
    env = dict(os.environ, TZ="UTC")
    text = "\n".join(json.dumps(l) for l in lines) + "\n"
    out = subprocess.run([str(ORACLE)], input=text, capture_output=True, text=True, env=env, check=True).stdout
    return [json.loads(l) for l in out.splitlines() if l.strip()]


def main(argv):
    files = [pathlib.Path(a) for a in argv] or sorted((ROOT / "corpus" / "cases").rglob("*.json"))
    lines, meta = [], []
    for f in files:
        case = json.loads(f.read_text())
        for i, r in enumerate(case.get("requests", [])):
            ident = f"{f.relative_to(ROOT)}#{i}"
            lines.append(oracle_line(case.get("policies", {}), r["request"], ident))
            meta.append((ident, r.get("name", ""), r["expect"], r.get("oracle", "")))
    results = run_oracle(lines)
    bad = 0
    agree = differ = 0
    for (ident, name, expect, field), res in zip(meta, results):
        got = res.get("decision")
        same = got == expect
        agree += same
        differ += not same
        if field == "agrees" and not same:
            bad += 1
            print(f"MISMATCH {ident} ({name}): expected {expect}, oracle says {got} {res.get('detail', '')}")
        elif field.startswith("differs") and same:
            bad += 1
            print(f"STALE    {ident} ({name}): marked '{field}' but the oracle agrees ({got})")
        elif not (field == "agrees" or field.startswith("differs: ")):
            bad += 1
            print(f"NOFIELD  {ident} ({name}): oracle says {got}, expected {expect}")
    print(f"{len(meta)} requests: oracle agrees on {agree}, differs on {differ} (each difference must be explained in the case); {bad} problems")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
