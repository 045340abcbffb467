//! AWS names the user types or AWS returns, each with its one validation:
//! a typo is refused with one clear line, not sent to AWS as an opaque
//! failing call.

use std::fmt;

/// A 12-digit AWS account id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AccountId(String);

impl AccountId {
    /// Whether `value` is exactly twelve ASCII digits.
    pub fn is_valid(value: &str) -> bool {
        value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit())
    }

    /// `value` as an account id; the error names it.
    pub fn parse(value: &str) -> Result<AccountId, String> {
        if AccountId::is_valid(value) {
            Ok(AccountId(value.to_string()))
        } else {
            Err(format!("'{value}' is not a 12-digit AWS account id"))
        }
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An AWS region name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Region(String);

impl Region {
    /// A region name has the shape `xx-word-N` or `xx-word-word-N`
    /// (`us-east-1`, `us-gov-west-1`, `ap-southeast-5`): anything else is a
    /// typo that would otherwise surface as an opaque DNS error per call.
    pub fn is_valid(value: &str) -> bool {
        let parts: Vec<&str> = value.split('-').collect();
        (3..=4).contains(&parts.len())
            && parts[0].len() == 2
            && parts.iter().all(|p| {
                !p.is_empty()
                    && p.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            })
            && parts
                .last()
                .is_some_and(|p| p.bytes().all(|b| b.is_ascii_digit()))
            && parts[1..parts.len() - 1]
                .iter()
                .all(|p| p.bytes().all(|b| b.is_ascii_lowercase()))
    }

    /// `value` as a region; the error names it.
    pub fn parse(value: &str) -> Result<Region, String> {
        if Region::is_valid(value) {
            Ok(Region(value.to_string()))
        } else {
            Err(format!(
                "unknown region '{value}' (expected a name like us-east-1)"
            ))
        }
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_ids() {
        assert!(AccountId::parse("123456789012").is_ok());
        for bad in [
            "12345678901",
            "1234567890123",
            "12345678901a",
            "",
            " 123456789012",
        ] {
            assert!(AccountId::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn regions() {
        for good in ["us-east-1", "us-gov-west-1", "ap-southeast-5", "eu-west-3"] {
            assert!(Region::parse(good).is_ok(), "{good}");
        }
        for bad in [
            "mars-1",
            "us-east",
            "US-EAST-1",
            "us-east-1a",
            "eu_west_1",
            "",
        ] {
            assert!(Region::parse(bad).is_err(), "{bad}");
        }
    }
}
