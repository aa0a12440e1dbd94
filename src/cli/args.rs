//! The options several commands share: which controls run on which reading of the inputs
//! (`check`, `corpus`), the solver options (every command that proves), the output format, and
//! their validation — a malformed `--key-arn`, `--account` or `--solver` is a usage error.

use crate::controls::{select, ParamError, Params};
use crate::error::UsageError;
use crate::inputs::{Kind, LoadOptions};
use crate::model::principal::is_account_id;
use crate::model::value::{Arn, Timestamp};
use crate::smt::{Backend, Encoding, SolverOptions};
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
}

/// Which controls run on which reading of the inputs: the options `check` and `corpus` share.
#[derive(Debug, Clone, clap::Args)]
pub struct SelectArgs {
    /// Run only these controls (repeatable; `CIS-KMS-EXPOSED` selects both parts; default:
    /// every control that applies).
    #[arg(long = "control", value_name = "ID")]
    pub controls: Vec<String>,
    /// A control parameter, `CONTROL.name=value` (lists comma-separated).
    #[arg(long = "param", value_name = "CONTROL.NAME=VALUE")]
    pub params: Vec<String>,
    #[command(flatten)]
    pub input: InputArgs,
}

/// How the inputs are read (`check`, `corpus`, `resolve`, `access`).
#[derive(Debug, Clone, clap::Args)]
pub struct InputArgs {
    /// Read policy files as identity or key policies (default: a policy with Principal
    /// elements is a key policy).
    #[arg(long, value_enum)]
    pub kind: Option<Kind>,
    /// The key a key-policy file belongs to, `arn:PARTITION:kms:REGION:ACCOUNT:key/ID`
    /// (default: a placeholder key of --account).
    #[arg(long = "key-arn", value_parser = parse_key_arn)]
    pub key_arn: Option<String>,
    /// The owner account of key-policy files given without --key-arn (12 digits; default
    /// 111122223333).
    #[arg(long, value_parser = parse_account)]
    pub account: Option<String>,
    /// CloudFormation templates: the Region the stack deploys to (its partition follows).
    #[arg(long, default_value = "us-east-1", value_parser = parse_region)]
    pub region: String,
    /// CloudFormation templates: the stack's name (AWS::StackName, generated resource names).
    #[arg(long = "stack-name", default_value = "keyward-stack")]
    pub stack_name: String,
    /// CloudFormation templates: a parameter's value (repeatable), over its Default.
    #[arg(long = "parameters", value_name = "KEY=VALUE", value_parser = parse_pair)]
    pub parameters: Vec<(String, String)>,
    /// CloudFormation templates: the value of an export that Fn::ImportValue reads (repeatable;
    /// without it the value is any value, and what depends on it is decided for every value).
    #[arg(long = "import-value", value_name = "NAME=VALUE", value_parser = parse_pair)]
    pub import_values: Vec<(String, String)>,
    /// CloudFormation templates: a template configuration file (CodePipeline's
    /// `{"Parameters": {"K": "V"}, "Tags": …}`, or the CLI's `[{"ParameterKey", "ParameterValue"}]`);
    /// --parameters override it.
    #[arg(long = "template-configuration-file", value_name = "FILE.json")]
    pub template_configuration: Option<std::path::PathBuf>,
    /// Skip files that are neither policies, templates nor plans (a note each) instead of
    /// reporting them as input errors: for pre-commit, which passes every changed file.
    #[arg(long = "skip-unrecognised")]
    pub skip_unrecognised: bool,
}

/// The parameter values of a template configuration file: CodePipeline's template
/// configuration (`{"Parameters": {"Key": "Value"}, "Tags": {…}, "StackPolicy": {…}}`, which
/// `cfn-policy-validator --template-configuration-file` reads) or the parameter file of
/// `aws cloudformation create-stack --parameters file://…` (`[{"ParameterKey": "Key",
/// "ParameterValue": "Value"}]`). Numbers and booleans are their text, as CloudFormation
/// passes every parameter as a string.
pub(crate) fn template_configuration(path: &std::path::Path) -> Result<std::collections::BTreeMap<String, String>, UsageError> {
    use serde_json::Value;
    let bad = |why: String| UsageError::TemplateConfiguration(format!("--template-configuration-file {}: {why}", path.display()));
    let text = std::fs::read_to_string(path).map_err(|e| bad(e.to_string()))?;
    let v: Value = serde_json::from_str(&text).map_err(|e| bad(format!("not JSON: {e}")))?;
    let scalar = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    };
    let mut out = std::collections::BTreeMap::new();
    match &v {
        Value::Object(o) => {
            if let Some(k) = o.keys().find(|k| !["Parameters", "Tags", "StackPolicy"].contains(&k.as_str())) {
                return Err(bad(format!("unexpected member {k:?} (a template configuration has Parameters, Tags and StackPolicy)")));
            }
            match o.get("Parameters") {
                Some(Value::Object(ps)) => {
                    for (k, v) in ps {
                        out.insert(k.clone(), scalar(v).ok_or_else(|| bad(format!("Parameters.{k} is not a string")))?);
                    }
                }
                None => {}
                Some(_) => return Err(bad("Parameters is not an object of names and values".into())),
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let key = item.get("ParameterKey").and_then(Value::as_str);
                let value = item.get("ParameterValue").and_then(scalar);
                match (key, value) {
                    (Some(k), Some(v)) => {
                        out.insert(k.to_string(), v);
                    }
                    // `UsePreviousValue` keeps a deployed stack's value, which only AWS knows.
                    (Some(_), None) if item.get("UsePreviousValue").is_some() => {}
                    _ => return Err(bad(format!("[{i}] is not {{\"ParameterKey\": …, \"ParameterValue\": …}}"))),
                }
            }
        }
        _ => return Err(bad("neither a template configuration object nor a list of ParameterKey/ParameterValue".into())),
    }
    Ok(out)
}

pub(crate) fn parse_pair(s: &str) -> Result<(String, String), UsageError> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
        _ => Err(UsageError::Pair(s.to_string())),
    }
}

pub(crate) fn parse_region(s: &str) -> Result<String, UsageError> {
    let ok = !s.is_empty() && s.split('-').count() >= 3 && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(s.to_string())
    } else {
        Err(UsageError::Region(s.to_string()))
    }
}

impl SelectArgs {
    /// The `--param` values.
    pub fn params(&self) -> Result<Params, ParamError> {
        let mut params = Params::default();
        for p in &self.params {
            params.set_cli(p)?;
        }
        Ok(params)
    }

    /// The `--param` values, then the parameters of the configuration file `config` when given
    /// (keyward.toml: `enabled`, shorthands, `[params.…]`, `[[ignore]]`).
    pub fn params_with_config(&self, config: Option<&Path>) -> Result<Params, ParamError> {
        let mut params = self.params()?;
        if let Some(c) = config {
            let file = c.display().to_string();
            let text = std::fs::read_to_string(c)
                .map_err(|e| ParamError::File { file: file.clone(), message: format!("cannot read the file: {e}") })?;
            params.load_config(&file, &text)?;
            for note in &params.notes {
                eprintln!("note: {note}");
            }
        }
        Ok(params)
    }

    /// The controls to run: the `--control` values, else the configuration's `enabled` list
    /// (empty: every control that applies).
    pub fn selected(&self, params: &Params) -> Vec<String> {
        if self.controls.is_empty() {
            params.enabled.clone().unwrap_or_default()
        } else {
            self.controls.clone()
        }
    }

    /// Every `--control` names a control of the registry, and `--key-arn` and `--account`
    /// agree on the owner account.
    pub fn check(&self) -> Result<(), UsageError> {
        if let Some(c) = self.controls.iter().find(|c| select(c).is_empty()) {
            return Err(UsageError::UnknownControl(c.clone()));
        }
        self.input.check()
    }

    pub fn load_options(&self) -> Result<LoadOptions, UsageError> {
        self.input.load_options()
    }
}

impl InputArgs {
    /// `--key-arn` and `--account` agree on the owner account.
    pub fn check(&self) -> Result<(), UsageError> {
        if let (Some(arn), Some(account)) = (&self.key_arn, &self.account) {
            let owner = Arn::parse(arn).map(|a| a.account).unwrap_or_default();
            if owner != *account {
                return Err(UsageError::AccountMismatch { arn: arn.clone(), owner, account: account.clone() });
            }
        }
        Ok(())
    }

    pub fn load_options(&self) -> Result<LoadOptions, UsageError> {
        let account = self.account.clone().unwrap_or_else(|| LoadOptions::default().account);
        let mut parameters = match &self.template_configuration {
            Some(path) => template_configuration(path)?,
            None => Default::default(),
        };
        parameters.extend(self.parameters.iter().cloned());
        let template = crate::inputs::template::TemplateOptions {
            account: account.clone(),
            region: self.region.clone(),
            stack_name: self.stack_name.clone(),
            parameters,
            import_values: self.import_values.iter().cloned().collect(),
            assume: Default::default(),
        };
        Ok(LoadOptions { kind: self.kind, key_arn: self.key_arn.clone(), account, template, skip_unrecognised: self.skip_unrecognised })
    }
}

/// Solver options shared by the commands that prove.
#[derive(Debug, Clone, clap::Args)]
pub struct SolverArgs {
    /// Timeout of each solver call, in milliseconds.
    #[arg(long = "timeout-ms", default_value_t = 10_000)]
    pub timeout_ms: u64,
    /// Write the SMT-LIB2 of every query to this folder (loadable by z3 and cvc5).
    #[arg(long = "dump-smt", value_name = "DIR")]
    pub dump_smt: Option<std::path::PathBuf>,
    /// `z3` (in process) or `smtlib:"CMD ARGS"` (an external solver reading SMT-LIB2 on stdin;
    /// counterexamples still come from the in-process z3).
    #[arg(long, default_value = "z3", value_parser = parse_solver)]
    pub solver: Backend,
    /// `default`, or `baseline` (ablation): the textbook whole-string encoding — action and
    /// resource as single strings, a regular expression for every wildcard, no unit
    /// propagation, no concrete witnesses, every axiom eager — to measure what the default
    /// encoding gains. Verdicts are the same; the baseline is much slower.
    #[arg(long, value_enum, default_value = "default")]
    pub encoding: Encoding,
    /// Ask "is it allowed at this instant?": every request is made at TIME (ISO 8601 such as
    /// 2026-12-01T09:00:00Z, epoch seconds, or `now`), which pins aws:CurrentTime and
    /// aws:EpochTime. Without it a request may be made at any time, past or future.
    #[arg(long, value_name = "TIME", value_parser = parse_at)]
    pub at: Option<Timestamp>,
    /// Send every query to the encoder and the solver: no concrete witnesses or synthesised
    /// candidates first (to measure what the presolve settles, and to cross-check it). The
    /// verdicts are the same; counterexamples may differ.
    #[arg(long = "no-presolve")]
    pub no_presolve: bool,
    /// Bound the whole run to SECONDS: no solver call runs past it, a query asked later is
    /// `unknown` ("the run's time limit was reached"), and `corpus` stops taking files (the
    /// summary says how many were not run). Never turns a query into "holds".
    #[arg(long = "max-time", value_name = "SECONDS", value_parser = parse_seconds)]
    pub max_time: Option<std::time::Duration>,
}

impl SolverArgs {
    pub fn options(&self) -> SolverOptions {
        SolverOptions {
            timeout: std::time::Duration::from_millis(self.timeout_ms),
            backend: self.solver.clone(),
            dump_dir: self.dump_smt.clone(),
            encoding: self.encoding,
            at: self.at,
            presolve: !self.no_presolve,
            deadline: self.max_time.map(|d| std::time::Instant::now() + d),
            explain: false,
        }
    }
}

/// Whether results that hold are explained (`check`, `prove`, `diff`).
#[derive(Debug, Clone, clap::Args)]
pub struct ExplainArgs {
    /// Do not say why results that hold hold (each explanation costs a core query and a few
    /// more to confirm and minimise it).
    #[arg(long = "no-explain")]
    pub no_explain: bool,
}

impl ExplainArgs {
    /// `opts` explaining or not.
    pub fn apply(&self, opts: SolverOptions) -> SolverOptions {
        SolverOptions { explain: !self.no_explain, ..opts }
    }
}

/// `--max-time`: a positive number of seconds (fractions allowed).
fn parse_seconds(s: &str) -> Result<std::time::Duration, UsageError> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 && v < 1e9 => Ok(std::time::Duration::from_secs_f64(v)),
        _ => Err(UsageError::MaxTime(s.to_string())),
    }
}

/// `--at`: an instant (aws:EpochTime is its second).
fn parse_at(s: &str) -> Result<Timestamp, UsageError> {
    let t = if s == "now" {
        let ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0);
        Timestamp(i64::try_from(ms).unwrap_or(0))
    } else {
        Timestamp::parse(s).ok_or_else(|| UsageError::At(s.to_string()))?
    };
    Ok(t)
}

fn parse_solver(s: &str) -> Result<Backend, UsageError> {
    if s == "z3" {
        return Ok(Backend::Z3);
    }
    match s.strip_prefix("smtlib:") {
        Some(cmd) => {
            let words: Vec<String> = cmd.split_whitespace().map(str::to_string).collect();
            match words.first() {
                None => Err(UsageError::Solver("smtlib: needs a command, e.g. smtlib:\"z3 -in\"".into())),
                // A solver that cannot be started is a usage error here, not an internal error
                // of every query later.
                Some(prog) if !runnable(prog) => Err(UsageError::Solver(format!("{prog}: no such program (on PATH)"))),
                Some(_) => Ok(Backend::External(words)),
            }
        }
        None => Err(UsageError::Solver(format!("unknown solver {s:?}: use z3 or smtlib:\"CMD ARGS\""))),
    }
}

/// A program name with a `/` is a path; any other is looked up on PATH. It must be an
/// executable file.
fn runnable(prog: &str) -> bool {
    let executable = |p: &Path| {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            p.metadata().is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        }
        #[cfg(not(unix))]
        {
            p.is_file()
        }
    };
    if prog.contains('/') {
        return executable(Path::new(prog));
    }
    std::env::var_os("PATH").is_some_and(|path| std::env::split_paths(&path).any(|d| executable(&d.join(prog))))
}

/// `--key-arn`: a KMS key ARN, `arn:PARTITION:kms:REGION:ACCOUNT:key/ID` with a 12-digit
/// account and a region.
pub(super) fn parse_key_arn(s: &str) -> Result<String, UsageError> {
    let Some(arn) = Arn::parse(s) else {
        return Err(UsageError::KeyArn(format!("{s:?} is not an ARN (arn:aws:kms:REGION:ACCOUNT:key/ID)")));
    };
    let id = arn.resource.strip_prefix("key/").unwrap_or("");
    if arn.service != "kms" || id.is_empty() || id.contains('/') || arn.region.is_empty() || arn.partition.is_empty() {
        return Err(UsageError::KeyArn(format!("{s:?} is not a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID)")));
    }
    if !is_account_id(&arn.account) {
        return Err(UsageError::KeyArn(format!("{s:?}: the account of a key ARN is 12 digits")));
    }
    Ok(s.to_string())
}

/// `--account`: a 12-digit account id.
pub(crate) fn parse_account(s: &str) -> Result<String, UsageError> {
    if is_account_id(s) {
        Ok(s.to_string())
    } else {
        Err(UsageError::Account(s.to_string()))
    }
}
