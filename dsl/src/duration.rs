//! Durations as written in cases: `(DIGITS ['.' DIGITS] UNIT)+`, units `h m s ms us` in
//! decreasing order, each at most once, a fraction only on the last component (DSL.md §2).

use std::time::Duration;

/// The longest duration a case may write.
pub const MAX: Duration = Duration::from_secs(30 * 24 * 3600);

/// Why a duration is malformed, and at which byte of its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DurationError {
    /// Byte offset in the duration text where the problem is.
    pub at: usize,
    /// Length of the offending part.
    pub len: usize,
    /// What is wrong, in words.
    pub message: String,
}

const UNITS: [(&str, u128); 5] = [
    ("h", 3_600_000_000_000),
    ("ms", 1_000_000),
    ("us", 1_000),
    ("m", 60_000_000_000),
    ("s", 1_000_000_000),
];
const ORDER: [&str; 5] = ["h", "m", "s", "ms", "us"];

/// Parses a duration; zero is allowed here (the caller decides where zero is an error).
pub fn parse(text: &str) -> Result<Duration, DurationError> {
    let err = |at: usize, len: usize, m: String| {
        Err(DurationError {
            at,
            len: len.max(1),
            message: m,
        })
    };
    if text.is_empty() {
        return err(0, 0, "expected a duration such as `1s`, `250ms` or `1m30s`".into());
    }
    let b = text.as_bytes();
    let mut i = 0;
    let mut total: u128 = 0;
    let mut last_rank: Option<usize> = None;
    let mut had_fraction = false;
    while i < b.len() {
        let start = i;
        if had_fraction {
            return err(
                start,
                b.len() - start,
                "a fraction is only allowed on the last component (`1.5s`, not `1.5m30s`)".into(),
            );
        }
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return err(start, 1, format!("expected digits in the duration `{text}`"));
        }
        let int_part = &text[start..i];
        let mut frac_part = "";
        if i < b.len() && b[i] == b'.' {
            let fs = i + 1;
            i += 1;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            if i == fs {
                return err(fs - 1, 1, "expected digits after the decimal point".into());
            }
            frac_part = &text[fs..i];
            had_fraction = true;
        }
        let us = i;
        while i < b.len() && b[i].is_ascii_alphabetic() {
            i += 1;
        }
        let unit = &text[us..i];
        if unit.is_empty() {
            return err(
                us.min(b.len().saturating_sub(1)),
                1,
                format!(
                    "`{}` needs a unit: h, m, s, ms or us (`{}s`)",
                    &text[start..i],
                    &text[start..i]
                ),
            );
        }
        let Some(&(_, nanos)) = UNITS.iter().find(|(u, _)| *u == unit) else {
            return err(
                us,
                unit.len(),
                format!("unknown duration unit `{unit}`: expected h, m, s, ms or us"),
            );
        };
        let rank = ORDER.iter().position(|u| *u == unit).unwrap_or(0);
        if let Some(r) = last_rank {
            if rank == r {
                return err(us, unit.len(), format!("the unit `{unit}` appears twice"));
            }
            if rank < r {
                return err(
                    us,
                    unit.len(),
                    format!("units must decrease (h m s ms us): `{unit}` comes after `{}`", ORDER[r]),
                );
            }
        }
        last_rank = Some(rank);
        let int: u128 = match int_part.parse::<u128>() {
            Ok(v) if v <= 1_000_000_000_000 => v,
            _ => {
                return err(
                    start,
                    i - start,
                    format!("the duration `{text}` is longer than 30 days"),
                );
            }
        };
        let mut value = int * nanos;
        if !frac_part.is_empty() {
            let digits = frac_part.len().min(18);
            let frac: u128 = frac_part[..digits].parse().unwrap_or(0);
            value += frac * nanos / 10u128.pow(digits as u32);
        }
        total = total.saturating_add(value);
    }
    if total > MAX.as_nanos() {
        return err(0, text.len(), format!("the duration `{text}` is longer than 30 days"));
    }
    Ok(Duration::from_nanos(total as u64))
}

/// Formats a duration the way cases write them (`1s`, `250ms`, `2h4m`, `1.5s`).
pub fn format(d: Duration) -> String {
    let mut ns = d.as_nanos();
    if ns == 0 {
        return "0s".into();
    }
    let mut out = String::new();
    for (unit, size) in [("h", 3_600_000_000_000u128), ("m", 60_000_000_000)] {
        if ns >= size {
            out.push_str(&format!("{}{unit}", ns / size));
            ns %= size;
        }
    }
    if ns == 0 {
        return out;
    }
    if ns % 1_000_000_000 == 0 {
        out.push_str(&format!("{}s", ns / 1_000_000_000));
    } else if ns >= 1_000_000_000 {
        let s = format!("{:.9}", ns as f64 / 1e9);
        out.push_str(s.trim_end_matches('0'));
        out.push('s');
    } else if ns % 1_000_000 == 0 {
        out.push_str(&format!("{}ms", ns / 1_000_000));
    } else if ns % 1_000 == 0 {
        out.push_str(&format!("{}us", ns / 1_000));
    } else {
        out.push_str(&format!("{}us", ns as f64 / 1000.0));
    }
    out
}

/// Formats a measured time (a timestamp into a case, how long a case took) in the same notation,
/// rounded so it stays readable: below 1 ms to the microsecond (`250us`), below 1 s to the
/// microsecond in milliseconds (`1.234ms`), above that to the millisecond (`1.5s`, `3m50s`,
/// `2h3m59.021s`). The result parses back with [`parse`].
pub fn format_measured(d: Duration) -> String {
    let us = d.as_micros();
    if us < 1_000 {
        return format!("{us}us");
    }
    if us < 1_000_000 {
        let ms = format!("{:.3}", us as f64 / 1e3);
        let ms = ms.trim_end_matches('0').trim_end_matches('.');
        return format!("{ms}ms");
    }
    let ms = d.as_millis().min(u128::from(u64::MAX)) as u64;
    format(Duration::from_millis(ms))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_documented_forms() {
        assert_eq!(parse("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse("1.5s").unwrap(), Duration::from_millis(1500));
        assert_eq!(parse("2h4m").unwrap(), Duration::from_secs(7440));
        assert_eq!(parse("1m30s").unwrap(), Duration::from_secs(90));
        assert_eq!(parse("30us").unwrap(), Duration::from_micros(30));
        assert_eq!(parse("0s").unwrap(), Duration::ZERO);
    }

    #[test]
    fn rejects_malformed_forms_at_the_right_place() {
        assert_eq!(parse("1s2m").unwrap_err().at, 3);
        assert_eq!(parse("1s1s").unwrap_err().at, 3);
        assert_eq!(parse("1.5m30s").unwrap_err().at, 4);
        assert_eq!(parse("10").unwrap_err().at, 1);
        assert_eq!(parse("5x").unwrap_err().at, 1);
        assert!(parse("31d").is_err());
        assert!(parse("721h").is_err());
        assert!(parse("99999999999999999999h").is_err());
    }

    #[test]
    fn format_round_trips() {
        for s in ["1s", "250ms", "2h4m", "1.5s", "30us", "1m30s"] {
            assert_eq!(format(parse(s).unwrap()), s);
        }
    }

    #[test]
    fn measured_times_read_like_written_ones_and_parse_back() {
        let cases = [
            (Duration::ZERO, "0us"),
            (Duration::from_nanos(250_400), "250us"),
            (Duration::from_micros(1_234), "1.234ms"),
            (Duration::from_micros(230_000), "230ms"),
            (Duration::from_millis(1_500), "1.5s"),
            (Duration::from_millis(230_000), "3m50s"),
            (Duration::from_micros(7_439_000_400), "2h3m59s"),
            (Duration::from_millis(7_439_021), "2h3m59.021s"),
        ];
        for (d, text) in cases {
            assert_eq!(format_measured(d), text);
            let back = parse(text).unwrap();
            assert!(
                d.abs_diff(back) < Duration::from_millis(1),
                "{text} parses back to {back:?}"
            );
        }
    }
}
