#!/usr/bin/env bash
# collect-snapshot.sh: gather a read-only AWS account snapshot for `keyward check`.
#
# Runs only describe/get/list calls of the AWS CLI and writes the JSON they print, unchanged,
# in this layout (see corpus/snapshots/example/ for a complete one):
#
#   OUTDIR/snapshot.json                                   manifest (format, version, account,
#                                                          collected_at, regions)
#   OUTDIR/iam/get-account-authorization-details.json      aws iam get-account-authorization-details
#   OUTDIR/kms/REGION/list-aliases.json                    aws kms list-aliases
#   OUTDIR/kms/REGION/keys/KEY_ID/describe-key.json        aws kms describe-key
#   OUTDIR/kms/REGION/keys/KEY_ID/get-key-policy.json      aws kms get-key-policy --policy-name default
#   OUTDIR/kms/REGION/keys/KEY_ID/get-key-rotation-status.json
#                                                          aws kms get-key-rotation-status (only for
#                                                          SYMMETRIC_DEFAULT keys; absent when KMS
#                                                          refuses the call for the key)
#   OUTDIR/kms/REGION/keys/KEY_ID/list-grants.json         aws kms list-grants
#
# The CLI follows pagination itself, so each file holds the whole, merged result. Keys are those
# that `aws kms list-keys` returns in each region (customer managed and AWS managed keys of the
# account).
#
# Not collected: service control policies. To analyze with SCPs, add each SCP by hand as a plain
# policy document (the JSON of `aws organizations describe-policy --query
# Policy.Content --output text`, run in the management account) in OUTDIR/scps/NAME.json.
#
# IAM permissions the caller needs (all read-only; the AWS managed policy SecurityAudit has them):
#   iam:GetAccountAuthorizationDetails
#   kms:ListKeys, kms:ListAliases                          (resource "*", in each region)
#   kms:DescribeKey, kms:GetKeyPolicy, kms:GetKeyRotationStatus, kms:ListGrants
#                                                          (on every key; the key policy must also
#                                                          allow them, which the default key policy
#                                                          does through its account-root statement)
#   ec2:DescribeRegions                                    (only with --all-regions)
#   sts:GetCallerIdentity needs no permission.
#
# Notes:
#   - AWS CLI v2 prints timestamps as ISO 8601 (the example snapshot shows that form). AWS CLI v1
#     prints them as they come on the wire (KMS: epoch seconds such as 1699999999.123) unless the
#     profile sets `cli_timestamp_format = iso8601`; the script warns when it finds CLI v1.
#   - TZ is set to UTC so that timestamps print with a +00:00 offset whatever the local zone.
#   - A call that fails for one key is reported on stderr and the collection goes on; the script
#     then exits 1 and says the snapshot is incomplete. get-key-rotation-status errors (AWS
#     managed, asymmetric, HMAC, pending-deletion or custom key store keys) are expected: they are
#     reported as skipped and do not make the snapshot incomplete.
#   - Works with the bash 3.2 that macOS ships; needs only the AWS CLI (no jq, no python).

set -euo pipefail

readonly PROG=${0##*/}

usage() {
    cat <<EOF
Usage: $PROG [OPTIONS] OUTDIR

Collect a read-only snapshot of an AWS account's IAM authorization details and KMS keys
(key metadata, key policies, rotation status, grants, aliases) into OUTDIR, for keyward.

Options:
  -p, --profile NAME   AWS CLI profile to use (default: the CLI's default credentials)
  -r, --region REGION  region to collect KMS keys from; repeatable
                       (default: AWS_REGION, AWS_DEFAULT_REGION or the profile's region)
      --all-regions    collect from every region enabled for the account
                       (aws ec2 describe-regions; needs ec2:DescribeRegions)
  -f, --force          write into OUTDIR even if it already holds a snapshot
  -h, --help           show this help and exit

Exit status: 0 complete snapshot, 1 incomplete snapshot (some calls failed),
2 usage error, 3 cannot start (no AWS CLI, no credentials, no region).

Example:
  $PROG --profile audit --region us-east-1 --region eu-west-1 ./snapshot-111122223333
EOF
}

die_usage() {
    printf '%s: %s\n' "$PROG" "$1" >&2
    printf "Try '%s --help'.\n" "$PROG" >&2
    exit 2
}

die() {
    printf '%s: error: %s\n' "$PROG" "$1" >&2
    exit 3
}

note() {
    printf '%s: %s\n' "$PROG" "$1" >&2
}

# ---- arguments -------------------------------------------------------------------------------

profile=""
regions=()
all_regions=0
force=0
outdir=""

need_value() {
    # need_value OPTION ARGC: fail unless the option has a value after it.
    if [ "$2" -lt 2 ]; then
        die_usage "option $1 needs a value"
    fi
}

while [ $# -gt 0 ]; do
    case $1 in
        -h | --help)
            usage
            exit 0
            ;;
        -p | --profile)
            need_value "$1" $#
            profile=$2
            shift 2
            ;;
        --profile=*)
            profile=${1#--profile=}
            shift
            ;;
        -r | --region)
            need_value "$1" $#
            regions+=("$2")
            shift 2
            ;;
        --region=*)
            regions+=("${1#--region=}")
            shift
            ;;
        --all-regions)
            all_regions=1
            shift
            ;;
        -f | --force)
            force=1
            shift
            ;;
        --)
            shift
            break
            ;;
        -*)
            die_usage "unknown option: $1"
            ;;
        *)
            if [ -n "$outdir" ]; then
                die_usage "only one OUTDIR may be given (got '$outdir' and '$1')"
            fi
            outdir=$1
            shift
            ;;
    esac
done
if [ $# -gt 0 ]; then
    if [ -n "$outdir" ] || [ $# -gt 1 ]; then
        die_usage "only one OUTDIR may be given"
    fi
    outdir=$1
fi
if [ -z "$outdir" ]; then
    die_usage "missing OUTDIR"
fi
if [ "$all_regions" -eq 1 ] && [ ${#regions[@]} -gt 0 ]; then
    die_usage "--all-regions and --region exclude each other"
fi

# ---- environment -----------------------------------------------------------------------------

command -v aws >/dev/null 2>&1 || die "the AWS CLI (aws) is not on PATH"

export TZ=UTC
export AWS_PAGER=""
export AWS_RETRY_MODE="${AWS_RETRY_MODE:-standard}"
export AWS_MAX_ATTEMPTS="${AWS_MAX_ATTEMPTS:-10}"

profile_args=()
if [ -n "$profile" ]; then
    profile_args=(--profile "$profile")
fi

errfile=$(mktemp "${TMPDIR:-/tmp}/collect-snapshot.XXXXXX")
trap 'rm -f "$errfile"' EXIT

# aws_cli ARGS...: the AWS CLI with the chosen profile.
aws_cli() {
    aws ${profile_args[@]+"${profile_args[@]}"} "$@"
}

# last_error: the first line of the last failed call's stderr that says something.
last_error() {
    local line
    line=$(grep -v '^[[:space:]]*$' "$errfile" | tail -n 1 || true)
    printf '%s' "${line:-unknown error}"
}

failures=0

# run_to FILE ARGS...: run `aws ARGS... --output json`, write what it prints to FILE.
# On failure FILE is not created and the error is left in $errfile.
run_to() {
    local file=$1
    shift
    local tmp="$file.partial"
    if aws_cli "$@" --output json >"$tmp" 2>"$errfile"; then
        mv -f "$tmp" "$file"
        return 0
    fi
    rm -f "$tmp"
    return 1
}

# collect FILE ARGS...: run_to, counting and reporting a failure.
collect() {
    local file=$1
    shift
    if ! run_to "$file" "$@"; then
        failures=$((failures + 1))
        note "FAILED: aws $* -> $(last_error)"
    fi
}

case $(aws --version 2>&1) in
    aws-cli/1.*)
        note "warning: AWS CLI v1 prints KMS timestamps as epoch seconds unless the profile sets cli_timestamp_format = iso8601; AWS CLI v2 is recommended"
        ;;
esac

# ---- regions ---------------------------------------------------------------------------------

default_region=${AWS_REGION:-${AWS_DEFAULT_REGION:-}}
if [ -z "$default_region" ]; then
    default_region=$(aws_cli configure get region 2>/dev/null || true)
fi

if [ "$all_regions" -eq 1 ]; then
    if ! listed=$(aws_cli ec2 describe-regions --region "${default_region:-us-east-1}" \
        --query 'Regions[].RegionName' --output text 2>"$errfile"); then
        die "aws ec2 describe-regions failed: $(last_error)"
    fi
    read -r -a regions <<<"$(printf '%s' "$listed" | tr -s '\t\n' '  ')"
    if [ ${#regions[@]} -eq 0 ]; then
        die "aws ec2 describe-regions returned no region"
    fi
elif [ ${#regions[@]} -eq 0 ]; then
    if [ -z "$default_region" ]; then
        die "no region: give --region REGION (or --all-regions), or configure one for the profile"
    fi
    regions=("$default_region")
fi

for region in "${regions[@]}"; do
    case $region in
        *[!a-z0-9-]* | "" | -*)
            die_usage "not a region name: '$region'"
            ;;
    esac
done

# ---- output directory ------------------------------------------------------------------------

if [ -e "$outdir/snapshot.json" ] && [ "$force" -ne 1 ]; then
    die_usage "$outdir already holds a snapshot (snapshot.json); use --force to overwrite it"
fi
mkdir -p "$outdir/iam" "$outdir/kms" || die "cannot create $outdir"

# ---- account ---------------------------------------------------------------------------------

collected_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)
if ! account=$(aws_cli sts get-caller-identity --region "${regions[0]}" \
    --query Account --output text 2>"$errfile"); then
    die "aws sts get-caller-identity failed (credentials?): $(last_error)"
fi
case $account in
    [0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]) ;;
    *) die "unexpected account id from sts get-caller-identity: '$account'" ;;
esac
note "account $account, regions: ${regions[*]}"

# ---- IAM -------------------------------------------------------------------------------------

note "iam: get-account-authorization-details"
collect "$outdir/iam/get-account-authorization-details.json" \
    iam get-account-authorization-details

# ---- KMS -------------------------------------------------------------------------------------

for region in "${regions[@]}"; do
    rdir="$outdir/kms/$region"
    mkdir -p "$rdir/keys"
    collect "$rdir/list-aliases.json" kms list-aliases --region "$region"

    if ! ids=$(aws_cli kms list-keys --region "$region" \
        --query 'Keys[].KeyId' --output text 2>"$errfile"); then
        failures=$((failures + 1))
        note "FAILED: aws kms list-keys --region $region -> $(last_error)"
        continue
    fi
    key_ids=()
    read -r -a key_ids <<<"$(printf '%s' "$ids" | tr -s '\t\n' '  ')"
    note "kms $region: ${#key_ids[@]} keys"

    for key_id in ${key_ids[@]+"${key_ids[@]}"}; do
        case $key_id in
            None) continue ;;
            *[!A-Za-z0-9-]* | "" | -*)
                failures=$((failures + 1))
                note "FAILED: unexpected key id from kms list-keys in $region: '$key_id'"
                continue
                ;;
        esac
        kdir="$rdir/keys/$key_id"
        mkdir -p "$kdir"
        collect "$kdir/describe-key.json" \
            kms describe-key --region "$region" --key-id "$key_id"
        collect "$kdir/get-key-policy.json" \
            kms get-key-policy --region "$region" --key-id "$key_id" --policy-name default

        # Automatic rotation exists only for symmetric encryption keys; KMS refuses the call for
        # other key specs, and may refuse it for keys in some states or key stores.
        key_spec=""
        if [ -f "$kdir/describe-key.json" ]; then
            key_spec=$(sed -n 's/^[[:space:]]*"KeySpec":[[:space:]]*"\([A-Z0-9_]*\)".*/\1/p' \
                "$kdir/describe-key.json" | head -n 1)
        fi
        if [ -n "$key_spec" ] && [ "$key_spec" != "SYMMETRIC_DEFAULT" ]; then
            note "skipped: kms get-key-rotation-status $region $key_id (KeySpec $key_spec has no automatic rotation)"
        elif ! run_to "$kdir/get-key-rotation-status.json" \
            kms get-key-rotation-status --region "$region" --key-id "$key_id"; then
            note "skipped: kms get-key-rotation-status $region $key_id -> $(last_error)"
        fi

        collect "$kdir/list-grants.json" \
            kms list-grants --region "$region" --key-id "$key_id"
    done
done

# ---- manifest --------------------------------------------------------------------------------

regions_json=""
for region in "${regions[@]}"; do
    regions_json="${regions_json:+$regions_json, }\"$region\""
done
printf '{\n    "format": "keyward-snapshot",\n    "version": 1,\n    "account": "%s",\n    "collected_at": "%s",\n    "regions": [%s]\n}\n' \
    "$account" "$collected_at" "$regions_json" >"$outdir/snapshot.json"

if [ "$failures" -gt 0 ]; then
    note "snapshot INCOMPLETE: $failures call(s) failed (see above); written to $outdir"
    exit 1
fi
note "snapshot written to $outdir"
