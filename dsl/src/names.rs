//! Names: the reserved words, the name syntax, and "did you mean" suggestions.

/// Words that can never be a flow, variable or host name (docs/language.md §3.1).
pub const RESERVED: &[&str] = &[
    "expect", "no", "nothing", "within", "after", "has", "lacks", "in", "data", "len", "fill", "inner", "none", "gw",
    "tcp", "udp", "icmp", "ipv4", "tcp6", "udp6", "icmp6", "ipv6", "arp", "eth",
];

/// Whether `name` is reserved: a keyword, a protocol, `gw`, or an ICMP type or code word.
pub fn is_reserved(name: &str) -> bool {
    RESERVED.contains(&name) || crate::icmp::is_icmp_word(name)
}

/// Names that people reach for, with what to write instead when they are reserved.
const INSTEAD_OF_RESERVED: &[(&str, &str)] = &[
    ("port", "`dport` (or `sport`)"),
    ("proto", "`ipproto`"),
    ("host", "`server`"),
    ("addr", "`address`"),
    ("ttl", "`hops`"),
    ("len", "`size`"),
    ("data", "`payload`"),
    ("within", "`window`"),
    ("after", "`delay`"),
];

/// Why `name` is reserved (docs/language.md §3.1) and what to name the thing instead;
/// `variable`: the name is a variable's (the alternatives are names for values).
pub fn reserved_help(name: &str, variable: bool) -> String {
    let why = if crate::compile::proto_keyword(name).is_some() {
        format!("`{name}` is a protocol")
    } else if name == "gw" {
        "`gw` is the gateway's host name".to_string()
    } else if RESERVED.contains(&name) {
        format!("`{name}` is a keyword")
    } else {
        let place = crate::icmp::V4_TYPES
            .iter()
            .chain(crate::icmp::V6_TYPES)
            .find_map(|(t, _, codes)| {
                if *t == name {
                    Some(format!("`{name}` is an ICMP type word"))
                } else {
                    codes
                        .iter()
                        .any(|(c, _)| *c == name)
                        .then(|| format!("`{name}` is an ICMP code word (`{t} {name}`)"))
                }
            });
        place.unwrap_or_else(|| format!("`{name}` is reserved"))
    };
    match INSTEAD_OF_RESERVED
        .iter()
        .find(|(r, _)| *r == name)
        .filter(|_| variable)
    {
        Some((_, instead)) => format!("{why}: use {instead}"),
        None => format!("{why}: choose another name"),
    }
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
