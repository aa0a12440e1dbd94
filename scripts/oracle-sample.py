#!/usr/bin/env python3
"""Random differential sample: keyward's evaluator against the reference oracle on the real KMS
key policies of ../shared/data/kms-policies.

For every policy file with a Principal element (key policies and the two RCPs), draw a
reproducible sample of requests (fixed seed): principals named in the policy (and sessions of
the roles it names, users of the accounts it names, callers its aws:PrincipalArn /
kms:CallerAccount conditions describe) plus fresh users in other accounts, an anonymous caller
and a service principal; actions from the KMS catalog (mostly ones the policy names);
resource = a key ARN in the account the policy names (sometimes a key of a fresh account, '*'
for actions that use no key, an alias ARN for alias actions); context = some of the keys the
policy's conditions test, with values taken from the condition values or random.

Each request is decided by `keyward eval --key-policy FILE --requests BATCH.jsonl` (batch mode)
and by the oracle, with the translation of scripts/oracle-check.py (imported). Prints the
number of requests, the agreements, and every disagreement grouped by cause, with which side is
right and why. Development aid, not a test dependency.

Usage: scripts/oracle-sample.py [--seed N] [--per-policy N] [--show N] [--keyward PATH]
Environment: KEYWARD (path to the keyward binary; default: cargo build, then
$CARGO_TARGET_DIR/debug/keyward or target/debug/keyward).
"""
import argparse, collections, fnmatch, importlib.util, json, os, pathlib, random, re, subprocess, sys, tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "kms-policies"
CATALOG = ROOT.parent / "shared" / "data" / "iam-catalog" / "actions" / "kms.json"

_spec = importlib.util.spec_from_file_location("oracle_check", ROOT / "scripts" / "oracle-check.py")
oracle_check = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(oracle_check)

OWNER = "111122223333"
FRESH_ACCOUNTS = ["444455556666", "999988887777"]
SERVICES = ["logs.amazonaws.com", "cloudtrail.amazonaws.com", "s3.amazonaws.com"]
# Keys the request itself fixes: keyward and oracle-check.py derive them from the principal and
# resource, so the sample leaves them out (a random value would describe an impossible request).
DERIVED = {"aws:principalarn", "aws:principalaccount", "kms:calleraccount", "aws:principaltype", "aws:username",
           "aws:principalservicename", "aws:resourceaccount", "aws:requestedregion", "aws:principalisawsservice"}
MULTI = {"aws:tagkeys", "aws:principalservicenameslist", "aws:principalorgpaths", "aws:calledvia", "aws:sourceorgpaths",
         "kms:encryptioncontextkeys", "kms:grantoperations", "kms:resourcealiases", "aws:resourceorgpaths"}
WORDS = ["alpha", "beta", "prod", "dev", "finance", "Test", "example", "x"]
GRANT_OPS = ["Decrypt", "Encrypt", "GenerateDataKey", "ReEncryptFrom", "ReEncryptTo", "CreateGrant", "RetireGrant", "DescribeKey", "Sign", "Verify"]


# ---------------------------------------------------------------- policy facts

def as_list(v):
    return v if isinstance(v, list) else [v]


def statements(policy):
    return [s for s in as_list(policy.get("Statement", [])) if isinstance(s, dict)]


def has_principal(policy):
    return any("Principal" in s or "NotPrincipal" in s for s in statements(policy))


def principal_values(policy):
    out = []
    for s in statements(policy):
        for el in ("Principal", "NotPrincipal"):
            p = s.get(el)
            if p == "*" or p is None:
                continue
            if isinstance(p, dict):
                for kind, vals in p.items():
                    for v in as_list(vals):
                        if isinstance(v, str):
                            out.append((kind, v))
    return out


def clauses(policy):
    """(operator, key, [values]) for every condition clause."""
    out = []
    for s in statements(policy):
        cond = s.get("Condition")
        if not isinstance(cond, dict):
            continue
        for op, body in cond.items():
            if isinstance(body, dict):
                for key, vals in body.items():
                    out.append((op, key, [str(v).lower() if isinstance(v, bool) else str(v) for v in as_list(vals)]))
    return out


def family(op):
    base = op.split(":")[-1].lower().replace("ifexists", "")
    for fam in ("string", "numeric", "date", "bool", "binary", "arn", "null"):
        if base.startswith(fam):
            return fam
    if "ipaddress" in base:
        return "ip"
    return "string"


def accounts_in(policy):
    return [a for a in re.findall(r"(?<![0-9])([0-9]{12})(?![0-9])", json.dumps(policy))]


def regions_in(policy):
    return re.findall(r"\b((?:us|eu|ap|sa|ca|me|af)-[a-z]+-[0-9])\b", json.dumps(policy))


# ---------------------------------------------------------------- request sampling

def instantiate(rng, text):
    """A concrete string a pattern (wildcards, variables) may match."""
    text = re.sub(r"\$\{[^}]*\}", lambda m: rng.choice(WORDS), text)
    out = []
    for ch in text:
        if ch == "*":
            out.append(rng.choice(["", "x", "abc", "a/b"]))
        elif ch == "?":
            out.append("q")
        else:
            out.append(ch)
    return "".join(out)


def principal_pool(policy, rng, account):
    pool = set()
    for kind, v in principal_values(policy):
        if kind == "Service":
            pool.add(v)
        elif kind != "AWS":
            continue
        elif re.fullmatch(r"[0-9]{12}", v) or v.endswith(":root"):
            acct = v if v.isdigit() else v.split(":")[4]
            pool.add(f"arn:aws:iam::{acct}:root")
            pool.add(f"arn:aws:iam::{acct}:user/sample-user")
        elif ":role/" in v:
            acct, name = v.split(":")[4], v.rsplit("/", 1)[-1]
            pool.add(v)
            pool.add(f"arn:aws:sts::{acct}:assumed-role/{name}/sample-session")
        elif v.startswith("arn:") and "*" not in v:
            pool.add(v)
    for op, key, vals in clauses(policy):
        k = key.lower()
        for v in vals:
            if "${" in v:
                continue
            if k == "aws:principalarn" and v.startswith("arn:"):
                arn = instantiate(rng, v)
                parts = arn.split(":", 5)
                if len(parts) == 6 and re.fullmatch(r"[0-9]{12}", parts[4]):
                    res = parts[5]
                    if res.startswith("role/"):
                        pool.add(f"arn:aws:sts::{parts[4]}:assumed-role/{res.rsplit('/', 1)[-1] or 'r'}/sample-session")
                    elif res.startswith("user/") and len(res) > 5:
                        pool.add(arn)
            elif k in ("kms:calleraccount", "aws:principalaccount") and re.fullmatch(r"[0-9]{12}", v):
                pool.add(f"arn:aws:iam::{v}:user/sample-user")
            elif k == "aws:principalservicename" and re.fullmatch(r"[a-z0-9.-]+\.amazonaws\.com", v):
                pool.add(v)
    pool.add(f"arn:aws:iam::{account}:user/alice")
    pool.add(f"arn:aws:sts::{account}:assumed-role/AppRole/s1")
    for a in FRESH_ACCOUNTS:
        pool.add(f"arn:aws:iam::{a}:user/mallory")
    pool.add("anonymous")
    pool.add(rng.choice(SERVICES))
    return sorted(pool)


def named_actions(policy, catalog):
    out = set()
    for s in statements(policy):
        for pat in as_list(s.get("Action", [])):
            if isinstance(pat, str):
                for name in catalog:
                    if fnmatch.fnmatchcase(f"kms:{name}".lower(), pat.lower()):
                        out.add(name)
    return sorted(out)


def random_value(rng, fam, vals):
    pick = [v for v in vals if "${" not in v]
    if fam == "bool":
        return rng.choice(["true", "false"])
    if fam == "numeric":
        base = [int(float(v)) for v in pick if re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", v)] or [0]
        return str(rng.choice(base) + rng.choice([-1, 0, 0, 1, 100]))
    if fam == "date":
        if pick and rng.random() < 0.5:
            return rng.choice(pick)
        return f"20{rng.randint(15, 30)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}:00:00Z"
    if fam == "ip":
        if pick and rng.random() < 0.6:
            net = rng.choice(pick).split("/")[0]
            if ":" not in net:
                o = net.split(".")
                return ".".join(o[:3] + [str(rng.randint(1, 254))])
            return net
        return f"{rng.randint(1, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
    if pick and rng.random() < 0.7:
        return instantiate(rng, rng.choice(pick))
    return rng.choice(WORDS)


def sample_requests(policy, catalog, rng, n):
    accts = accounts_in(policy)
    account = accts[0] if accts else OWNER
    regions = regions_in(policy) or ["us-east-1"]
    pool = principal_pool(policy, rng, account)
    named = named_actions(policy, catalog) or sorted(catalog)
    by_key = collections.defaultdict(list)
    for op, key, vals in clauses(policy):
        if key.lower() not in DERIVED:
            by_key[key].append((family(op), vals))
    out = []
    for _ in range(n):
        name = rng.choice(named) if rng.random() < 0.7 else rng.choice(sorted(catalog))
        info = catalog[name]
        types = {t["name"] for t in info["resourceTypes"]}
        acct = account if rng.random() < 0.85 else rng.choice(FRESH_ACCOUNTS)
        region = rng.choice(regions)
        if not types:
            resource = "*"
        elif "alias" in types:
            resource = f"arn:aws:kms:{region}:{acct}:alias/sample-alias"
        else:
            resource = f"arn:aws:kms:{region}:{acct}:key/{rng.choice(['1234abcd-12ab-34cd-56ef-1234567890ab', 'f00dcafe-0000-4000-8000-000000000001'])}"
        ctx = {}
        for key, uses in sorted(by_key.items()):
            if rng.random() < 0.35:
                continue
            fam, vals = rng.choice(uses)
            if fam == "null":
                fam = "string"
            if key.lower() in MULTI:
                src = GRANT_OPS if key.lower() == "kms:grantoperations" else None
                ctx[key] = sorted({(rng.choice(src) if src else random_value(rng, fam, vals)) for _ in range(rng.randint(1, 3))})
            else:
                ctx[key] = random_value(rng, fam, vals)
        req = {"principal": rng.choice(pool), "action": f"kms:{name}", "resource": resource}
        if ctx:
            req["context"] = ctx
        out.append(req)
    return out


# ---------------------------------------------------------------- deciding

def keyward_binary(explicit):
    if explicit:
        return explicit
    if os.environ.get("KEYWARD"):
        return os.environ["KEYWARD"]
    subprocess.run(["cargo", "build", "--quiet"], cwd=ROOT, check=True)
    target = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    return str(target / "debug" / "keyward")


def keyward_batch(kw, policy_file, reqs):
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
        f.write("\n".join(json.dumps(r) for r in reqs) + "\n")
        batch = f.name
    try:
        out = subprocess.run([kw, "eval", "--key-policy", str(policy_file), "--requests", batch, "--format", "json"], capture_output=True, text=True)
    finally:
        os.unlink(batch)
    lines = [json.loads(l) for l in out.stdout.splitlines() if l.strip()]
    if len(lines) != len(reqs):
        return None, out.stderr.strip()
    return [l.get("decision") or ("Error: " + l.get("error", "?")) for l in lines], None


def keyward_explain(kw, policy_file, req):
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(req, f)
        name = f.name
    try:
        out = subprocess.run([kw, "eval", "--key-policy", str(policy_file), "--request", name, "--format", "json"], capture_output=True, text=True)
        return json.loads(out.stdout) if out.stdout.strip() else {}
    finally:
        os.unlink(name)


# ---------------------------------------------------------------- causes
# Each disagreement is put under the first cause whose signature it shows (request, policy and
# keyward's explanation of the decision). The verdicts follow the AWS documentation, as in the
# "oracle" notes of corpus/cases.
CAUSES = {
    "oracle-error": ("the oracle returns Error (it rejects the request or the policy)",
                     "keyward: the oracle refuses input AWS accepts (an action/resource combination its data does not list, a policy element it does not accept); keyward decides it"),
    "encryption-context": ("a kms:EncryptionContext:<name> key decides (oracle drops these keys)",
                           "keyward: the oracle removes every kms:EncryptionContext:<name> key from the request (README, oracle.md section 7), so its conditions see an absent key; AWS evaluates the encryption context pairs of the request (KMS Developer Guide, kms:EncryptionContext:context-key)"),
    "root-user": ("the caller is an account's root user and no identity policy is given",
                  "keyward: the root user has no identity policies and holds every permission of its account ('all requests are implicitly denied with the exception of the AWS account root user, which has full access'); when the key policy trusts the account, the root user is allowed. The oracle requires an identity-policy Allow even for the root user"),
    "resource-less": ("an action without a key (resource '*') granted by the key policy in the oracle",
                      "keyward: actions that use no KMS key (kms:CreateKey, kms:ListKeys, kms:DescribeCustomKeyStores, ...) are authorized by IAM policies alone ('use a wildcard character alone (\"*\") ... for operations that don't use any particular KMS key'); a key policy is attached to a key and takes no part, so without an identity policy the request is implicitly denied. The oracle lets a key-policy statement on '*' grant them in the same account"),
    "principal-is-aws-service": ("aws:PrincipalIsAWSService decides (not passed to the oracle)",
                                 "keyward: aws:PrincipalIsAWSService is present for every signed request and true for service principals (IAM global condition keys); keyward derives it, but scripts/oracle-check.py's translation does not add it, so the oracle sees it absent and its BoolIfExists/Null tests flip. A gap of the translation, not of either evaluator"),
    "not-principal": ("NotPrincipal listing an account or a role",
                      "keyward: NotPrincipal exempts a caller only if it lists every identity the caller is checked as (account + user, or account + role + session); the oracle exempts every principal of a listed account and every session of a listed role"),
    "variables-version": ("policy variables under Version 2008-10-17 or without Version",
                          "keyward: variables exist only under 2012-10-17 ('If you don't include the Version element ... variables like ${aws:username} are treated as literal strings'); the oracle expands them whatever the Version"),
    "dropped-key": ("a context key the oracle's data does not list for the action",
                    "keyward: AWS evaluates the keys the request carries; the oracle silently drops keys its iam-data does not list for the action, so negated and IfExists conditions on them flip"),
    "no-resource": ("a key-policy statement without a Resource element",
                    "keyward: 'If the required Resource element is missing from a key policy statement, the policy statement has no effect'; the oracle applies such a statement"),
}


def explained_keys(explain):
    keys = set()
    for group in ("matched", "unmatched_conditions"):
        for t in explain.get(group, []) or []:
            for c in t.get("conditions", []):
                keys.add(c.get("key", "").lower())
    return keys


def classify(policy, req, kw_dec, or_dec, explain):
    ctx = {k.lower(): v for k, v in (req.get("context") or {}).items()}
    keys = explained_keys(explain)
    principal = req["principal"]
    if or_dec not in ("Allowed", "ExplicitlyDenied", "ImplicitlyDenied"):
        return "oracle-error"
    if any(k.startswith("kms:encryptioncontext:") for k in keys):
        return "encryption-context"
    if principal.isdigit() or principal.endswith(":root"):
        return "root-user"
    if req.get("resource", "*") == "*":
        return "resource-less"
    if "aws:principalisawsservice" in keys and "aws:principalisawsservice" not in ctx:
        return "principal-is-aws-service"
    if any("NotPrincipal" in st for st in statements(policy)):
        return "not-principal"
    if policy.get("Version") != "2012-10-17" and "${" in json.dumps(policy):
        return "variables-version"
    if any("Resource" not in st and "NotResource" not in st for st in statements(policy)):
        return "no-resource"
    listed = {k.lower() for k in CATALOG_KEYS.get(req["action"].split(":", 1)[1].lower(), ())}
    if any(not k.startswith("aws:") and k not in listed and k in ctx for k in keys):
        return "dropped-key"
    return "unclassified"


CATALOG_KEYS = {}
FULL_IAM = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


def counterfactual(row):
    """Re-decide the request with the suspected difference neutralised; returns
    ("oracle", line) to re-run the oracle on, ("keyward", request) to re-run keyward on, or None.
    The cause is confirmed when the re-run agrees with the other side's original decision."""
    cause, req = row["cause"], row["request"]
    if cause == "encryption-context":
        ctx = {k: v for k, v in (req.get("context") or {}).items() if not k.lower().startswith("kms:encryptioncontext:")}
        return ("keyward", dict(req, context=ctx))
    line = oracle_check.oracle_line({"key_policy": row["policy"]}, req, row["id"])
    if cause == "principal-is-aws-service":
        kind = oracle_check.principal_facts(req["principal"])[3]
        if kind != "anonymous":
            line["request"]["context"]["aws:PrincipalIsAWSService"] = "true" if kind == "service" else "false"
        return ("oracle", line)
    if cause == "root-user":
        line["identityPolicies"] = [FULL_IAM]
        return ("oracle", line)
    if cause == "resource-less":
        line.pop("resourcePolicy", None)
        return ("oracle", line)
    return None


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=20260601)
    ap.add_argument("--per-policy", type=int, default=20)
    ap.add_argument("--show", type=int, default=3, help="examples printed per cause")
    ap.add_argument("--keyward")
    ap.add_argument("--dump", help="write every disagreement as JSON lines to this file")
    args = ap.parse_args(argv)
    kw = keyward_binary(args.keyward)
    catalog = {v["name"]: v for v in json.loads(CATALOG.read_text()).values()}
    for name, info in catalog.items():
        CATALOG_KEYS[name.lower()] = list(info["conditionKeys"]) + [k for t in info["resourceTypes"] for k in t.get("conditionKeys", [])]
    index = json.loads((DATA / "INDEX.json").read_text())
    rng = random.Random(args.seed)
    rows, skipped = [], []
    for entry in index:
        path = DATA / entry["file"]
        policy = json.loads(path.read_text())
        if not has_principal(policy):
            continue
        reqs = sample_requests(policy, catalog, rng, args.per_policy)
        decisions, err = keyward_batch(kw, path, reqs)
        if decisions is None:
            skipped.append((entry["file"], err))
            continue
        for i, (r, d) in enumerate(zip(reqs, decisions)):
            rows.append({"file": entry["file"], "path": path, "policy": policy, "request": r, "keyward": d, "id": f"{entry['file']}#{i}"})
    lines = [oracle_check.oracle_line({"key_policy": row["policy"]}, row["request"], row["id"]) for row in rows]
    for row, res in zip(rows, oracle_check.run_oracle(lines)):
        row["oracle"] = res.get("decision")
        row["oracle_detail"] = res.get("detail") or res.get("message")
    agree = [r for r in rows if r["keyward"] == r["oracle"]]
    differ = [r for r in rows if r["keyward"] != r["oracle"]]
    groups = collections.defaultdict(list)
    for r in differ:
        r["explain"] = keyward_explain(kw, r["path"], r["request"])
        r["cause"] = classify(r["policy"], r["request"], r["keyward"], r["oracle"], r["explain"])
        groups[r["cause"]].append(r)
    # Confirm the causes by re-deciding each request with the difference neutralised.
    oracle_cf, confirmed = [], collections.Counter()
    for r in differ:
        cf = counterfactual(r)
        if cf is None:
            continue
        if cf[0] == "keyward":
            d, _ = keyward_batch(kw, r["path"], [cf[1]])
            confirmed[r["cause"]] += bool(d) and d[0] == r["oracle"]
        else:
            oracle_cf.append((r, cf[1]))
    if oracle_cf:
        for (r, _), res in zip(oracle_cf, oracle_check.run_oracle([l for _, l in oracle_cf])):
            confirmed[r["cause"]] += res.get("decision") == r["keyward"]
    nfiles = len({r["file"] for r in rows})
    print(f"{nfiles} policies with a Principal sampled ({len(skipped)} skipped: keyward could not read them), {args.per_policy} requests each, seed {args.seed}")
    for f, e in skipped:
        print(f"  skipped {f}: {e.splitlines()[0] if e else '?'}")
    print(f"{len(rows)} requests: keyward and the oracle agree on {len(agree)}, disagree on {len(differ)}")
    dist = collections.Counter(r["keyward"] for r in rows)
    print("keyward decisions: " + ", ".join(f"{k} {v}" for k, v in sorted(dist.items())))
    for cause, items in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        title, verdict = CAUSES.get(cause, (cause, "not classified: inspect by hand"))
        check = f" (confirmed by a counterfactual re-run: {confirmed[cause]} of {len(items)})" if cause in ("encryption-context", "principal-is-aws-service", "root-user", "resource-less") else ""
        print(f"\n== {len(items)} x {title}{check}")
        print(f"   right: {verdict}")
        for r in items[: args.show]:
            print(f"   - {r['id']}: keyward {r['keyward']}, oracle {r['oracle']}: {json.dumps(r['request'])}")
    if args.dump:
        with open(args.dump, "w") as f:
            for r in differ:
                f.write(json.dumps({k: v for k, v in r.items() if k not in ("path", "policy")}, default=str) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
