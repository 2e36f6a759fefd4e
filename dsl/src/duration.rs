//! Durations as written in cases: `(DIGITS ['.' DIGITS] UNIT)+`, units `h m s ms us` in
//! decreasing order, each at most once, a fraction only on the last component (docs/language.md §2).

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

/// The units, largest first, with their length in nanoseconds: components must follow this
/// order, each unit at most once.
const UNITS: [(&str, u128); 5] = [
    ("h", 3_600_000_000_000),
    ("m", 60_000_000_000),
    ("s", 1_000_000_000),
    ("ms", 1_000_000),
    ("us", 1_000),
];

/// The largest number a component may have before its unit (already far beyond [`MAX`]).
const MAX_COMPONENT: u128 = 1_000_000_000_000;

/// An error at bytes `at..at + len` (at least one byte) of the duration text.
fn error(at: usize, len: usize, message: String) -> DurationError {
    DurationError {
        at,
        len: len.max(1),
        message,
    }
}

/// One `DIGITS['.' DIGITS]UNIT` component of a duration text.
struct Component<'t> {
    /// Where the component starts.
    start: usize,
    /// The digits before the decimal point.
    int: &'t str,
    /// The digits after it; empty without a fraction.
    frac: &'t str,
    /// Where the unit starts.
    unit_at: usize,
    /// The unit, one of [`UNITS`].
    unit: &'t str,
    /// The unit's place in [`UNITS`].
    rank: usize,
    /// The unit's length in nanoseconds.
    unit_nanos: u128,
    /// Where the component ends.
    end: usize,
}

impl<'t> Component<'t> {
    /// Reads the component starting at byte `start` of `text`.
    fn read(text: &'t str, start: usize) -> Result<Component<'t>, DurationError> {
        let b = text.as_bytes();
        let digits_end = |from: usize| from + b[from..].iter().take_while(|c| c.is_ascii_digit()).count();
        let mut i = digits_end(start);
        if i == start {
            return Err(error(start, 1, format!("expected digits in the duration `{text}`")));
        }
        let int = &text[start..i];
        let mut frac = "";
        if b.get(i) == Some(&b'.') {
            let fs = i + 1;
            i = digits_end(fs);
            if i == fs {
                return Err(error(fs - 1, 1, "expected digits after the decimal point".into()));
            }
            frac = &text[fs..i];
        }
        let unit_at = i;
        i += b[i..].iter().take_while(|c| c.is_ascii_alphabetic()).count();
        let unit = &text[unit_at..i];
        if unit.is_empty() {
            let written = &text[start..i];
            return Err(error(
                unit_at.min(b.len().saturating_sub(1)),
                1,
                format!("`{written}` needs a unit: h, m, s, ms or us (`{written}s`)"),
            ));
        }
        let Some(rank) = UNITS.iter().position(|(u, _)| *u == unit) else {
            return Err(error(
                unit_at,
                unit.len(),
                format!("unknown duration unit `{unit}`: expected h, m, s, ms or us"),
            ));
        };
        Ok(Component {
            start,
            int,
            frac,
            unit_at,
            unit,
            rank,
            unit_nanos: UNITS[rank].1,
            end: i,
        })
    }

    /// The component's length in nanoseconds (a fraction beyond 18 digits is cut).
    fn nanos(&self, text: &str) -> Result<u128, DurationError> {
        let int = match self.int.parse::<u128>() {
            Ok(v) if v <= MAX_COMPONENT => v,
            _ => {
                return Err(error(
                    self.start,
                    self.end - self.start,
                    format!("the duration `{text}` is longer than 30 days"),
                ));
            }
        };
        let mut value = int * self.unit_nanos;
        if !self.frac.is_empty() {
            let digits = self.frac.len().min(18);
            let frac: u128 = self.frac[..digits].parse().unwrap_or(0);
            value += frac * self.unit_nanos / 10u128.pow(digits as u32);
        }
        Ok(value)
    }
}

/// Parses a duration; zero is allowed here (the caller decides where zero is an error).
pub fn parse(text: &str) -> Result<Duration, DurationError> {
    if text.is_empty() {
        return Err(error(
            0,
            0,
            "expected a duration such as `1s`, `250ms` or `1m30s`".into(),
        ));
    }
    let mut at = 0;
    let mut total: u128 = 0;
    let mut last: Option<Component> = None;
    while at < text.len() {
        if last.as_ref().is_some_and(|c| !c.frac.is_empty()) {
            return Err(error(
                at,
                text.len() - at,
                "a fraction is only allowed on the last component (`1.5s`, not `1.5m30s`)".into(),
            ));
        }
        let c = Component::read(text, at)?;
        if let Some(prev) = &last {
            let (at, len) = (c.unit_at, c.unit.len());
            if c.rank == prev.rank {
                return Err(error(at, len, format!("the unit `{}` appears twice", c.unit)));
            }
            if c.rank < prev.rank {
                return Err(error(
                    at,
                    len,
                    format!(
                        "units must decrease (h m s ms us): `{}` comes after `{}`",
                        c.unit, prev.unit
                    ),
                ));
            }
        }
        total = total.saturating_add(c.nanos(text)?);
        at = c.end;
        last = Some(c);
    }
    if total > MAX.as_nanos() {
        return Err(error(
            0,
            text.len(),
            format!("the duration `{text}` is longer than 30 days"),
        ));
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
    for &(unit, size) in &UNITS[..2] {
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
