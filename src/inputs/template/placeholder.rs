//! The values a stack's own resources will have (CONTROLS.md "Templates and plans": a value the
//! stack creates is a well-formed placeholder of that resource in the stack's account and
//! Region), for `Ref` and `Fn::GetAtt`. Names a template sets (`RoleName`, `Path`,
//! `BucketName`, `AliasName`, …) are used; a name CloudFormation would generate is
//! `STACK-LOGICALID-XXXXXXXXXXXX`, the suffix derived from the logical id so that the same
//! template always gives the same placeholders. A key's id is a UUID (`mrk-…` for a
//! multi-Region key) derived the same way: a key policy naming the stack's own role names that
//! role, and the key's ARN is that of the key the stack creates.

use super::node::{Node, ReadError};
use super::options::TemplateOptions;
use crate::model::hash::fnv1a;

/// What a placeholder reads of the stack: the deployment, its partition, and a resource's
/// property resolved to a string (`resolve::Resolver` is one).
pub trait Stack {
    fn opts(&self) -> &TemplateOptions;
    fn partition(&self) -> &str;
    fn property_text(&self, resource: &Node, name: &str) -> Result<Option<String>, ReadError>;
}

/// A UUID-shaped id derived from `seed` (version 4 and variant bits set).
pub fn uuid(seed: &str) -> String {
    let (a, b) = (fnv1a(seed.as_bytes()), fnv1a(format!("{seed}#").as_bytes()));
    format!("{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}", a >> 32, (a >> 16) & 0xffff, a & 0xfff, (b >> 48) & 0xfff, b & 0xffff_ffff_ffff)
}

/// The suffix CloudFormation appends to a generated name: 12 upper-case letters and digits.
fn suffix(seed: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut h = fnv1a(seed.as_bytes());
    (0..12)
        .map(|_| {
            let c = ALPHABET[(h % 36) as usize] as char;
            h /= 36;
            c
        })
        .collect()
}

fn resource_type(r: &Node) -> &str {
    r.get("Type").and_then(Node::as_str).unwrap_or("")
}

/// The physical name of `id`: the template's name property, or a generated one.
fn name(res: &dyn Stack, id: &str, r: &Node, property: &str) -> Result<String, ReadError> {
    Ok(match res.property_text(r, property)? {
        Some(n) if !n.is_empty() => n,
        _ => {
            let generated = format!("{}-{}-{}", res.opts().stack_name, id, suffix(id));
            // Bucket names are lower case.
            if resource_type(r) == "AWS::S3::Bucket" {
                generated.to_ascii_lowercase()
            } else {
                generated
            }
        }
    })
}

/// An IAM path (`/`, `/team/`).
fn path(res: &dyn Stack, r: &Node) -> Result<String, ReadError> {
    Ok(res.property_text(r, "Path")?.filter(|p| p.starts_with('/') && p.ends_with('/')).unwrap_or_else(|| "/".into()))
}

/// The id of the key `id` (`Ref` of an `AWS::KMS::Key`).
pub fn key_id(res: &dyn Stack, id: &str, r: &Node) -> Result<String, ReadError> {
    if resource_type(r) == "AWS::KMS::ReplicaKey" {
        // A replica has its primary's key id.
        if let Some(primary) = res.property_text(r, "PrimaryKeyArn")? {
            if let Some((_, kid)) = primary.rsplit_once("key/") {
                return Ok(kid.to_string());
            }
        }
    }
    let multi = res.property_text(r, "MultiRegion")?.is_some_and(|m| m == "true") || resource_type(r) == "AWS::KMS::ReplicaKey";
    let u = uuid(id);
    Ok(if multi { format!("mrk-{}", u.replace('-', "")) } else { u })
}

/// The ARN of an IAM resource of the stack's account.
fn iam_arn(res: &dyn Stack, kind: &str, path: &str, name: &str) -> String {
    format!("arn:{}:iam::{}:{kind}{path}{name}", res.partition(), res.opts().account)
}

/// `Ref` of the resource `id`.
/// Who holds an inline policy attached by name (`Roles: [!Ref R]`, Terraform's `role`): the
/// ARN pattern of the `kind` (`role`, `user`, `group`) of that name in `account`, any path
/// (`arn:aws:iam::A:role/*NAME`: the name does not say the path), or the ARN when it is one.
pub fn holder_pattern(partition: &str, account: &str, kind: &str, name: &str) -> String {
    if name.starts_with("arn:") {
        name.to_string()
    } else {
        format!("arn:{partition}:iam::{account}:{kind}/*{name}")
    }
}

pub fn reference(res: &dyn Stack, id: &str, r: &Node) -> Result<String, ReadError> {
    let (p, region, account) = (res.partition(), &res.opts().region, &res.opts().account);
    Ok(match resource_type(r) {
        "AWS::KMS::Key" | "AWS::KMS::ReplicaKey" => key_id(res, id, r)?,
        "AWS::KMS::Alias" => name(res, id, r, "AliasName")?,
        "AWS::IAM::Role" => name(res, id, r, "RoleName")?,
        "AWS::IAM::User" => name(res, id, r, "UserName")?,
        "AWS::IAM::Group" => name(res, id, r, "GroupName")?,
        "AWS::IAM::InstanceProfile" => name(res, id, r, "InstanceProfileName")?,
        "AWS::IAM::ManagedPolicy" => iam_arn(res, "policy", &path(res, r)?, &name(res, id, r, "ManagedPolicyName")?),
        "AWS::S3::Bucket" => name(res, id, r, "BucketName")?,
        "AWS::SNS::Topic" => format!("arn:{p}:sns:{region}:{account}:{}", name(res, id, r, "TopicName")?),
        "AWS::SQS::Queue" => format!("https://sqs.{region}.amazonaws.com/{account}/{}", name(res, id, r, "QueueName")?),
        "AWS::Lambda::Function" => name(res, id, r, "FunctionName")?,
        "AWS::Logs::LogGroup" => name(res, id, r, "LogGroupName")?,
        "AWS::DynamoDB::Table" => name(res, id, r, "TableName")?,
        "AWS::SecretsManager::Secret" => format!("arn:{p}:secretsmanager:{region}:{account}:secret:{}", name(res, id, r, "Name")?),
        _ => format!("{}-{}-{}", res.opts().stack_name, id, suffix(id)),
    })
}

/// `Fn::GetAtt` of the resource `id`.
pub fn attribute(res: &dyn Stack, id: &str, r: &Node, attr: &str) -> Result<String, ReadError> {
    let (p, region, account) = (res.partition(), &res.opts().region, &res.opts().account);
    let ty = resource_type(r);
    Ok(match (ty, attr) {
        ("AWS::KMS::Key" | "AWS::KMS::ReplicaKey", "Arn") => format!("arn:{p}:kms:{region}:{account}:key/{}", key_id(res, id, r)?),
        ("AWS::KMS::Key" | "AWS::KMS::ReplicaKey", "KeyId") => key_id(res, id, r)?,
        ("AWS::IAM::Role", "Arn") => iam_arn(res, "role", &path(res, r)?, &name(res, id, r, "RoleName")?),
        ("AWS::IAM::Role", "RoleId") => format!("AROA{}{}", suffix(id), &suffix(&format!("{id}#"))[..5]),
        ("AWS::IAM::User", "Arn") => iam_arn(res, "user", &path(res, r)?, &name(res, id, r, "UserName")?),
        ("AWS::IAM::Group", "Arn") => iam_arn(res, "group", &path(res, r)?, &name(res, id, r, "GroupName")?),
        ("AWS::IAM::InstanceProfile", "Arn") => iam_arn(res, "instance-profile", &path(res, r)?, &name(res, id, r, "InstanceProfileName")?),
        ("AWS::IAM::ManagedPolicy", "PolicyArn") => reference(res, id, r)?,
        ("AWS::S3::Bucket", "Arn") => format!("arn:{p}:s3:::{}", name(res, id, r, "BucketName")?),
        ("AWS::S3::Bucket", "DomainName") => format!("{}.s3.amazonaws.com", name(res, id, r, "BucketName")?),
        ("AWS::S3::Bucket", "RegionalDomainName") => format!("{}.s3.{region}.amazonaws.com", name(res, id, r, "BucketName")?),
        ("AWS::SNS::Topic", "TopicArn") => reference(res, id, r)?,
        ("AWS::SQS::Queue", "Arn") => format!("arn:{p}:sqs:{region}:{account}:{}", name(res, id, r, "QueueName")?),
        ("AWS::SQS::Queue", "QueueName") => name(res, id, r, "QueueName")?,
        ("AWS::Lambda::Function", "Arn") => format!("arn:{p}:lambda:{region}:{account}:function:{}", name(res, id, r, "FunctionName")?),
        ("AWS::Logs::LogGroup", "Arn") => format!("arn:{p}:logs:{region}:{account}:log-group:{}:*", name(res, id, r, "LogGroupName")?),
        ("AWS::DynamoDB::Table", "Arn") => format!("arn:{p}:dynamodb:{region}:{account}:table/{}", name(res, id, r, "TableName")?),
        ("AWS::DynamoDB::Table", "StreamArn") => {
            format!("arn:{p}:dynamodb:{region}:{account}:table/{}/stream/2026-01-01T00:00:00.000", name(res, id, r, "TableName")?)
        }
        // Any other ARN: the service and type of the resource, the stack's account and Region.
        (_, "Arn") => {
            let mut parts = ty.split("::").skip(1);
            let service = parts.next().unwrap_or("resource").to_ascii_lowercase();
            let kind = parts.next().unwrap_or("resource").to_ascii_lowercase();
            format!("arn:{p}:{service}:{region}:{account}:{kind}/{}", reference(res, id, r)?)
        }
        _ => format!("{}.{attr}", reference(res, id, r)?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_and_well_formed() {
        let u = uuid("LoggingKey");
        assert_eq!(u, uuid("LoggingKey"));
        assert_ne!(u, uuid("OtherKey"));
        let parts: Vec<usize> = u.split('-').map(str::len).collect();
        assert_eq!(parts, vec![8, 4, 4, 4, 12]);
        assert!(u.chars().all(|c| c.is_ascii_hexdigit() || c == '-'));
        assert_eq!(suffix("Role").len(), 12);
    }
}
