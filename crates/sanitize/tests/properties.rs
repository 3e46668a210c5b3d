//! Properties that hold for any input: sanitizing never panics, never leaves
//! a character that could forge a line or spoof a terminal, is idempotent,
//! and leaves clean text exactly as it was.

use proptest::prelude::*;
use sightline_event::{Event, EventId, Timestamp, tags};
use sightline_sanitize::{Sanitizer, needs_escape};

/// Text rich in the things the sanitizer reacts to.
fn hostile() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("password=".to_string()),
        Just("\"password\": \"".to_string()),
        Just("token=".to_string()),
        Just("tokens=".to_string()),
        Just("Authorization: Bearer ".to_string()),
        Just("RAY_AUTH_TOKEN=".to_string()),
        Just("api_key".to_string()),
        Just("--password ".to_string()),
        Just("mysql -u root -p".to_string()),
        Just("curl -u a:".to_string()),
        Just("postgres://u:".to_string()),
        Just("@h".to_string()),
        Just("AKIAIOSFODNN7EXAMPLE".to_string()),
        Just("eyJhbGciOi.eyJzdWIiOi.sig".to_string()),
        Just("sk-abcdefghijklmnopqrstuvwxyz".to_string()),
        Just("-----BEGIN RSA PRIVATE KEY-----".to_string()),
        Just("-----END RSA PRIVATE KEY-----".to_string()),
        Just("\"private_key\": \"".to_string()),
        Just("[REDACTED:".to_string()),
        Just("[REDACTED:password]".to_string()),
        Just("\\".to_string()),
        Just("\\n".to_string()),
        Just("\\\"".to_string()),
        Just("\u{1b}[31m".to_string()),
        Just("\r\n".to_string()),
        Just("\u{202e}".to_string()),
        Just("\u{2028}".to_string()),
        Just("\u{e0041}".to_string()),
        Just("µ".to_string()),
        Just("密码".to_string()),
        "[ -~]{0,12}",
        "\\PC{0,6}",
        any::<char>().prop_map(String::from),
    ];
    proptest::collection::vec(piece, 0..24).prop_map(|v| v.concat())
}

fn assert_safe(text: &str, newlines_ok: bool) -> Result<(), TestCaseError> {
    for c in text.chars() {
        prop_assert!(!needs_escape(c, newlines_ok), "{c:?} survived in {text:?}");
        prop_assert!(
            !c.is_control() || c == '\t' || (c == '\n' && newlines_ok),
            "{c:?} survived"
        );
    }
    Ok(())
}

/// 512 cases by default; `PROPTEST_CASES` asks for more (a longer hunt).
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(512)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn never_panics_never_leaves_a_control_char_and_is_idempotent(text in hostile()) {
        let s = Sanitizer::default();
        let (once, _) = s.sanitize_text(&text);
        assert_safe(&once, false)?;
        let (twice, rep) = s.sanitize_text(&once);
        prop_assert_eq!(&twice, &once);
        prop_assert_eq!(rep.redactions + rep.neutralized, 0);
    }

    #[test]
    fn arbitrary_bytes_are_safe(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let text = String::from_utf8_lossy(&bytes);
        let (out, _) = Sanitizer::default().sanitize_text(&text);
        assert_safe(&out, false)?;
    }

    /// Text that cannot form a secret or an escape comes back byte for byte:
    /// the sanitizer never grows (or otherwise touches) a clean line.
    #[test]
    fn clean_text_is_unchanged(text in "[a-z0-9 .,()/µé中ß✓-]{0,200}") {
        let (out, rep) = Sanitizer::default().sanitize_text(&text);
        prop_assert_eq!(rep.redactions + rep.neutralized, 0);
        prop_assert_eq!(out, text);
    }

    /// Whatever the report says, it is what happened: no redaction and no
    /// escape means the text is unchanged.
    #[test]
    fn an_empty_report_means_no_change(text in hostile()) {
        let (out, rep) = Sanitizer::default().sanitize_text(&text);
        if rep.redactions == 0 && rep.neutralized == 0 {
            prop_assert_eq!(out, text);
        }
    }

    #[test]
    fn events_keep_newlines_only_where_they_are_structure(text in hostile(), multiline in any::<bool>()) {
        let mut ev = Event::new(EventId::derive("p", 0, text.as_bytes()), Timestamp::UNIX_EPOCH, "text", "text", text.clone());
        ev.message = text.clone();
        ev.label(text.clone(), text.clone());
        ev.set_dynamic(format!("mlx.{text}"), text.clone());
        if multiline {
            ev.add_tag(tags::MULTILINE);
        }
        Sanitizer::default().apply(&mut ev);
        assert_safe(&ev.message, multiline)?;
        assert_safe(&ev.original, multiline)?;
        for (k, v) in &ev.labels {
            assert_safe(k, false)?;
            assert_safe(v, false)?;
        }
        for (k, v) in &ev.fields {
            assert_safe(k, false)?;
            if let Some(v) = v.as_str() {
                assert_safe(v, false)?;
            }
        }
        let json = ev.to_json();
        prop_assert!(!json.contains('\n'));
        // Sanitizing a sanitized event changes nothing.
        prop_assert_eq!(Sanitizer::default().apply(&mut ev), Default::default());
        prop_assert_eq!(ev.to_json(), json);
    }
}
