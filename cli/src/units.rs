//! Units people type and read: amounts (`0.05eth`, `50gwei`, `123wei`, plain wei), durations
//! (`90s`, `30m`, `1h`, `2d`, plain seconds) and WAD fractions (`0.5` → 0.5e18).

use std::{fmt, str::FromStr, time::Duration};

use alloy::primitives::{Address, U256};

const WAD_DECIMALS: u32 = 18;

/// An amount in the smallest unit (wei for ETH), parsed from `0.05eth`, `50gwei`, `123wei`
/// or a plain integer of wei.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Amount(pub(crate) U256);

/// Parses `int[.frac]` scaled by `10^decimals`, exactly (no rounding).
fn parse_scaled(num: &str, decimals: u32, what: &str) -> Result<U256, String> {
    let (int, frac) = num.split_once('.').unwrap_or((num, ""));
    if int.is_empty() && frac.is_empty() {
        return Err(format!("{what}: no digits"));
    }
    if !int.chars().chain(frac.chars()).all(|c| c.is_ascii_digit()) {
        return Err(format!("{what}: {num:?} is not a decimal number"));
    }
    if frac.len() > decimals as usize {
        return Err(format!(
            "{what}: {num:?} has more than {decimals} decimals (below the smallest unit)"
        ));
    }
    let digits = format!("{int}{frac:0<width$}", width = decimals as usize);
    let digits = digits.trim_start_matches('0');
    if digits.is_empty() {
        return Ok(U256::ZERO);
    }
    U256::from_str_radix(digits, 10).map_err(|_| format!("{what}: {num:?} is too large"))
}

impl FromStr for Amount {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let t = s.trim().to_ascii_lowercase().replace('_', "");
        if let Some(rest) = t.strip_prefix('-') {
            return Err(format!(
                "amount {s:?} is negative: amounts are at least 0 (e.g. {})",
                rest.trim()
            ));
        }
        if let Some(rest) = t.strip_prefix('+') {
            return Err(format!(
                "amount {s:?}: drop the sign (e.g. {})",
                rest.trim()
            ));
        }
        let split = t
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(t.len());
        let (num, unit) = t.split_at(split);
        let decimals = match unit.trim() {
            "" | "wei" => 0,
            "gwei" => 9,
            "eth" | "ether" => 18,
            other => {
                return Err(format!(
                    "amount {s:?}: unknown unit {other:?} (use eth, gwei or wei, e.g. 0.05eth, \
                     50gwei, 123wei, or plain wei)"
                ));
            }
        };
        parse_scaled(num, decimals, &format!("amount {s:?}")).map(Amount)
    }
}

/// `123456…` wei → `0.05 ETH` (exact, trailing zeros trimmed).
pub(crate) fn fmt_eth(wei: U256) -> String {
    format!("{} ETH", fmt_decimal(wei, WAD_DECIMALS))
}

/// An amount of `asset`: ETH with units, an ERC-20 in its base units with the token address.
pub(crate) fn fmt_asset(asset: Address, amount: U256) -> String {
    if asset == Address::ZERO {
        fmt_eth(amount)
    } else {
        format!("{amount} units of {asset}")
    }
}

/// `v / 10^decimals` exactly, trailing zeros trimmed.
pub(crate) fn fmt_decimal(v: U256, decimals: u32) -> String {
    let s = v.to_string();
    let d = decimals as usize;
    let (int, frac) = if s.len() > d {
        let (i, f) = s.split_at(s.len() - d);
        (i.to_owned(), f.to_owned())
    } else {
        ("0".to_owned(), format!("{s:0>d$}"))
    };
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() {
        int
    } else {
        format!("{int}.{frac}")
    }
}

/// A WAD fraction (1e18 = 1.0) from `0.5`, `0.75`, `1`.
///
/// # Errors
/// Not a decimal, more than 18 decimals, or above 1.0.
pub(crate) fn parse_fraction(s: &str) -> Result<u64, String> {
    let v = parse_scaled(s.trim(), WAD_DECIMALS, &format!("fraction {s:?}"))?;
    if v > U256::from(10u64.pow(WAD_DECIMALS)) {
        return Err(format!("fraction {s:?} is above 1.0"));
    }
    Ok(v.to::<u64>())
}

/// WAD → `0.1900` (4 decimals, rounded down).
pub(crate) fn fmt_wad(v: U256) -> String {
    let scaled = v / U256::from(100_000_000_000_000u64); // 1e14 → 4 decimals
    let s = format!("{:0>5}", scaled.to_string());
    let (i, f) = s.split_at(s.len() - 4);
    format!("{i}.{f}")
}

/// A duration from `90s`, `500ms`, `30m`, `1h`, `2d`, `1h 30m` (humantime's syntax) or plain
/// seconds.
///
/// # Errors
/// Unknown unit, no digits, or a number without a unit after another unit.
pub(crate) fn parse_duration(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    if t.is_empty() {
        return Err("empty duration".into());
    }
    if t.chars().all(|c| c.is_ascii_digit()) {
        return t
            .parse()
            .map(Duration::from_secs)
            .map_err(|_| format!("duration {s:?} is too large"));
    }
    humantime::parse_duration(t)
        .map_err(|e| format!("duration {s:?}: {e} (e.g. 90s, 500ms, 1h30m)"))
}

/// `3725` seconds → `1h2m5s`.
pub(crate) fn fmt_duration(secs: u64) -> String {
    if secs == 0 {
        return "0s".into();
    }
    let (d, h, m, s) = (
        secs / 86_400,
        secs % 86_400 / 3600,
        secs % 3600 / 60,
        secs % 60,
    );
    let mut out = String::new();
    for (v, u) in [(d, "d"), (h, "h"), (m, "m"), (s, "s")] {
        if v > 0 {
            out.push_str(&format!("{v}{u}"));
        }
    }
    out
}

/// A deadline (unix seconds) relative to `now`: `1800003600 (in 1h)` / `(2m ago)`.
pub(crate) fn fmt_deadline(deadline: u64, now: u64) -> String {
    if deadline == 0 {
        return "-".into();
    }
    if deadline >= now {
        format!("{deadline} (in {})", fmt_duration(deadline - now))
    } else {
        format!("{deadline} ({} ago)", fmt_duration(now - deadline))
    }
}

/// A deadline that applies only while the task is in one of `applies_in` (a claim deadline
/// while Open; a completion deadline while Open or Claimed): [`fmt_deadline`] then, else the
/// timestamp and that it no longer applies, so an accepted task shows no "in 59m".
pub(crate) fn fmt_deadline_while<S: PartialEq + fmt::Debug>(
    deadline: u64,
    now: u64,
    status: S,
    applies_in: &[S],
) -> String {
    if deadline == 0 || applies_in.contains(&status) {
        fmt_deadline(deadline, now)
    } else {
        format!("{deadline} (no longer applies: {status:?})")
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&fmt_eth(self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(s: &str) -> Result<U256, String> {
        s.parse::<Amount>().map(|x| x.0)
    }

    #[test]
    fn amounts() {
        assert_eq!(a("0.05eth").unwrap(), U256::from(50_000_000_000_000_000u64));
        assert_eq!(a("1 ETH").unwrap(), U256::from(10u64.pow(18)));
        assert_eq!(a("50gwei").unwrap(), U256::from(50_000_000_000u64));
        assert_eq!(a("1.5gwei").unwrap(), U256::from(1_500_000_000u64));
        assert_eq!(a("123wei").unwrap(), U256::from(123));
        assert_eq!(a("123").unwrap(), U256::from(123));
        assert_eq!(a(".5eth").unwrap(), U256::from(5 * 10u64.pow(17)));
        assert!(a("0.05foo").unwrap_err().contains("unknown unit"));
        assert!(a("1.5wei").unwrap_err().contains("decimals"));
        assert!(a("eth").is_err());
        assert!(a("1.2.3eth").is_err());
        assert!(a("-1eth").is_err());
        // a negative amount is named as one, not as an unknown unit "-1eth"
        let e = a("-1eth").unwrap_err();
        assert!(e.contains("negative") && !e.contains("unknown unit"), "{e}");
        assert!(a("- 5gwei").unwrap_err().contains("negative"));
        assert!(a("+1eth").unwrap_err().contains("drop the sign"));
        assert!(a(&"9".repeat(90)).unwrap_err().contains("too large"));
    }

    #[test]
    fn formats() {
        assert_eq!(fmt_eth(U256::from(50_000_000_000_000_000u64)), "0.05 ETH");
        assert_eq!(fmt_eth(U256::from(10u64.pow(18) * 3)), "3 ETH");
        assert_eq!(fmt_eth(U256::from(1)), "0.000000000000000001 ETH");
        assert_eq!(fmt_eth(U256::ZERO), "0 ETH");
        assert_eq!(fmt_wad(U256::from(19 * 10u64.pow(16))), "0.1900");
        assert_eq!(fmt_wad(U256::from(10u64.pow(18))), "1.0000");
        assert_eq!(fmt_wad(U256::ZERO), "0.0000");
    }

    #[test]
    fn a_deadline_that_no_longer_applies_shows_no_countdown() {
        #[derive(Debug, PartialEq)]
        enum S {
            Open,
            Accepted,
        }
        let now = 1_800_000_000;
        assert_eq!(
            fmt_deadline_while(now + 3540, now, S::Open, &[S::Open]),
            format!("{} (in 59m)", now + 3540)
        );
        let done = fmt_deadline_while(now + 3540, now, S::Accepted, &[S::Open]);
        assert!(!done.contains("in 59m"), "{done}");
        assert!(done.contains("no longer applies: Accepted"), "{done}");
    }

    #[test]
    fn durations_and_fractions() {
        assert_eq!(parse_duration("1h").unwrap().as_secs(), 3600);
        assert_eq!(parse_duration("1h30m").unwrap().as_secs(), 5400);
        assert_eq!(parse_duration("90").unwrap().as_secs(), 90);
        assert!(parse_duration("1x").is_err());
        assert!(parse_duration("1h30").is_err());
        assert_eq!(parse_duration("500ms").unwrap().as_millis(), 500);
        assert_eq!(parse_duration("2d").unwrap().as_secs(), 172_800);
        assert_eq!(fmt_duration(3725), "1h2m5s");
        assert_eq!(parse_fraction("0.5").unwrap(), 5 * 10u64.pow(17));
        assert_eq!(parse_fraction("1").unwrap(), 10u64.pow(18));
        assert!(parse_fraction("1.1").is_err());
        assert!(parse_fraction("abc").is_err());
    }
}
