//! Prints, redacted, every line of standard input that the sanitizer would
//! redact: a quick review for over-redaction on a new corpus.
//!
//! `cargo run --release -p sightline-sanitize --example scan < some.log`

use std::io::BufRead;

fn main() {
    let s = sightline_sanitize::Sanitizer::default();
    let (mut lines, mut hits) = (0u64, 0u64);
    for line in std::io::stdin().lock().lines().map_while(Result::ok) {
        lines += 1;
        let (out, rep) = s.sanitize_text(&line);
        if rep.redactions > 0 {
            hits += 1;
            println!("{out}");
        }
    }
    eprintln!("{hits} of {lines} lines redacted");
}
