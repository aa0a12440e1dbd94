#!/usr/bin/env python3
"""Answer one question of scripts/bench-peers.sh with iamspy (zeuscloud-iamspy 0.8.0).

    iamspy_driver.py PLAN_JSON QUESTION OUT_JSONL

Run with the venv's python, from a scratch folder: iamspy's Model writes its variable cache
`model.vars` into the current folder. One JSON line per policy file:
{"file", "verdict": "violated"|"holds"|"unknown"|"error", "action"?, "message"?}.

How each question is asked (iamspy's public API: Model, load_gaad_json,
load_resource_policies_json, can_i):
- The policy under test is the only policy of a fresh Model. An identity policy (Q1, Q2) is
  the inline policy of one role (a get-account-authorization-details document with that role
  alone); a key policy (Q3) is the resource policy of the key (load_resource_policies_json).
- can_i with strict_conditions=False, its default: every condition key is a free variable,
  present or not, so a conditional Allow counts when some context satisfies it and a
  conditional Deny does not apply when some context escapes it ("exists" mode).
- can_i(debug=True) hands back the solver it would check; the driver checks it itself, so a z3
  `unknown` (10 s timeout per check, keyward's default) is reported instead of read as "not
  allowed". Exceptions (a construct iamspy refuses) make the verdict "error".
- Q1: violated iff kms:Decrypt or kms:ReEncryptFrom is allowed on the probe key.
- Q2: violated iff every cataloged KMS action is allowed, asked in keyward's CIS-KMS-STAR order
  and stopping at the first denied one. iamspy cannot ask about resource "*" (can_i reads the
  account out of the resource ARN: IndexError), so the 11 actions that take no key are asked on
  arn:aws:kms:us-east-1:ACCOUNT:*, the account-wide KMS ARN of the holder's account.
- Q3: violated iff the outsider role (another account, an organization no policy names) is
  allowed some action that takes a key on the key.
- iamspy ties no context key to the request's principal or resource, so every request is
  given, as can_i conditions, the keys AWS derives from them: aws:PrincipalArn,
  aws:PrincipalAccount, kms:CallerAccount, aws:ResourceAccount on a key, and in Q3
  aws:PrincipalOrgID. iamspy matches them only where a policy spells the key exactly so;
  ArnLike/ArnEquals on aws:PrincipalArn read other variables (the ARN's parts), which stay
  free; iamspy has no policy variables (`${...}` is read as literal text).
"""
import json
import logging
import sys

import z3
from zeuscloud_iamspy import Model

# iamspy's CLI default verbosity (0 = ERROR); its parser warns on every skipped condition.
logging.basicConfig(level=logging.ERROR)
z3.set_param("timeout", 10000)

TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}


def role_gaad(role_arn, doc):
    return {
        "UserDetailList": [],
        "GroupDetailList": [],
        "Policies": [],
        "RoleDetailList": [
            {
                "Path": "/",
                "RoleName": role_arn.rsplit("/", 1)[1],
                "RoleId": "AROAKEYWARDBENCH0001",
                "Arn": role_arn,
                "CreateDate": "2020-01-01T00:00:00Z",
                "AssumeRolePolicyDocument": TRUST,
                "InstanceProfileList": [],
                "RolePolicyList": [{"PolicyName": "policy-under-test", "PolicyDocument": doc}],
                "RoleLastUsed": {},
            }
        ],
    }


class Unknown(Exception):
    pass


def allowed(model, source, action, resource, conditions=()):
    solver = model.can_i(source, action, resource, conditions=list(conditions), debug=True)
    r = solver.check()
    if r == z3.sat:
        return True
    if r == z3.unsat:
        return False
    raise Unknown(f"{action}: z3 {r} ({solver.reason_unknown()})")


def own_keys(principal, account, resource_account=None):
    keys = [f"aws:PrincipalArn={principal}", f"aws:PrincipalAccount={account}", f"kms:CallerAccount={account}"]
    if resource_account:
        keys.append(f"aws:ResourceAccount={resource_account}")
    return keys


def answer(plan, q, doc):
    if q in ("Q1", "Q2"):
        m = Model()
        m.load_gaad_json(role_gaad(plan["holder"], doc))
        on_key = own_keys(plan["holder"], plan["owner_account"], plan["owner_account"])
        if q == "Q1":
            for a in plan["q1_actions"]:
                if allowed(m, plan["holder"], a, plan["probe_key"], on_key):
                    return "violated", a
            return "holds", None
        star_arn = f"arn:aws:kms:us-east-1:{plan['owner_account']}:*"
        on_star = own_keys(plan["holder"], plan["owner_account"])
        for a in plan["star_order"]:
            if a["unscoped"]:
                ok = allowed(m, plan["holder"], a["action"], star_arn, on_star)
            else:
                ok = allowed(m, plan["holder"], a["action"], plan["probe_key"], on_key)
            if not ok:
                return "holds", a["action"]
        return "violated", None
    if q == "Q3":
        m = Model()
        m.load_resource_policies_json([{"Resource": plan["owner_key"], "Policy": doc, "Account": plan["owner_account"]}])
        ctx = own_keys(plan["outsider"], plan["outsider_account"], plan["owner_account"])
        ctx.append(f"aws:PrincipalOrgID={plan['outsider_org']}")
        for a in plan["key_actions"]:
            if allowed(m, plan["outsider"], a, plan["owner_key"], ctx):
                return "violated", a
        return "holds", None
    raise SystemExit(f"unknown question {q}")


def main():
    plan_path, q, out = sys.argv[1:4]
    with open(plan_path, encoding="utf-8") as fh:
        plan = json.load(fh)
    with open(out, "w", encoding="utf-8") as fh:
        for rel, path in plan["questions"][q]["files"]:
            line = {"file": rel}
            try:
                with open(path, encoding="utf-8") as pf:
                    doc = json.load(pf)
                verdict, action = answer(plan, q, doc)
                line["verdict"] = verdict
                if action:
                    line["action"] = action
            except Unknown as e:
                line["verdict"], line["message"] = "unknown", str(e)
            except Exception as e:  # a construct iamspy refuses, or invalid JSON
                line["verdict"], line["message"] = "error", f"{type(e).__name__}: {e}"[:300]
            fh.write(json.dumps(line) + "\n")


if __name__ == "__main__":
    main()
