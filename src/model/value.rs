//! Typed condition values: the numbers of Numeric*, the instants of Date*, the networks of
//! IpAddress. Policy values are parsed once when the policy is read (a value that does not
//! parse is a policy error); request values are parsed at evaluation time (a value that does
//! not parse makes the comparison false). Both sides use these same parsers, and the SMT
//! encoder uses the same numeric representations (exact rationals, epoch milliseconds,
//! 128-bit addresses), so the two can never disagree on what a value means.

use crate::model::error::ValueError;
use std::cmp::Ordering;
use std::net::IpAddr;

/// An exact decimal number `mantissa / 10^scale`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Decimal {
    pub mantissa: i128,
    pub scale: u32,
}

/// Numbers are limited to 18 integer and 18 fractional digits so comparisons stay exact in i128.
const MAX_DIGITS: usize = 18;

impl Decimal {
    /// `-12`, `3.25`, `+7`, `0.5`; no exponent, no hex, no surrounding spaces.
    pub fn parse(s: &str) -> Option<Decimal> {
        let (neg, body) = match s.as_bytes().first()? {
            b'-' => (true, &s[1..]),
            b'+' => (false, &s[1..]),
            _ => (false, s),
        };
        let (int, frac) = match body.split_once('.') {
            Some((i, f)) => (i, f),
            None => (body, ""),
        };
        if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        if body.contains('.') && frac.is_empty() {
            return None;
        }
        let int = int.trim_start_matches('0');
        let frac = frac.trim_end_matches('0');
        if int.len() > MAX_DIGITS || frac.len() > MAX_DIGITS {
            return None;
        }
        let digits = format!("{int}{frac}");
        let mut mantissa: i128 = if digits.is_empty() { 0 } else { digits.parse().ok()? };
        if neg {
            mantissa = -mantissa;
        }
        Some(Decimal { mantissa, scale: frac.len() as u32 })
    }

    pub fn from_int(v: i64) -> Decimal {
        Decimal { mantissa: v as i128, scale: 0 }
    }

    fn aligned(&self, scale: u32) -> i128 {
        self.mantissa * 10i128.pow(scale - self.scale)
    }

    /// Canonical text after dropping trailing fractional zeros (`1.50` → `1.5`).
    pub fn render_normalized(&self) -> String {
        let mut d = *self;
        while d.scale > 0 && d.mantissa % 10 == 0 {
            d.mantissa /= 10;
            d.scale -= 1;
        }
        d.render()
    }

    /// Canonical text (`-1.5`, `42`).
    pub fn render(&self) -> String {
        if self.scale == 0 {
            return self.mantissa.to_string();
        }
        let neg = self.mantissa < 0;
        let digits = self.mantissa.unsigned_abs().to_string();
        let scale = self.scale as usize;
        let padded = if digits.len() <= scale { format!("{}{}", "0".repeat(scale + 1 - digits.len()), digits) } else { digits };
        let (i, f) = padded.split_at(padded.len() - scale);
        format!("{}{}.{}", if neg { "-" } else { "" }, i, f)
    }
}

impl Ord for Decimal {
    fn cmp(&self, other: &Self) -> Ordering {
        let s = self.scale.max(other.scale);
        self.aligned(s).cmp(&other.aligned(s))
    }
}
impl PartialOrd for Decimal {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// An instant as milliseconds since 1970-01-01T00:00:00Z.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// ISO 8601 as AWS writes it (`2026-01-31`, `2026-01-31T12:00Z`, `2026-01-31T12:00:00Z`,
    /// `2026-01-31T12:00:00.123+02:00`, without zone = UTC) or epoch seconds (`1767225600`).
    /// Sub-millisecond digits are dropped.
    pub fn parse(s: &str) -> Option<Timestamp> {
        use chrono::{DateTime, NaiveDate, NaiveDateTime};
        if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
            let secs: i64 = s.parse().ok()?;
            return secs.checked_mul(1000).map(Timestamp);
        }
        if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
            return Some(Timestamp(dt.timestamp_millis()));
        }
        for fmt in ["%Y-%m-%dT%H:%M%#z", "%Y-%m-%dT%H:%M:%S%.f%#z"] {
            if let Ok(dt) = DateTime::parse_from_str(s, fmt) {
                return Some(Timestamp(dt.timestamp_millis()));
            }
        }
        let upper = s.trim_end_matches(['Z', 'z']);
        for fmt in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"] {
            if let Ok(dt) = NaiveDateTime::parse_from_str(upper, fmt) {
                return Some(Timestamp(dt.and_utc().timestamp_millis()));
            }
        }
        if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            return d.and_hms_opt(0, 0, 0).map(|dt| Timestamp(dt.and_utc().timestamp_millis()));
        }
        None
    }

    /// ISO 8601 UTC text with milliseconds only when needed.
    pub fn render(&self) -> String {
        match chrono::DateTime::from_timestamp_millis(self.0) {
            Some(dt) if self.0 % 1000 == 0 => dt.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            Some(dt) => dt.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
            None => self.0.to_string(),
        }
    }
}

/// An IP address: IPv4 in the low 32 bits with `v6 = false`, or a full IPv6 address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ip {
    pub v6: bool,
    pub bits: u128,
}

impl Ip {
    pub fn parse(s: &str) -> Option<Ip> {
        match s.parse::<IpAddr>().ok()? {
            IpAddr::V4(a) => Some(Ip { v6: false, bits: u32::from(a) as u128 }),
            IpAddr::V6(a) => Some(Ip { v6: true, bits: u128::from(a) }),
        }
    }

    pub fn render(&self) -> String {
        if self.v6 {
            std::net::Ipv6Addr::from(self.bits).to_string()
        } else {
            std::net::Ipv4Addr::from(self.bits as u32).to_string()
        }
    }
}

/// A network from an IpAddress condition: `203.0.113.0/24`, `2001:db8::/32`, or one address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Cidr {
    pub v6: bool,
    /// Network address with host bits cleared.
    pub network: u128,
    pub prefix: u8,
}

impl Cidr {
    pub fn parse(s: &str) -> Result<Cidr, ValueError> {
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let ip = Ip::parse(addr).ok_or_else(|| ValueError::Cidr(format!("{s:?} is not an IPv4 or IPv6 address or CIDR block")))?;
        let width: u8 = if ip.v6 { 128 } else { 32 };
        let prefix = match prefix {
            None => width,
            Some(p) => match p.parse::<u8>() {
                Ok(n) if n <= width && !p.starts_with('+') => n,
                _ => return Err(ValueError::Cidr(format!("{s:?} has an invalid prefix length (0 to {width} expected)"))),
            },
        };
        Ok(Cidr { v6: ip.v6, network: ip.bits & Cidr::mask(width, prefix), prefix })
    }

    /// The mask of the first `prefix` bits of an address of `width` bits (prefix <= width).
    pub fn mask(width: u8, prefix: u8) -> u128 {
        if prefix == 0 {
            return 0;
        }
        (u128::MAX << (128 - u32::from(prefix))) >> (128 - u32::from(width))
    }

    pub fn width(&self) -> u8 {
        if self.v6 {
            128
        } else {
            32
        }
    }

    /// The block's first address (its network address).
    pub fn network_address(&self) -> Ip {
        Ip { v6: self.v6, bits: self.network }
    }

    /// An IPv4 block never contains an IPv6 address and vice versa.
    pub fn contains(&self, ip: &Ip) -> bool {
        ip.v6 == self.v6 && ip.bits & Cidr::mask(self.width(), self.prefix) == self.network
    }
}

/// The six colon-separated parts of an ARN; the last keeps any further colons.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Arn {
    pub partition: String,
    pub service: String,
    pub region: String,
    pub account: String,
    pub resource: String,
}

impl Arn {
    pub fn parse(s: &str) -> Option<Arn> {
        let mut it = s.splitn(6, ':');
        if it.next()? != "arn" {
            return None;
        }
        let partition = it.next()?.to_string();
        let service = it.next()?.to_string();
        let region = it.next()?.to_string();
        let account = it.next()?.to_string();
        let resource = it.next()?.to_string();
        Some(Arn { partition, service, region, account, resource })
    }

    /// The six segments in order, `arn` first.
    pub fn segments(&self) -> [&str; 6] {
        ["arn", &self.partition, &self.service, &self.region, &self.account, &self.resource]
    }
}

impl std::fmt::Display for Arn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "arn:{}:{}:{}:{}:{}", self.partition, self.service, self.region, self.account, self.resource)
    }
}

/// A string split the way ArnLike does — at its first five colons — with the six parts named.
/// Unlike `Arn::parse` it does not require the first part to be `arn` (ArnLike compares every
/// segment, that one too) and it borrows from the string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArnParts<'a> {
    pub prefix: &'a str,
    pub partition: &'a str,
    pub service: &'a str,
    pub region: &'a str,
    pub account: &'a str,
    pub resource: &'a str,
}

impl<'a> ArnParts<'a> {
    pub fn split(s: &'a str) -> Option<ArnParts<'a>> {
        let mut it = s.splitn(6, ':');
        Some(ArnParts {
            prefix: it.next()?,
            partition: it.next()?,
            service: it.next()?,
            region: it.next()?,
            account: it.next()?,
            resource: it.next()?,
        })
    }

    /// An ARN proper: the first part is `arn`.
    pub fn is_arn(&self) -> bool {
        self.prefix == "arn"
    }

    /// The six parts in order.
    pub fn as_array(&self) -> [&'a str; 6] {
        [self.prefix, self.partition, self.service, self.region, self.account, self.resource]
    }
}

/// Split a string into ARN segments the way ArnLike does: at the first five colons.
pub fn arn_segments(s: &str) -> Option<[&str; 6]> {
    ArnParts::split(s).map(|a| a.as_array())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals() {
        let d = |s| Decimal::parse(s).unwrap();
        assert_eq!(d("1.50"), d("1.5"));
        assert!(d("-2") < d("1.5"));
        assert!(d("10") > d("9.999"));
        assert_eq!(d("007"), d("7"));
        assert_eq!(d("-0.25").render(), "-0.25");
        assert_eq!(d("0.05").render(), "0.05");
        for bad in ["", "1.", ".5", "1e3", "0x10", "abc", " 1", "1 ", "--1", "1234567890123456789"] {
            assert!(Decimal::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn timestamps() {
        let t = |s| Timestamp::parse(s).unwrap();
        assert_eq!(t("2020-01-01T00:00:00Z"), t("1577836800"));
        assert_eq!(t("2020-01-01"), t("2020-01-01T00:00:00Z"));
        assert_eq!(t("2020-01-01T02:00:00+02:00"), t("2020-01-01T00:00:00Z"));
        assert_eq!(t("2020-01-01T00:00Z"), t("2020-01-01T00:00:00Z"));
        assert_eq!(t("2020-01-01T00:00:00"), t("2020-01-01T00:00:00Z"));
        assert_eq!(t("2020-01-01T00:00:00.5Z").0, 1577836800500);
        assert_eq!(t("2020-01-01T00:00:00Z").render(), "2020-01-01T00:00:00Z");
        for bad in ["", "yesterday", "2020-13-01", "2020-01-01T25:00:00Z", "-5"] {
            assert!(Timestamp::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn cidrs() {
        let c = Cidr::parse("203.0.113.7/24").unwrap();
        assert_eq!(c.network, Ip::parse("203.0.113.0").unwrap().bits);
        assert!(c.contains(&Ip::parse("203.0.113.200").unwrap()));
        assert!(!c.contains(&Ip::parse("203.0.114.1").unwrap()));
        assert!(!c.contains(&Ip::parse("::ffff:203.0.113.1").unwrap()));
        let one = Cidr::parse("10.1.2.3").unwrap();
        assert_eq!(one.prefix, 32);
        assert!(one.contains(&Ip::parse("10.1.2.3").unwrap()));
        let all = Cidr::parse("0.0.0.0/0").unwrap();
        assert!(all.contains(&Ip::parse("8.8.8.8").unwrap()));
        let v6 = Cidr::parse("2001:db8::/32").unwrap();
        assert!(v6.contains(&Ip::parse("2001:db8:1::5").unwrap()));
        assert!(!v6.contains(&Ip::parse("2001:db9::5").unwrap()));
        assert!(Cidr::parse("::/0").unwrap().contains(&Ip::parse("::1").unwrap()));
        for bad in ["10.0.0.0/33", "10.0.0/8", "x", "10.0.0.0/", "2001:db8::/129", "10.0.0.0/+8"] {
            assert!(Cidr::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn arns() {
        let a = Arn::parse("arn:aws:kms:us-east-1:111122223333:key/abc").unwrap();
        assert_eq!(a.account, "111122223333");
        assert_eq!(a.resource, "key/abc");
        let s3 = Arn::parse("arn:aws:s3:::bucket/a:b").unwrap();
        assert_eq!(s3.resource, "bucket/a:b");
        assert!(Arn::parse("arn:aws:kms").is_none());
        assert!(Arn::parse("nope:aws:kms:r:a:x").is_none());
        assert_eq!(arn_segments("a:b:c:d:e:f:g").unwrap()[5], "f:g");
    }
}
