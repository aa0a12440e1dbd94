#!/usr/bin/env python3
"""Write the request-context facts family of labelled control cases (issue #12):
corpus/controls/<CONTROL>/facts-*.json, one or more per row of src/model/context_facts.rs whose
fact changes an answer (a condition that only a request AWS never sends could meet, or escape).

Each case states its expected verdict, derived by hand from the fact it names (not by running
keyward), and the AWS documentation sentence the fact rests on. Rerun after editing:
    python3 scripts/gen-facts-cases.py
"""
import json, pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent / "corpus" / "controls"
KEY = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
OWNER_ROOT = {"Sid": "EnableIamPolicies", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"}

# The Availability lines (IAM User Guide, "AWS global condition context keys"; KMS Developer
# Guide, "AWS KMS condition keys"; Service Authorization Reference, AWS KMS).
ALWAYS = "IAM User Guide, {k} (Availability): 'This key is always included in the request context.'"
DOC = {
    "aws:SecureTransport": ALWAYS.format(k="aws:SecureTransport")
    + " KMS API Reference, Welcome: 'All AWS KMS API calls must be signed and be transmitted using Transport Layer Security (TLS).'",
    "aws:CurrentTime": ALWAYS.format(k="aws:CurrentTime"),
    "aws:EpochTime": ALWAYS.format(k="aws:EpochTime"),
    "aws:userid": "IAM User Guide, aws:userid (Availability): 'This key is included in the request context for all requests, including anonymous requests.'",
    "aws:PrincipalArn": "IAM User Guide, aws:PrincipalArn (Availability): 'This key is included in the request context for all signed requests. Anonymous requests do not include this key.'",
    "aws:PrincipalIsAWSService": "IAM User Guide, aws:PrincipalIsAWSService (Availability): 'This key is present in the request context for all signed API requests that use AWS credentials.' Its value is true only when the call is made by an AWS service principal.",
    "aws:PrincipalType": "IAM User Guide, aws:PrincipalType: 'Use this key to compare the type of principal making the request with the principal type that you specify in the policy' (values Account, User, FederatedUser, AssumedRole, Anonymous); an identity policy's holder is a user or a role.",
    "kms:CallerAccount": "KMS Developer Guide, kms:CallerAccount: 'You can use this condition key to allow or deny access to all identities (IAM users and roles) in an AWS account.' The Service Authorization Reference lists kms:CallerAccount for kms:Decrypt; CONTROLS.md: present in every KMS request by an IAM principal.",
    "aws:SourceAccount": "IAM User Guide, aws:SourceAccount (Availability): 'This key is included in the request context only when the call to your resource is being made directly by an AWS service principal on behalf of a resource for which the configuration triggered the service-to-service request.'",
    "aws:SourceArn": "IAM User Guide, aws:SourceArn (Availability): 'This key is included in the request context only when the call to your resource is being made directly by an AWS service principal on behalf of a resource for which the configuration triggered the service-to-service request.'",
    "aws:SourceVpce": "IAM User Guide, aws:SourceVpce (Availability): 'This key is included in the request context only if the requester uses a VPC endpoint to make the request.' A service principal's own call does not come from a customer's VPC endpoint (CONTROLS.md, Request-context facts).",
    "aws:SourceIp": "IAM User Guide, aws:SourceIp (Availability): 'This key is included in the request context, except when the requester uses a VPC endpoint to make the request.'",
    "kms:GrantOperations": "Service Authorization Reference, AWS KMS: kms:GrantOperations is a condition key of CreateGrant only. KMS Developer Guide, kms:GrantOperations: 'You can use this condition key to control access to the CreateGrant operation based on the grant operations in the request.'",
    "kms:ViaService": "KMS Developer Guide, kms:ViaService: 'The kms:ViaService condition key limits use of an KMS key to requests from specified AWS services.' IAM User Guide, aws:ViaAWSService: true when a service makes the request on the principal's behalf with its credentials; CONTROLS.md: for KMS actions kms:ViaService is present iff aws:ViaAWSService is true.",
    "aws:CalledVia": "IAM User Guide, aws:CalledVia (Availability): 'This key is present in the request when a service that supports aws:CalledVia uses the credentials of an IAM principal to make a request to another service. [...] This key is also not present when the principal makes the call directly.'",
    "aws:MultiFactorAuthPresent": "IAM User Guide, aws:MultiFactorAuthPresent: a Boolean key (Data type: Boolean); a Bool key's value is true or false.",
    "aws:PrincipalOrgID": "AWS Organizations API Reference, Organization: 'Id ... The regex pattern for an organization ID string requires \"o-\" followed by from 10 to 32 lowercase letters or digits.' IAM User Guide, aws:PrincipalOrgID: the identifier of the organization to which the requesting principal belongs.",
    "aws:RequestTag": "Service Authorization Reference, AWS KMS: aws:RequestTag/${TagKey} is a condition key of CreateKey, ReplicateKey and TagResource only. IAM User Guide, aws:RequestTag (Availability): 'This key is included in the request context when tag key-value pairs are passed in the request.'",
    "aws:username": "IAM User Guide, aws:username (Availability): 'This key is always included in the request context for IAM users. Anonymous requests and requests that are made using the AWS account root user or IAM roles do not include this key.'",
    "kms:EncryptionContextKeys": "KMS Developer Guide, kms:EncryptionContext:context-key: 'You can use the kms:EncryptionContext:context-key condition key to control access to a symmetric encryption KMS key based on the encryption context in a request'; kms:EncryptionContextKeys: the keys of that encryption context. A pair b=x in the encryption context makes b one of its keys.",
    "holder": "IAM User Guide, Policies and permissions: 'Identity-based policies are attached to an IAM identity (user, group of users, or role) and grant permissions to IAM entities (users and roles).' An inline policy applies to the identity it is embedded in only.",
    "time": "IAM User Guide, aws:CurrentTime: 'Use this key to compare the date and time of the request with the date and time that you specify in the policy'; aws:EpochTime: the same in epoch (UNIX) time. CONTROLS.md: time is free (any instant) unless the user pins it (--at).",
    "mfa": "IAM User Guide, aws:MultiFactorAuthPresent (Availability): 'This key is included in the request context only when the principal uses temporary credentials to make the request.' STS GetFederationToken returns temporary security credentials for a federated user.",
    "federated": "AWS STS API Reference, GetFederationToken: 'The temporary credentials are valid for the specified duration ... The permissions for the temporary security credentials returned by GetFederationToken are a combination of the policy or policies that are attached to the IAM user whose credentials are used to call GetFederationToken, and the session policies that are passed as a parameter.'",
    "uniqueid": "IAM User Guide, IAM identifiers (unique identifiers): role ids start with AROA and user ids with AIDA; aws:userid is ROLE-ID:CALLER-SPECIFIED-ROLE-NAME for a role session and ACCOUNT:CALLER-SPECIFIED-NAME for a federated user.",
    "keyid": "KMS Developer Guide, Key identifiers (KeyId): 'Key ID: A key identifier that uniquely identifies a KMS key within an account and Region', e.g. 1234abcd-12ab-34cd-56ef-1234567890ab, and for a multi-Region key mrk-1234abcd12ab34cd56ef1234567890ab. CONTROLS.md: a pattern no real key id can match (key/MRK-*) grants nothing.",
    "ignore": "AWS Security Hub, [KMS.1]/[KMS.2]: 'The control doesn't take into account any conditionals.' CONTROLS.md: conditions=ignore drops conditional Denies and makes conditional Allows unconditional.",
}


def allow(cond=None, action="kms:Decrypt"):
    st = {"Sid": "Use", "Effect": "Allow", "Action": action, "Resource": "*"}
    if cond:
        st["Condition"] = cond
    return st


def deny(cond, action="kms:Decrypt"):
    return {"Sid": "Guard", "Effect": "Deny", "Action": action, "Resource": "*", "Condition": cond}


def identity(name, control, expect, statements, why, row, params=None, holder=None, at=None):
    case = {
        "description": f"Request-context facts ({row}): {why}",
        "note": DOC[row],
        "control": control,
        "kind": "identity",
        "policy": {"Version": "2012-10-17", "Statement": statements},
        "expect": expect,
    }
    if params:
        case["params"] = params
    if holder:
        case["holder"] = holder
    if at:
        case["at"] = at
    return control, name, case


def key(name, control, expect, statements, why, row, params=None):
    case = {
        "description": f"Request-context facts ({row}): {why}",
        "note": DOC[row],
        "control": control,
        "kind": "key",
        "key_arn": KEY,
        "policy": {"Version": "2012-10-17", "Statement": [OWNER_ROOT] + statements},
        "expect": expect,
    }
    if params:
        case["params"] = params
    return control, name, case


def star(cond, action="kms:Decrypt", sid="Everyone"):
    st = {"Sid": sid, "Effect": "Allow", "Principal": "*", "Action": action, "Resource": "*"}
    if cond:
        st["Condition"] = cond
    return st


CASES = [
    # Keys every request carries: a Deny on their presence always applies.
    identity("facts-secure-transport-null-deny", "KMS.1", "holds", [allow(), deny({"Null": {"aws:SecureTransport": "false"}})],
             "a Deny when aws:SecureTransport is present applies to every request, so nothing escapes it", "aws:SecureTransport"),
    identity("facts-secure-transport-true-deny", "KMS.1", "holds", [allow(), deny({"Bool": {"aws:SecureTransport": "true"}})],
             "every KMS request is made over TLS, so a Deny on aws:SecureTransport true applies to all of them", "aws:SecureTransport"),
    identity("facts-secure-transport-false-allow", "KMS.1", "holds", [allow({"Bool": {"aws:SecureTransport": "false"}})],
             "an Allow only over plain HTTP grants no KMS request", "aws:SecureTransport"),
    identity("facts-current-time-null-deny", "KMS.1", "holds", [allow(), deny({"Null": {"aws:CurrentTime": "false"}})],
             "aws:CurrentTime is in every request, so a Deny on its presence applies to all", "aws:CurrentTime"),
    identity("facts-epoch-time-null-deny", "KMS.1", "holds", [allow(), deny({"Null": {"aws:EpochTime": "false"}})],
             "aws:EpochTime is in every request, so a Deny on its presence applies to all", "aws:EpochTime"),
    identity("facts-userid-null-deny", "KMS.1", "holds", [allow(), deny({"Null": {"aws:userid": "false"}})],
             "every request of the policy's holder (a user or a role session) carries aws:userid", "aws:userid"),
    identity("facts-principal-arn-null-deny", "KMS.1", "holds", [allow(), deny({"Null": {"aws:PrincipalArn": "false"}})],
             "every signed request carries aws:PrincipalArn, and KMS accepts only signed requests", "aws:PrincipalArn"),
    identity("facts-principal-is-aws-service-false-deny", "KMS.1", "holds", [allow(), deny({"Bool": {"aws:PrincipalIsAWSService": "false"}})],
             "the holder of an identity policy is an IAM principal: aws:PrincipalIsAWSService is present and false in all its requests", "aws:PrincipalIsAWSService"),
    identity("facts-principal-is-aws-service-null-deny", "KMS.1", "holds", [allow(), deny({"Null": {"aws:PrincipalIsAWSService": "false"}})],
             "every signed request carries aws:PrincipalIsAWSService, so a Deny on its presence applies to all", "aws:PrincipalIsAWSService"),
    identity("facts-principal-type-service-allow", "KMS.1", "holds", [allow({"StringEquals": {"aws:PrincipalType": "Service"}})],
             "aws:PrincipalType of a user or role session is User or AssumedRole, never Service", "aws:PrincipalType"),
    identity("facts-caller-account-null-deny", "KMS.1", "holds", [allow(), deny({"Null": {"kms:CallerAccount": "false"}})],
             "kms:Decrypt lists kms:CallerAccount and every KMS request by an IAM principal carries it", "kms:CallerAccount"),
    # Keys only service principals carry.
    identity("facts-source-account-allow-iam-holder", "KMS.1", "holds", [allow({"StringEquals": {"aws:SourceAccount": "111122223333"}})],
             "an identity policy's holder is never a service principal, so its requests never carry aws:SourceAccount", "aws:SourceAccount"),
    identity("facts-source-arn-allow-iam-holder", "KMS.1", "holds", [allow({"ArnLike": {"aws:SourceArn": "arn:aws:s3:::*"}})],
             "an identity policy's holder is never a service principal, so its requests never carry aws:SourceArn", "aws:SourceArn"),
    # Keys of calls through a service, and of the action.
    identity("facts-via-service-on-a-direct-call", "KMS.1", "holds",
             [allow({"StringLike": {"kms:ViaService": "*.amazonaws.com"}, "Bool": {"aws:ViaAWSService": "false"}})],
             "kms:ViaService is only present on calls an AWS service makes for the caller (aws:ViaAWSService true)", "kms:ViaService"),
    identity("facts-via-aws-service-without-via-service", "KMS.1", "holds",
             [allow({"Bool": {"aws:ViaAWSService": "true"}, "Null": {"kms:ViaService": "true"}})],
             "a KMS call through a service always names the service in kms:ViaService", "kms:ViaService"),
    identity("facts-called-via-on-a-direct-call", "KMS.1", "holds",
             [allow({"ForAnyValue:StringEquals": {"aws:CalledVia": "athena.amazonaws.com"}, "Bool": {"aws:ViaAWSService": "false"}})],
             "aws:CalledVia is only present on calls a service makes with the principal's credentials", "aws:CalledVia"),
    identity("facts-grant-operations-not-on-decrypt", "KMS.1", "holds",
             [allow({"ForAnyValue:StringEquals": {"kms:GrantOperations": "Decrypt"}})],
             "kms:GrantOperations is a condition key of CreateGrant only: no Decrypt request carries it", "kms:GrantOperations"),
    identity("facts-request-tag-not-on-decrypt", "KMS.1", "holds",
             [allow({"StringEquals": {"aws:RequestTag/team": "payments"}})],
             "kms:Decrypt passes no tags: aws:RequestTag is not a condition key of Decrypt", "aws:RequestTag"),
    identity("facts-source-ip-with-source-vpce", "KMS.1", "holds",
             [allow({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}, "StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d5e6f70809"}})],
             "a request through a VPC endpoint carries aws:SourceVpce and no aws:SourceIp, one from the internet the other way round", "aws:SourceIp"),
    # Values.
    identity("facts-bool-key-is-true-or-false", "KMS.1", "holds",
             [allow({"StringEquals": {"aws:MultiFactorAuthPresent": "yes"}})],
             "a Bool key's value is true or false, never \"yes\"", "aws:MultiFactorAuthPresent"),
    identity("facts-org-id-is-well-formed", "KMS.1", "holds",
             [allow({"StringLike": {"aws:PrincipalOrgID": "org-*"}})],
             "an organization id is o- and 10 to 32 lower-case letters or digits: none starts with org-", "aws:PrincipalOrgID"),
    identity("facts-org-id-pattern-matches", "KMS.1", "violated",
             [allow({"StringLike": {"aws:PrincipalOrgID": "o-*"}})],
             "a principal of any organization has an organization id matching o-*", "aws:PrincipalOrgID"),
    # Who holds the policy.
    identity("facts-holder-role-has-no-username", "KMS.2", "holds",
             [allow({"StringLike": {"aws:username": "*"}})],
             "the policy is inline in a role: its sessions carry no aws:username", "aws:username",
             holder="arn:aws:iam::111122223333:role/Holder"),
    identity("facts-holder-user-has-a-username", "KMS.2", "violated",
             [allow({"StringLike": {"aws:username": "*"}})],
             "the policy is inline in a user: its requests carry aws:username", "aws:username",
             holder="arn:aws:iam::111122223333:user/alice"),
    identity("holder-account-other-than-its-own", "KMS.2", "holds",
             [allow({"StringEquals": {"aws:PrincipalAccount": "210987654321"}})],
             "the policy is inline in a role of 111122223333: no request of its holder comes from 210987654321", "holder",
             holder="arn:aws:iam::111122223333:role/Holder"),
    identity("holder-arn-other-user", "KMS.2", "holds",
             [allow({"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::111122223333:user/bob"}})],
             "the policy is inline in user alice: it never applies to bob's requests", "holder",
             holder="arn:aws:iam::111122223333:user/alice"),
    identity("holder-arn-own-user", "KMS.2", "violated",
             [allow({"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::111122223333:user/alice"}})],
             "the policy is inline in user alice and allows her requests", "holder",
             holder="arn:aws:iam::111122223333:user/alice"),
    identity("holder-role-path-differs", "KMS.2", "holds",
             [allow({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/Holder"}})],
             "the policy is inline in role/ops/Holder, whose ARN includes its path: role/Holder is another role", "holder",
             holder="arn:aws:iam::111122223333:role/ops/Holder"),
    # The instant of the request: any time, unless --at pins it.
    identity("time-window-expired-any-time", "KMS.1", "violated",
             [allow({"DateLessThan": {"aws:CurrentTime": "2025-01-01T00:00:00Z"}})],
             "an Allow until 2025 grants Decrypt to a request made before then: without --at a request may be made at any time", "time"),
    identity("time-window-expired-at-now", "KMS.1", "holds",
             [allow({"DateLessThan": {"aws:CurrentTime": "2025-01-01T00:00:00Z"}})],
             "asked at 2026-12-01 (--at), the Allow until 2025 no longer grants anything", "time", at="2026-12-01T09:00:00Z"),
    identity("time-window-open-at-now", "KMS.1", "violated",
             [allow({"DateGreaterThan": {"aws:CurrentTime": "2026-01-01T00:00:00Z"}, "DateLessThan": {"aws:CurrentTime": "2027-01-01T00:00:00Z"}})],
             "asked at 2026-12-01 (--at), the 2026 window is open", "time", at="2026-12-01T09:00:00Z"),
    identity("epoch-time-window-at-now", "KMS.1", "holds",
             [allow({"NumericGreaterThan": {"aws:EpochTime": "1798761600"}})],
             "asked at 2026-12-01 (--at), aws:EpochTime is 1764579600, below the 2027 start of the Allow", "time", at="2026-12-01T09:00:00Z"),
    identity("epoch-and-current-time-are-one-instant", "KMS.1", "holds",
             [allow({"NumericGreaterThan": {"aws:EpochTime": "1798761600"}}),
              deny({"DateGreaterThan": {"aws:CurrentTime": "2026-12-31T00:00:00Z"}})],
             "aws:EpochTime after 2027 is aws:CurrentTime after 2027, which the Deny covers", "time"),
    # Review findings: federated users carry aws:MultiFactorAuthPresent and hold their
    # creator's policies; the clock's second; unique ids.
    identity("facts-federated-user-holds-policy-files", "KMS.1", "violated",
             [allow({"StringEquals": {"aws:PrincipalType": "FederatedUser"}})],
             "a federated user has the permissions of the IAM user that created it, so a policy file also governs federated users", "federated"),
    identity("facts-federated-user-of-an-inline-user-policy", "KMS.2", "violated",
             [allow(), deny({"StringNotEquals": {"aws:PrincipalType": "FederatedUser"}})],
             "the policy is inline in user alice: the federated users alice creates hold it too", "federated",
             holder="arn:aws:iam::111122223333:user/alice"),
    identity("facts-role-policy-has-no-federated-users", "KMS.2", "holds",
             [allow({"StringEquals": {"aws:PrincipalType": "FederatedUser"}})],
             "the policy is inline in a role: only the role's sessions hold it", "federated",
             holder="arn:aws:iam::111122223333:role/Holder"),
    identity("time-current-time-within-its-second", "KMS.1", "violated",
             [allow({"DateGreaterThan": {"aws:CurrentTime": "2024-01-01T00:00:00.500Z"}, "NumericLessThan": {"aws:EpochTime": "1704067201"}})],
             "aws:EpochTime counts whole seconds: at 00:00:00.700 it is still 1704067200", "time"),
    # Key ids: lower-case UUIDs or mrk- and 32 hex digits.
    identity("facts-key-id-upper-case-mrk-names-no-key", "KMS.1", "holds",
             [{"Sid": "Use", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": "arn:aws:kms:*:*:key/MRK-*"}],
             "key ids are lower case: key/MRK-* names no key", "keyid"),
    identity("facts-key-id-mrk-pattern-names-multi-region-keys", "KMS.1", "violated",
             [{"Sid": "Use", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": "arn:aws:kms:*:*:key/mrk-*"}],
             "key/mrk-* names every multi-Region key, among them keys the policy does not name", "keyid"),
    # conditions=ignore.
    identity("conditions-ignore-drops-conditional-deny", "KMS.1", "violated",
             [allow(), deny({"Bool": {"aws:SecureTransport": "true"}})],
             "with conditions=ignore the conditional Deny is dropped (the AWS rule ignores conditions), so Decrypt is allowed", "ignore",
             params={"conditions": "ignore"}),
    identity("conditions-ignore-keeps-unconditional-deny", "KMS.2", "holds",
             [allow({"StringEquals": {"aws:PrincipalTag/team": "x"}}), {"Sid": "Guard", "Effect": "Deny", "Action": "kms:Decrypt", "Resource": "*"}],
             "with conditions=ignore the conditional Allow counts as unconditional but the unconditional Deny still applies", "ignore",
             params={"conditions": "ignore"}),
    # Key policies.
    key("facts-encryption-context-pair-needs-its-key", "CIS-KMS-EXPOSED:public", "holds",
        [star({"ForAllValues:StringEquals": {"kms:EncryptionContextKeys": ["a"]}, "StringEquals": {"kms:EncryptionContext:b": "x"}})],
        "a request with the pair b=x has b among kms:EncryptionContextKeys, which ForAllValues [a] refuses", "kms:EncryptionContextKeys"),
    key("facts-encryption-context-pair-of-a-listed-key", "CIS-KMS-EXPOSED:public", "violated",
        [star({"ForAllValues:StringEquals": {"kms:EncryptionContextKeys": ["a"]}, "StringEquals": {"kms:EncryptionContext:a": "x"}})],
        "a fresh principal may decrypt with the encryption context a=x", "kms:EncryptionContextKeys"),
    key("facts-source-account-pins-services-only", "CIS-KMS-EXPOSED:public", "holds",
        [star({"StringEquals": {"aws:SourceAccount": "111122223333"}})],
        "only service principals carry aws:SourceAccount, and service principals are not fresh IAM principals", "aws:SourceAccount"),
    key("facts-source-arn-pins-services-only", "CIS-KMS-EXPOSED:public", "holds",
        [star({"ArnLike": {"aws:SourceArn": "arn:aws:logs:us-east-1:111122223333:*"}})],
        "only service principals carry aws:SourceArn", "aws:SourceArn"),
    key("facts-source-arn-without-account-is-a-confused-deputy", "CIS-KMS-EXPOSED:external", "violated",
        [star({"ArnLike": {"aws:SourceArn": "arn:aws:s3:::example-bucket*"}})],
        "an S3 bucket ARN has no account segment: the service may act for a bucket of any account", "aws:SourceArn"),
    key("facts-source-arn-account-pins-the-owner", "CIS-KMS-EXPOSED:external", "holds",
        [star({"ArnLike": {"aws:SourceArn": "arn:aws:logs:us-east-1:111122223333:*"}})],
        "aws:SourceAccount is the account of aws:SourceArn: the service acts for the owner only", "aws:SourceArn"),
    key("facts-service-never-through-a-vpc-endpoint", "CIS-KMS-EXPOSED:external", "holds",
        [{"Sid": "Logs", "Effect": "Allow", "Principal": {"Service": "logs.amazonaws.com"}, "Action": "kms:Decrypt", "Resource": "*",
          "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d5e6f70809"}}}],
        "a service principal's own call carries no aws:SourceVpce, so the statement allows nothing", "aws:SourceVpce"),
    key("facts-federated-user-carries-mfa", "IAM-KMS-5", "violated",
        [{"Sid": "Bob", "Effect": "Allow", "Principal": {"AWS": "arn:aws:sts::111122223333:federated-user/bob"}, "Action": "kms:PutKeyPolicy", "Resource": "*",
          "Condition": {"Null": {"aws:MultiFactorAuthPresent": "false"}}}],
        "a federated user calls with temporary credentials, which carry aws:MultiFactorAuthPresent: bob can change the key policy", "mfa"),
    key("facts-userid-session-name-pattern", "CIS-KMS-EXPOSED:public", "violated",
        [star({"StringLike": {"aws:userid": "*:alice"}})],
        "any role session named alice (AROA…:alice) of any account matches: the pattern names no caller", "uniqueid"),
    key("facts-userid-account-prefix-is-a-federated-user", "CIS-KMS-EXPOSED:external", "holds",
        [star({"StringLike": {"aws:userid": "111122223333:*"}})],
        "only federated users of 111122223333 have an aws:userid starting 111122223333: (a role session's starts AROA)", "uniqueid"),
    key("facts-via-aws-service-scopes-grants", "IAM-KMS-6", "holds",
        [{"Sid": "Grants", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/App"},
          "Action": ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"], "Resource": "*",
          "Condition": {"Bool": {"aws:ViaAWSService": "true"}}}],
        "a grant call through a service carries kms:ViaService; a direct one has aws:ViaAWSService false and is not allowed", "kms:ViaService"),
]


def main():
    for control, name, case in CASES:
        d = ROOT / control.replace(":", "-")
        d.mkdir(parents=True, exist_ok=True)
        (d / f"{name}.json").write_text(json.dumps(case, indent=2) + "\n")
    print(f"wrote {len(CASES)} cases")


if __name__ == "__main__":
    main()
