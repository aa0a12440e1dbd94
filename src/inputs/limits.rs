//! AWS's own limits on the policy documents of a subject, as warnings: a policy beyond them is
//! still analysed (what it would allow is the question), but AWS would refuse to store it, so
//! the user learns that before a deployment fails. The limits (IAM User Guide, "IAM and AWS STS
//! quotas"; KMS Developer Guide, "Quotas"): a customer managed policy holds at most 6,144
//! characters and the inline policies of a role 10,240 in total (of a group 5,120, of a user
//! 2,048), white space not counted; a service control policy 5,120 characters; a key policy
//! 32 KB; and a policy document only tab, line feed, carriage return and U+0020–U+00FF. AWS
//! has no separate quota on statements or condition values: the size limits bound them.

use crate::controls::subject::{KeySubject, Subject};
use crate::model::source::Span;
use crate::model::Policy;
use crate::policy::Diagnostic;

/// A customer managed policy (IAM quotas), in characters other than white space.
pub const MANAGED_POLICY_CHARS: usize = 6_144;
/// All inline policies of one role together: the largest IAM identity policy there can be.
pub const ROLE_INLINE_CHARS: usize = 10_240;
/// A service control policy (AWS Organizations quotas), in characters.
pub const SCP_CHARS: usize = 5_120;
/// A key policy (KMS quotas: 32 KB).
pub const KEY_POLICY_BYTES: usize = 32_768;

/// The warnings of every policy of `subject`.
pub fn warnings(subject: &Subject) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    match subject {
        Subject::Identity(s) => identity(&s.policy, &mut out),
        Subject::Key(k) => key(k, &mut out),
    }
    out
}

fn key(k: &KeySubject, out: &mut Vec<Diagnostic>) {
    if let Some(p) = &k.policy {
        let bytes = p.source.text().len();
        if bytes > KEY_POLICY_BYTES {
            out.push(whole(p, format!("the key policy has {bytes} bytes: KMS accepts at most 32 KB ({KEY_POLICY_BYTES} bytes) in a key policy, so it cannot be stored as it is (analysed all the same)")));
        }
        characters(p, out);
    }
    for ap in k.principals.iter().flatten() {
        for p in ap.identity.iter().chain(ap.boundary.iter()) {
            identity(p, out);
        }
    }
    for p in &k.scps {
        let n = counted(p);
        if n > SCP_CHARS {
            out.push(whole(
                p,
                format!(
                    "the service control policy has {n} characters: AWS Organizations accepts at most {SCP_CHARS} (analysed all the same)"
                ),
            ));
        }
        characters(p, out);
    }
}

fn identity(p: &Policy, out: &mut Vec<Diagnostic>) {
    let n = counted(p);
    if n > ROLE_INLINE_CHARS {
        out.push(whole(p, format!("the policy has {n} characters (white space aside): more than IAM accepts in any policy you create ({MANAGED_POLICY_CHARS} for a customer managed policy, {ROLE_INLINE_CHARS} for all inline policies of a role together; AWS managed policies are not bound by these quotas), so it cannot be stored as it is (analysed all the same)")));
    } else if n > MANAGED_POLICY_CHARS {
        out.push(whole(p, format!("the policy has {n} characters (white space aside): a customer managed policy may have at most {MANAGED_POLICY_CHARS}; of the policies you create, only a role's inline policies ({ROLE_INLINE_CHARS} for all of them together) may be this large (analysed all the same)")));
    }
    characters(p, out);
}

/// IAM does not count white space against its size quotas.
fn counted(p: &Policy) -> usize {
    p.source.text().chars().filter(|c| !c.is_whitespace()).count()
}

/// The first character AWS does not accept in a policy document, if any.
fn characters(p: &Policy, out: &mut Vec<Diagnostic>) {
    let text = p.source.text();
    let bad = text.char_indices().find(|&(_, c)| !matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{ff}'));
    if let Some((at, c)) = bad {
        let n = text.chars().filter(|c| !matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{ff}')).count();
        let msg = format!("{c:?} (U+{:04X}) and {} more: AWS accepts only tab, line feed, carriage return and U+0020 to U+00FF in a policy document (analysed all the same)", c as u32, n - 1);
        out.push(Diagnostic::at(&p.source, Span { start: at, end: at + c.len_utf8() }, "", msg));
    }
}

/// A warning about the whole document (its first character's position).
fn whole(p: &Policy, message: String) -> Diagnostic {
    Diagnostic::at(&p.source, Span { start: 0, end: 0 }, "", message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inputs::{subject_of, Kind, LoadOptions};
    use crate::policy::{parse_policy, Source};

    fn subject(text: &str, kind: Kind) -> Subject {
        let p = parse_policy(Source::new("p.json", text)).expect("policy");
        subject_of(p, "p.json".into(), &LoadOptions { kind: Some(kind), ..LoadOptions::default() })
    }

    fn identity_of(actions: usize) -> String {
        let list: Vec<String> = (0..actions).map(|i| format!("\"kms:Action{i:05}\"")).collect();
        format!(r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Action": [{}], "Resource": "*"}}]}}"#, list.join(", "))
    }

    #[test]
    fn sizes_beyond_the_quotas_are_warned_about_and_white_space_does_not_count() {
        // 19 characters per action: 300 actions ≈ 5,800 characters, 400 ≈ 7,700, 600 ≈ 11,500.
        assert!(warnings(&subject(&identity_of(300), Kind::Identity)).is_empty());
        let mid = warnings(&subject(&identity_of(400), Kind::Identity));
        assert!(mid.len() == 1 && mid[0].message.contains("6144") && mid[0].message.contains("inline"), "{mid:?}");
        let big = warnings(&subject(&identity_of(600), Kind::Identity));
        assert!(big.len() == 1 && big[0].message.contains("more than IAM accepts"), "{big:?}");
        // The same 300-action policy with 10,000 spaces of indentation is still within quota.
        let padded = identity_of(300).replace(", ", &format!(",{}", " ".repeat(40)));
        assert!(padded.len() > 10_240 && warnings(&subject(&padded, Kind::Identity)).is_empty());
    }

    #[test]
    fn a_key_policy_over_32_kb_and_characters_outside_latin_1_are_warned_about() {
        let principals: Vec<String> = (0..800).map(|i| format!("\"arn:aws:iam::111122223333:role/role-{i:04}\"")).collect();
        let key = format!(
            r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Principal": {{"AWS": [{}]}}, "Action": "kms:Decrypt", "Resource": "*"}}]}}"#,
            principals.join(",")
        );
        assert!(key.len() > KEY_POLICY_BYTES);
        let w = warnings(&subject(&key, Kind::Key));
        assert!(w.len() == 1 && w[0].message.contains("32 KB"), "{w:?}");
        let small: String = principals[..10].join(",");
        let ok = key.replace(&principals.join(","), &small);
        assert!(warnings(&subject(&ok, Kind::Key)).is_empty());
        let emoji = r#"{"Version": "2012-10-17", "Statement": [{"Sid": "Caf\u00e9", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*", "Condition": {"StringEquals": {"aws:PrincipalTag/team": "🔑"}}}]}"#;
        let w = warnings(&subject(emoji, Kind::Identity));
        assert!(w.len() == 1 && w[0].message.contains("U+1F511") && w[0].line == 1 && w[0].column > 100, "{w:?}");
    }
}
