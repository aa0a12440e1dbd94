#!/usr/bin/env python3
"""Write the data-perimeter family of labelled control cases (issue #12, point 7):
corpus/controls/CIS-KMS-EXPOSED-{public,external}/perimeter-*.json.

Every combination of the AWS data-perimeter statements for KMS key policies (after
../shared/data/kms-policies/data-perimeter/ and the aws-samples data-perimeter examples) under an
Allow of kms:* to "*" or to {"AWS": "*"}:
  O  identity perimeter: Deny unless aws:PrincipalOrgID is the organization, AWS services excepted;
  N  network perimeter: Deny unless the call comes through the VPC endpoint, AWS services and
     calls through AWS services excepted;
  S  service perimeter: Deny service principals unless aws:SourceAccount is the owner;
  P  the Allow itself only for AWS service principals (Bool aws:PrincipalIsAWSService true).
The expected verdicts follow from the request-context facts, not from running keyward:
  public (a fresh IAM principal, organization and endpoint named nowhere, is allowed):
      the Allow reaches IAM principals (not P) and O does not stop them (N does not: the
      principal may call through a service);
  external with trusted_orgs = [the organization]:
      an IAM principal of an untrusted account outside the organization is allowed (not P, not O),
      or a service principal may act for an untrusted account (not S: without a trusted
      aws:SourceAccount it can act for any account, the confused deputy).
"""
import itertools, json, pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent / "corpus" / "controls"
KEY = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
ORG = "o-a1b2c3d4e5"
VPCE = "vpce-1a2b3c4d5e6f70809"
OWNER_ROOT = {"Sid": "EnableIamPolicies", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"}
O = {"Sid": "EnforceIdentityPerimeter", "Effect": "Deny", "Principal": "*", "Action": "kms:*", "Resource": "*",
     "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": ORG}, "BoolIfExists": {"aws:PrincipalIsAWSService": "false"}}}
N = {"Sid": "EnforceNetworkPerimeter", "Effect": "Deny", "Principal": "*", "Action": "kms:*", "Resource": "*",
     "Condition": {"StringNotEqualsIfExists": {"aws:SourceVpce": VPCE}, "BoolIfExists": {"aws:PrincipalIsAWSService": "false", "aws:ViaAWSService": "false"}}}
S = {"Sid": "EnforceConfusedDeputyProtection", "Effect": "Deny", "Principal": "*", "Action": "kms:*", "Resource": "*",
     "Condition": {"StringNotEqualsIfExists": {"aws:SourceAccount": "111122223333"}, "Bool": {"aws:PrincipalIsAWSService": "true"}}}
NOTES = {
    "O": "IAM User Guide, aws:PrincipalOrgID: 'Use this key to compare the identifier of the organization in AWS Organizations to which the requesting principal belongs with the identifier specified in the policy.' aws:PrincipalIsAWSService (Availability): 'This key is present in the request context for all signed API requests that use AWS credentials.'",
    "N": "IAM User Guide, aws:SourceVpce (Availability): 'This key is included in the request context only if the requester uses a VPC endpoint to make the request.' aws:ViaAWSService: true when a service calls on the principal's behalf with its credentials (forward access sessions).",
    "S": "IAM User Guide, aws:SourceAccount (Availability): 'This key is included in the request context only when the call to your resource is being made directly by an AWS service principal on behalf of a resource'. The confused deputy problem: use aws:SourceAccount or aws:SourceArn to limit what a service may do for others.",
    "P": "IAM User Guide, aws:PrincipalIsAWSService: true when the call is made by an AWS service principal.",
    "base": "IAM User Guide, Establish permissions guardrails using data perimeters: 'Trusted identities: Principals (IAM roles or users) in your AWS accounts and AWS services acting on your behalf.'",
}

def main():
    n = 0
    for principal, o, net, s, p in itertools.product(["star", "aws-star"], [0, 1], [0, 1], [0, 1], [0, 1]):
        allow = {"Sid": "AllowEveryone", "Effect": "Allow", "Principal": "*" if principal == "star" else {"AWS": "*"}, "Action": "kms:*", "Resource": "*"}
        if p:
            allow["Sid"] = "AllowAwsServices"
            allow["Condition"] = {"Bool": {"aws:PrincipalIsAWSService": "true"}}
        stmts = [OWNER_ROOT, allow] + [x for x, on in ((O, o), (N, net), (S, s)) if on]
        parts = [name for name, on in (("O", o), ("N", net), ("S", s), ("P", p)) if on]
        tag = "-".join(parts).lower() or "none"
        label = "+".join(parts) or "no perimeter statement"
        who = '"*"' if principal == "star" else '{"AWS": "*"}'
        public = (not p) and (not o)
        external = ((not p) and (not o)) or (not s)
        why_public = ("a fresh IAM principal is allowed" + ("" if not net else ", through an AWS service (the network perimeter excepts such calls)")) if public else (
            "only AWS service principals are allowed" if p else "principals outside the organization are denied")
        why_external = []
        if (not p) and (not o):
            why_external.append("IAM principals of any account are allowed")
        if not s:
            why_external.append("a service principal may act for any account (no trusted aws:SourceAccount required: the confused deputy)")
        if not why_external:
            why_external.append("IAM principals must be in the trusted organization and services must act for the owner")
        note = " ".join([NOTES["base"]] + [NOTES[x] for x in parts])
        for control, expect, why, params in (
            ("CIS-KMS-EXPOSED:public", public, why_public, None),
            ("CIS-KMS-EXPOSED:external", external, "; ".join(why_external), {"trusted_orgs": [ORG]}),
        ):
            case = {
                "description": f"Data perimeter family: Allow kms:* to {who} with {label}. {'Violated' if expect else 'Holds'}: {why}.",
                "note": note,
                "control": control,
                "kind": "key",
                "key_arn": KEY,
            }
            if params:
                case["params"] = params
            case["policy"] = {"Version": "2012-10-17", "Statement": stmts}
            case["expect"] = "violated" if expect else "holds"
            d = ROOT / ("CIS-KMS-EXPOSED-public" if control.endswith("public") else "CIS-KMS-EXPOSED-external")
            (d / f"perimeter-{principal}-{tag}.json").write_text(json.dumps(case, indent=2) + "\n")
            n += 1
    print(f"{n} cases")

main()
