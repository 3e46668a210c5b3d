//! Sigma value modifiers (`field|contains|all: ...`): their names, which
//! combinations make sense, and the value encodings some of them apply.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// One value modifier, as written after a `|` in a detection key.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Modifier {
    Contains,
    StartsWith,
    EndsWith,
    All,
    Base64,
    Base64Offset,
    Utf16Le,
    Utf16Be,
    Utf16,
    Windash,
    Re,
    /// `re` sub-modifier `i`: case-insensitive regex.
    ReI,
    /// `re` sub-modifier `m`: `^`/`$` match at line breaks.
    ReM,
    /// `re` sub-modifier `s`: `.` matches newlines.
    ReS,
    Cidr,
    Exists,
    FieldRef,
    Gt,
    Gte,
    Lt,
    Lte,
    Neq,
    Cased,
    Expand,
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Year,
}

impl Modifier {
    /// Parses a modifier name (`wide` is an alias of `utf16le`).
    pub fn parse(name: &str) -> Option<Modifier> {
        use Modifier::*;
        Some(match name {
            "contains" => Contains,
            "startswith" => StartsWith,
            "endswith" => EndsWith,
            "all" => All,
            "base64" => Base64,
            "base64offset" => Base64Offset,
            "utf16le" | "wide" => Utf16Le,
            "utf16be" => Utf16Be,
            "utf16" => Utf16,
            "windash" => Windash,
            "re" => Re,
            "i" => ReI,
            "m" => ReM,
            "s" => ReS,
            "cidr" => Cidr,
            "exists" => Exists,
            "fieldref" => FieldRef,
            "gt" => Gt,
            "gte" => Gte,
            "lt" => Lt,
            "lte" => Lte,
            "neq" => Neq,
            "cased" => Cased,
            "expand" => Expand,
            "minute" => Minute,
            "hour" => Hour,
            "day" => Day,
            "week" => Week,
            "month" => Month,
            "year" => Year,
            _ => return None,
        })
    }

    /// The name as written in rules.
    pub fn name(self) -> &'static str {
        use Modifier::*;
        match self {
            Contains => "contains",
            StartsWith => "startswith",
            EndsWith => "endswith",
            All => "all",
            Base64 => "base64",
            Base64Offset => "base64offset",
            Utf16Le => "utf16le",
            Utf16Be => "utf16be",
            Utf16 => "utf16",
            Windash => "windash",
            Re => "re",
            ReI => "i",
            ReM => "m",
            ReS => "s",
            Cidr => "cidr",
            Exists => "exists",
            FieldRef => "fieldref",
            Gt => "gt",
            Gte => "gte",
            Lt => "lt",
            Lte => "lte",
            Neq => "neq",
            Cased => "cased",
            Expand => "expand",
            Minute => "minute",
            Hour => "hour",
            Day => "day",
            Week => "week",
            Month => "month",
            Year => "year",
        }
    }

    /// gt, gte, lt, lte.
    pub fn is_compare(self) -> bool {
        matches!(
            self,
            Modifier::Gt | Modifier::Gte | Modifier::Lt | Modifier::Lte
        )
    }

    /// minute, hour, day, week, month, year.
    pub fn is_time_part(self) -> bool {
        use Modifier::*;
        matches!(self, Minute | Hour | Day | Week | Month | Year)
    }

    /// Modifiers that turn the value into bytes or base64 text.
    pub fn is_encoding(self) -> bool {
        use Modifier::*;
        matches!(self, Base64 | Base64Offset | Utf16Le | Utf16Be | Utf16)
    }
}

/// The names every modifier is written with, for "did you mean" messages.
pub const NAMES: &[&str] = &[
    "contains",
    "startswith",
    "endswith",
    "all",
    "base64",
    "base64offset",
    "utf16le",
    "utf16be",
    "utf16",
    "wide",
    "windash",
    "re",
    "i",
    "m",
    "s",
    "cidr",
    "exists",
    "fieldref",
    "gt",
    "gte",
    "lt",
    "lte",
    "neq",
    "cased",
    "expand",
    "minute",
    "hour",
    "day",
    "week",
    "month",
    "year",
];

/// Parses a detection key `field|mod1|mod2` into the field and its modifiers.
/// Checks the combination; the error says what to change.
pub fn parse_key(key: &str) -> Result<(String, Vec<Modifier>), String> {
    let mut parts = key.split('|');
    let field = parts.next().unwrap_or("").to_owned();
    let mut mods = Vec::new();
    for name in parts {
        match Modifier::parse(name) {
            Some(m) => {
                if mods.contains(&m) {
                    return Err(format!("modifier `{name}` is given twice in `{key}`"));
                }
                mods.push(m)
            }
            None => {
                let hint = NAMES
                    .iter()
                    .find(|n| n.eq_ignore_ascii_case(name))
                    .map(|n| format!(" (did you mean `{n}`? modifiers are lower case)"))
                    .unwrap_or_else(|| format!("; known modifiers: {}", NAMES.join(", ")));
                return Err(format!("unknown modifier `{name}` in `{key}`{hint}"));
            }
        }
    }
    check_combination(key, &mods)?;
    Ok((field, mods))
}

fn check_combination(key: &str, mods: &[Modifier]) -> Result<(), String> {
    use Modifier::*;
    let has = |m: Modifier| mods.contains(&m);
    let wildcard_mods = [Contains, StartsWith, EndsWith];
    let n_wild = wildcard_mods.iter().filter(|m| has(**m)).count();
    if n_wild > 1 {
        return Err(format!(
            "`{key}`: use only one of contains, startswith, endswith"
        ));
    }
    for sub in [ReI, ReM, ReS] {
        if has(sub) && !has(Re) {
            return Err(format!(
                "`{key}`: `{}` is a sub-modifier of `re`; write `|re|{}`",
                sub.name(),
                sub.name()
            ));
        }
    }
    if has(Re)
        && let Some(bad) = mods
            .iter()
            .find(|m| !matches!(m, Re | ReI | ReM | ReS | All | Cased | Neq))
    {
        return Err(format!(
            "`{key}`: `re` cannot be combined with `{}`",
            bad.name()
        ));
    }
    if has(Exists) && mods.len() > 1 {
        return Err(format!("`{key}`: `exists` takes no other modifier"));
    }
    if has(Cidr)
        && let Some(bad) = mods
            .iter()
            .find(|m| !matches!(m, Cidr | All | Neq | Expand))
    {
        return Err(format!(
            "`{key}`: `cidr` cannot be combined with `{}`",
            bad.name()
        ));
    }
    let n_cmp = mods.iter().filter(|m| m.is_compare()).count();
    if n_cmp > 1 {
        return Err(format!(
            "`{key}`: use one of gt, gte, lt, lte per key (a range needs two keys in a list of maps or two selections)"
        ));
    }
    if n_cmp == 1
        && let Some(bad) = mods
            .iter()
            .find(|m| !(m.is_compare() || m.is_time_part() || matches!(m, All)))
    {
        return Err(format!(
            "`{key}`: numeric comparison cannot be combined with `{}`",
            bad.name()
        ));
    }
    if mods.iter().filter(|m| m.is_time_part()).count() > 1 {
        return Err(format!(
            "`{key}`: use one time part (minute, hour, day, week, month, year) per key"
        ));
    }
    if has(FieldRef)
        && let Some(bad) = mods.iter().find(|m| {
            !matches!(
                m,
                FieldRef | Contains | StartsWith | EndsWith | Neq | Cased | All
            )
        })
    {
        return Err(format!(
            "`{key}`: `fieldref` cannot be combined with `{}`",
            bad.name()
        ));
    }
    // Encodings turn text into bytes; wildcards must come after them.
    let mut seen_wild = false;
    for m in mods {
        if wildcard_mods.contains(m) {
            seen_wild = true;
        } else if m.is_encoding() && seen_wild {
            return Err(format!(
                "`{key}`: put `{}` before contains/startswith/endswith (encode first, then search)",
                m.name()
            ));
        }
    }
    let n_utf16 = mods
        .iter()
        .filter(|m| matches!(m, Utf16 | Utf16Be | Utf16Le))
        .count();
    if n_utf16 > 1 {
        return Err(format!("`{key}`: use one of utf16, utf16le, utf16be, wide"));
    }
    if has(Base64) && has(Base64Offset) {
        return Err(format!("`{key}`: use either base64 or base64offset"));
    }
    Ok(())
}

/// UTF-16 little endian bytes.
pub fn utf16le(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(|u| u.to_le_bytes()).collect()
}

/// UTF-16 big endian bytes.
pub fn utf16be(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(|u| u.to_be_bytes()).collect()
}

/// UTF-16 little endian with a byte order mark.
pub fn utf16_bom(s: &str) -> Vec<u8> {
    let mut out = vec![0xff, 0xfe];
    out.extend(utf16le(s));
    out
}

/// Standard base64 with padding.
pub fn base64(b: &[u8]) -> String {
    STANDARD.encode(b)
}

/// The three shifted base64 forms of `b` as pySigma computes them: the stable
/// middle part of the encoding of `b` at offsets 0, 1 and 2 in a longer text.
pub fn base64_offsets(b: &[u8]) -> Vec<String> {
    const START: [usize; 3] = [0, 2, 3];
    const END_TRIM: [usize; 3] = [0, 3, 2];
    (0..3)
        .map(|i| {
            let mut buf = vec![b' '; i];
            buf.extend_from_slice(b);
            let enc = STANDARD.encode(&buf);
            let trim = END_TRIM[(b.len() + i) % 3];
            let end = enc.len().saturating_sub(trim);
            enc.get(START[i]..end).unwrap_or("").to_owned()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_parse_and_combinations_are_checked() {
        let (f, m) = parse_key("CommandLine|contains|all").unwrap();
        assert_eq!(f, "CommandLine");
        assert_eq!(m, vec![Modifier::Contains, Modifier::All]);
        assert_eq!(
            parse_key("x|wide|base64offset|contains").unwrap().1.len(),
            3
        );
        assert!(parse_key("x|contains|startswith").is_err());
        assert!(parse_key("x|i").unwrap_err().contains("re|i"));
        assert!(
            parse_key("x|Contains")
                .unwrap_err()
                .contains("did you mean `contains`")
        );
        assert!(parse_key("x|nope").unwrap_err().contains("known modifiers"));
        assert!(parse_key("x|re|contains").is_err());
        assert!(parse_key("x|contains|base64").is_err());
        assert!(parse_key("x|exists|all").is_err());
        assert!(parse_key("x|gt|lt").is_err());
        assert!(parse_key("x|hour|gte").is_ok());
        assert!(parse_key("x|fieldref|neq").is_ok());
        assert!(parse_key("x|re|i|m|s").is_ok());
        assert!(parse_key("x|all|all").is_err());
    }

    #[test]
    fn encodings_match_the_spec_examples() {
        assert_eq!(utf16le("cmd"), vec![0x63, 0, 0x6d, 0, 0x64, 0]);
        assert_eq!(utf16be("cmd"), vec![0, 0x63, 0, 0x6d, 0, 0x64]);
        assert_eq!(
            utf16_bom("cmd"),
            vec![0xff, 0xfe, 0x63, 0, 0x6d, 0, 0x64, 0]
        );
        assert_eq!(base64(b"/bin/sh"), "L2Jpbi9zaA==");
        // pySigma: base64offset of "/bin/sh".
        let offs = base64_offsets(b"/bin/sh");
        assert_eq!(
            offs,
            vec![
                "L2Jpbi9za".to_string(),
                "9iaW4vc2".to_string(),
                "vYmluL3No".to_string()
            ]
        );
        // Each form really occurs in an encoding of the value at that offset.
        for (i, o) in offs.iter().enumerate() {
            let mut text = b"xy"[..i].to_vec();
            text.extend_from_slice(b"/bin/sh tail");
            assert!(
                base64(&text).contains(o.as_str()),
                "{i} {o} {}",
                base64(&text)
            );
        }
    }
}
