//! Names: the reserved words, the name syntax, and "did you mean" suggestions.

/// Words that can never be a flow, variable or host name (DSL.md §3.1).
pub const RESERVED: &[&str] = &[
    "expect", "no", "nothing", "within", "after", "has", "lacks", "in", "data", "len", "fill", "inner", "none", "gw",
    "tcp", "udp", "icmp", "ipv4", "tcp6", "udp6", "icmp6", "ipv6", "arp", "eth",
];

/// Whether `name` is reserved: a keyword, a protocol, `gw`, or an ICMP type or code word.
pub fn is_reserved(name: &str) -> bool {
    RESERVED.contains(&name) || crate::icmp::is_icmp_word(name)
}

/// Whether `name` has the shape of a flow, variable or host name: `[a-z][a-z0-9_]*`.
pub fn is_valid_name(name: &str) -> bool {
    let mut c = name.chars();
    c.next().is_some_and(|f| f.is_ascii_lowercase())
        && c.all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_')
}

/// The candidate closest to `word`, if it is close enough to be a likely typo.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lw = word.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(&lw, &c.to_ascii_lowercase()), c))
        .filter(|(d, c)| {
            (*d <= 2.max(c.len() / 4) && *d < c.len().max(2))
                || (c.len() >= 3 && lw.starts_with(&c.to_ascii_lowercase()))
        })
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// ` (did you mean `x`?)` or nothing.
pub fn suggestion<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    did_you_mean(word, candidates).map_or(String::new(), |c| format!(" (did you mean `{c}`?)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_words_only() {
        assert_eq!(did_you_mean("tpc", ["tcp", "udp"]), Some("tcp"));
        assert_eq!(did_you_mean("titel", ["title", "tags"]), Some("title"));
        assert_eq!(did_you_mean("zzzzzz", ["tcp", "udp"]), None);
    }

    #[test]
    fn reserved_words_include_icmp_words_and_gw() {
        assert!(is_reserved("gw"));
        assert!(is_reserved("echo-request"));
        assert!(is_reserved("within"));
        assert!(!is_reserved("web"));
        assert!(is_valid_name("web_2"));
        assert!(!is_valid_name("Web"));
    }
}
