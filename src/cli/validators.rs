//! `keyward check-no-new-access`, `check-access-not-granted` and `check-no-public-access`: the
//! commands, options, report and exit codes of AWS's `cfn-policy-validator` and
//! `tf-policy-validator` (0 no blocking finding, 2 blocking findings, 1 an error), for a
//! CloudFormation template or a Terraform plan (`--template-path`), answered offline by
//! keyward's proofs instead of IAM Access Analyzer. keyward's scope is KMS key policies and IAM
//! identity policies; resource policies of other services are not read (keep AWS's validator
//! for those).

use super::args::{parse_account, parse_pair, parse_region, SolverArgs};
use super::print::print_json;
use crate::controls::finding::statements_for;
use crate::controls::{run_subject, Ctx, Params, Status, Subject};
use crate::inputs::template::TemplateOptions;
use crate::inputs::{load, LoadOptions};
use crate::model::request_spec::{ActionSpec, PrincipalSpec, RequestSpec, ResourceSpec};
use crate::model::PolicySet;
use crate::properties::queries::{added_access, exists_allowed};
use crate::properties::{Checked, Verdict};
use crate::report::validators::{assuming, failed, undecided, ValidatorFinding, ValidatorReport};
use std::path::PathBuf;

/// Exit codes of the validators.
const NO_BLOCKING: i32 = 0;
const ERROR: i32 = 1;
const BLOCKING: i32 = 2;

#[derive(Debug, clap::Args)]
pub struct ValidatorArgs {
    /// The CloudFormation template or Terraform plan (`terraform show -json`).
    #[arg(long = "template-path", required = true)]
    pub template_path: PathBuf,
    /// The Region the stack deploys to.
    #[arg(long, default_value = "us-east-1", value_parser = parse_region)]
    pub region: String,
    /// The account the stack deploys to (the validators ask AWS; keyward works offline).
    #[arg(long, default_value = "111122223333", value_parser = parse_account)]
    pub account: String,
    #[arg(long = "stack-name", default_value = "keyward-stack")]
    pub stack_name: String,
    /// Template parameters, `Key=Value` (several after one flag, as the validators take them).
    #[arg(long, num_args = 1.., value_name = "KEY=VALUE", value_parser = parse_pair)]
    pub parameters: Vec<(String, String)>,
    /// Values of the exports the template imports, `Name=Value`.
    #[arg(long = "import-value", num_args = 1.., value_name = "NAME=VALUE", value_parser = parse_pair)]
    pub import_values: Vec<(String, String)>,
    /// A template configuration file (`{"Parameters": {…}}`, as CodePipeline and the
    /// validators read it); --parameters override it.
    #[arg(long = "template-configuration-file", value_name = "FILE.json")]
    pub template_configuration: Option<PathBuf>,
    /// Findings to ignore: a code, a resource name, or `ResourceName.Code` (comma-separated).
    #[arg(long = "ignore-finding", value_delimiter = ',')]
    pub ignore_finding: Vec<String>,
    /// Finding types that block (exit 2): comma-separated, or `None`.
    #[arg(long = "treat-as-blocking", value_delimiter = ',', default_value = "ERROR,SECURITY_WARNING")]
    pub treat_as_blocking: Vec<String>,
    /// Resource types not to check (`AWS::KMS::Key`, `aws_kms_key`, `AWS::IAM::Policy`, …).
    #[arg(long = "exclude-resource-types", value_delimiter = ',')]
    pub exclude_resource_types: Vec<String>,
    /// tf-policy-validator's configuration file: accepted for a one-line swap, not needed.
    #[arg(long)]
    pub config: Option<PathBuf>,
    #[command(flatten)]
    pub solver: SolverArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PolicyType {
    Identity,
    Resource,
}

#[derive(Debug, clap::Args)]
pub struct NoNewAccessArgs {
    #[command(flatten)]
    pub common: ValidatorArgs,
    /// The policy the template's policies must not grant more than.
    #[arg(long = "reference-policy", required = true)]
    pub reference_policy: PathBuf,
    /// Which policies are compared with it: identity policies or key (resource) policies.
    #[arg(long = "reference-policy-type", value_enum, required = true)]
    pub reference_policy_type: PolicyType,
}

#[derive(Debug, clap::Args)]
pub struct AccessNotGrantedArgs {
    #[command(flatten)]
    pub common: ValidatorArgs,
    /// Actions no policy may grant (comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub actions: Vec<String>,
    /// Resources on which no policy may grant them (comma-separated; default any).
    #[arg(long, value_delimiter = ',')]
    pub resources: Vec<String>,
}

fn subjects(a: &ValidatorArgs) -> Result<Vec<Subject>, i32> {
    let mut parameters = match a.template_configuration.as_deref().map(super::args::template_configuration).transpose() {
        Ok(p) => p.unwrap_or_default(),
        Err(e) => {
            eprintln!("ERROR: {e}");
            return Err(ERROR);
        }
    };
    parameters.extend(a.parameters.iter().cloned());
    let template = TemplateOptions {
        account: a.account.clone(),
        region: a.region.clone(),
        stack_name: a.stack_name.clone(),
        parameters,
        import_values: a.import_values.iter().cloned().collect(),
        assume: Default::default(),
    };
    let opts = LoadOptions { account: a.account.clone(), template, ..LoadOptions::default() };
    let mut errors = Vec::new();
    let mut skipped = Vec::new();
    let subjects = load(std::slice::from_ref(&a.template_path), &opts, &mut errors, &mut skipped);
    if !errors.is_empty() {
        for e in &errors {
            eprintln!("ERROR: {e}");
        }
        return Err(ERROR);
    }
    let excluded = |types: &[&str]| a.exclude_resource_types.iter().any(|t| types.iter().any(|x| t.trim().eq_ignore_ascii_case(x)));
    Ok(subjects
        .into_iter()
        .filter(|s| match s {
            Subject::Key(_) => {
                !excluded(&["AWS::KMS::Key", "AWS::KMS::ReplicaKey", "aws_kms_key", "aws_kms_replica_key", "aws_kms_key_policy"])
            }
            Subject::Identity(_) => !excluded(&[
                "AWS::IAM::ManagedPolicy",
                "AWS::IAM::Policy",
                "AWS::IAM::Role",
                "AWS::IAM::User",
                "AWS::IAM::Group",
                "aws_iam_policy",
                "aws_iam_role_policy",
                "aws_iam_user_policy",
                "aws_iam_group_policy",
                "aws_iam_role",
            ]),
        })
        .collect())
}

/// The validators' `resourceName` and `policyName` of a subject: a template's logical id and
/// `KeyPolicy` or the policy's name; a plan's resource name and address.
fn names(s: &Subject) -> (String, String) {
    let (prefix, resource) = match s {
        Subject::Key(k) => (k.policy.as_ref().map(|p| p.source.path_prefix().to_string()).unwrap_or_default(), k.key_arn.clone()),
        Subject::Identity(i) => (i.policy.source.path_prefix().to_string(), i.resource.clone()),
    };
    let policy_name = || resource.rsplit(['/', ':']).next().unwrap_or(&resource).to_string();
    match prefix.strip_prefix("Resources.") {
        Some(rest) => {
            let logical = rest.split('.').next().unwrap_or(rest).to_string();
            match s {
                Subject::Key(_) => (logical, "KeyPolicy".into()),
                Subject::Identity(_) => (logical, policy_name()),
            }
        }
        None => {
            let address = prefix.split(".policy").next().unwrap_or(&prefix).split(".inline_policy").next().unwrap_or(&prefix).to_string();
            let name = address.rsplit('.').next().unwrap_or(&address).to_string();
            (name, address)
        }
    }
}

/// The finding of `check` on `s`, decided for every value of what its policy leaves unknown
/// before deployment (as `crate::controls::assume` decides a control): these checks fail only
/// by allowing too much, so no finding on the wider bound is none for every value; a case with
/// a finding is the finding, with the values it assumed; anything else is an `ERROR` finding.
fn decide(s: &Subject, code: &str, check: &dyn Fn(&Subject) -> Option<ValidatorFinding>) -> Option<ValidatorFinding> {
    if !s.unresolved().is_empty() {
        return s.unresolved_reason().map(|why| undecided(code, &why, names(s)));
    }
    let Some(assumed) = s.assumed() else { return check(s) };
    if !assumed.valid() {
        let why = s.unresolved_reason().unwrap_or_default();
        return Some(undecided(code, &format!("{why}; the policy is not valid for `*` in its place nor for any value tried"), names(s)));
    }
    if let Some(wider) = &assumed.wider {
        match check(&s.with_policy(wider)) {
            None => return None,
            Some(f) if f.finding_type == "ERROR" => return Some(f),
            Some(_) => {}
        }
    }
    for case in &assumed.cases {
        if let Some(f) = check(&s.with_policy(&case.policy)) {
            let why = format!("{} (if {}).", f.message.trim_end_matches('.'), crate::controls::assume::assumption(&case.values));
            return Some(if f.finding_type == "ERROR" { f } else { assuming(f, &case.values, &why) });
        }
    }
    let why = s.unresolved_reason().unwrap_or_default();
    Some(undecided(code, &format!("{why}; no finding for the values tried, but not proved for every value"), names(s)))
}

/// The policy set of one identity policy.
fn identity_set(p: &crate::model::Policy) -> PolicySet {
    PolicySet { identity: vec![p.clone()], ..PolicySet::default() }
}

/// A proof's answer as a finding (none when it holds).
fn finding_of(checked: &Checked, set: &PolicySet, s: &Subject, code: &str, message: &str, reason: &str) -> Option<ValidatorFinding> {
    match &checked.answer {
        Ok(Verdict::Holds) => None,
        Ok(Verdict::Violated(cx)) => Some(failed(code, message, reason, names(s), &statements_for(set, &cx.requests), &cx.requests)),
        Ok(Verdict::Unknown(why)) => Some(undecided(code, why, names(s))),
        Err(e) => Some(undecided(code, &format!("internal error (please report): {e}"), names(s))),
    }
}

/// The resource policies of the template or plan that keyward does not read (other services'
/// resource policies, role trust policies): one non-blocking `WARNING` each, so that a swap from
/// AWS's validator never hides a policy nobody checked.
fn unread_policies(a: &ValidatorArgs) -> Vec<ValidatorFinding> {
    use crate::inputs::template::node::{parse, Node, V};
    let Ok(text) = std::fs::read_to_string(&a.template_path) else { return vec![] };
    let Ok(root) = parse(&text) else { return vec![] };
    let mut out: Vec<(String, String)> = Vec::new();
    if let Some(V::Map(resources)) = root.get("Resources").map(|r| &r.v) {
        for (k, r) in resources {
            let ty = r.get("Type").and_then(Node::as_str).unwrap_or("");
            let props = r.get("Properties");
            if ty == "AWS::IAM::Role" && props.and_then(|p| p.get("AssumeRolePolicyDocument")).is_some() {
                out.push((k.name.clone(), "TrustPolicy".into()));
            } else if ty.ends_with("Policy") && !ty.starts_with("AWS::IAM::") && !ty.starts_with("AWS::KMS::") {
                out.push((k.name.clone(), ty.rsplit("::").next().unwrap_or(ty).to_string()));
            }
        }
    }
    let mut modules = vec![root.get("planned_values").and_then(|p| p.get("root_module"))];
    while let Some(m) = modules.pop() {
        let Some(m) = m else { continue };
        if let Some(V::Seq(rs)) = m.get("resources").map(|r| &r.v) {
            for r in rs {
                let (ty, address) =
                    (r.get("type").and_then(Node::as_str).unwrap_or(""), r.get("address").and_then(Node::as_str).unwrap_or(""));
                let name = address.rsplit('.').next().unwrap_or(address).to_string();
                let read = ["aws_iam_policy", "aws_iam_role_policy", "aws_iam_user_policy", "aws_iam_group_policy", "aws_kms_key_policy"];
                // A role's trust policy, and other services' resource policies.
                if ty == "aws_iam_role" || (ty.ends_with("_policy") && !read.contains(&ty)) {
                    out.push((name, address.to_string()));
                }
            }
        }
        if let Some(V::Seq(children)) = m.get("child_modules").map(|c| &c.v) {
            modules.extend(children.iter().map(Some));
        }
    }
    out.into_iter()
        .map(|(resource_name, policy_name)| ValidatorFinding {
            finding_type: "WARNING",
            code: "keyward-policy-not-checked".into(),
            message: "keyward checks KMS key policies and IAM identity policies; this resource policy was not checked (use AWS's validator for it)".into(),
            resource_name,
            policy_name,
            details: serde_json::json!({"result": "NOT_CHECKED"}),
        })
        .collect()
}

fn report(a: &ValidatorArgs, mut findings: Vec<ValidatorFinding>) -> i32 {
    findings.extend(unread_policies(a));
    let blocking_types: Vec<String> = a.treat_as_blocking.iter().map(|t| t.trim().to_ascii_uppercase()).collect();
    let ignored = |f: &ValidatorFinding| {
        a.ignore_finding
            .iter()
            .map(|i| i.trim())
            .any(|i| i == f.code || i == f.resource_name || i == format!("{}.{}", f.resource_name, f.code) || i == f.policy_name)
    };
    let (blocking, non_blocking): (Vec<_>, Vec<_>) =
        findings.into_iter().filter(|f| !ignored(f)).partition(|f| blocking_types.iter().any(|t| t == f.finding_type));
    let code = if blocking.is_empty() { NO_BLOCKING } else { BLOCKING };
    print_json(&ValidatorReport { blocking, non_blocking });
    code
}

pub fn no_public_access(a: &ValidatorArgs) -> i32 {
    let subjects = match subjects(a) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let params = Params::default();
    let opts = a.solver.options();
    let ctx = Ctx { params: &params, opts: &opts };
    let code = "policy-analysis-CheckNoPublicAccess";
    let mut out = Vec::new();
    for s in subjects.iter().filter(|s| matches!(s, Subject::Key(_))) {
        for f in run_subject(s, &["CIS-KMS-EXPOSED:public".to_string()], &ctx) {
            match f.status {
                Status::Violated => out.push(assuming(
                    failed(
                        code,
                        "The resource policy grants public access for the given resource type.",
                        "Public access granted",
                        names(s),
                        &f.statements,
                        &f.counterexample,
                    ),
                    &f.assumed,
                    &f.message,
                )),
                Status::Unknown | Status::Error => out.push(undecided(code, &f.message, names(s))),
                _ => {}
            }
        }
    }
    report(a, out)
}

pub fn access_not_granted(a: &AccessNotGrantedArgs) -> i32 {
    if a.actions.is_empty() && a.resources.is_empty() {
        eprintln!("ERROR: give --actions, --resources or both");
        return ERROR;
    }
    if let Some(bad) = a.actions.iter().find(|x| x.contains(['*', '?']) || !x.contains(':')) {
        eprintln!("ERROR: {bad:?} is not an action (service:Action, no wildcards)");
        return ERROR;
    }
    let subjects = match subjects(&a.common) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let opts = a.common.solver.options();
    let code = "policy-analysis-CheckAccessNotGranted";
    let message = "The policy document grants access to perform one or more of the listed actions or resources.";
    let action = if a.actions.is_empty() {
        ActionSpec::Any { named: vec![] }
    } else {
        ActionSpec::AnyOf { actions: a.actions.iter().map(|x| x.trim().to_string()).collect(), unlisted: None }
    };
    let mut out = Vec::new();
    let check = |s: &Subject| -> Option<ValidatorFinding> {
        let (set, who, resources) = match s {
            Subject::Key(k) => (k.key_set(), PrincipalSpec::anyone(), vec![ResourceSpec::Fixed(k.key_arn.clone())]),
            Subject::Identity(i) => (
                identity_set(&i.policy),
                PrincipalSpec::identity_holders(),
                if a.resources.is_empty() {
                    vec![ResourceSpec::Any]
                } else {
                    a.resources.iter().map(|r| ResourceSpec::Fixed(r.trim().to_string())).collect()
                },
            ),
        };
        if let (Subject::Key(k), false) = (s, a.resources.is_empty()) {
            // A key policy governs its key only.
            let names_key = |r: &str| {
                crate::model::Template::parse(r, crate::model::template::Syntax { wildcards: true, variables: false })
                    .is_ok_and(|t| crate::eval::condition::template_matches(&t, &k.key_arn, &crate::model::Context::new(), false))
            };
            if !a.resources.iter().any(|r| names_key(r.trim())) {
                return None;
            }
        }
        resources.into_iter().find_map(|resource| {
            let req = RequestSpec { action: action.clone(), resource, context: vec![] };
            let checked = exists_allowed(&set, &who, &req, &opts, "access-not-granted");
            finding_of(&checked, &set, s, code, message, "One or more of the listed actions or resources")
        })
    };
    for s in &subjects {
        out.extend(decide(s, code, &check));
    }
    report(&a.common, out)
}

pub fn no_new_access(a: &NoNewAccessArgs) -> i32 {
    let reference = match crate::policy::load_policy(&a.reference_policy) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("ERROR: {e}");
            return ERROR;
        }
    };
    let subjects = match subjects(&a.common) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let opts = a.common.solver.options();
    let code = "policy-analysis-CheckNoNewAccess";
    let message = "The modified permissions grant new access compared to your existing policy.";
    let mut out = Vec::new();
    let check = |s: &Subject| -> Option<ValidatorFinding> {
        let (old, new, who, resource) = match s {
            Subject::Key(k) => {
                let new = k.key_set();
                let old = PolicySet { key_policy: Some(reference.clone()), ..new.clone() };
                (old, new, PrincipalSpec::anyone(), ResourceSpec::Fixed(k.key_arn.clone()))
            }
            Subject::Identity(i) => {
                (identity_set(&reference), identity_set(&i.policy), PrincipalSpec::identity_holders(), ResourceSpec::Any)
            }
        };
        let named = super::diff::named_actions(&old, &new);
        let req = RequestSpec { action: ActionSpec::Any { named }, resource, context: vec![] };
        let checked = added_access(&old, &new, &who, &req, &opts, "no-new-access");
        finding_of(&checked, &new, s, code, message, "New access")
    };
    for s in &subjects {
        match (s, a.reference_policy_type) {
            (Subject::Key(_), PolicyType::Resource) | (Subject::Identity(_), PolicyType::Identity) => out.extend(decide(s, code, &check)),
            _ => {}
        }
    }
    report(&a.common, out)
}
