//! Records to events: the receivers' records decoded as files are.

use sightline_decode::{Event, StreamInfo};
use sightline_parse::Pipeline;
use sightline_receive::Inbound;

/// Decodes records, grouping consecutive records of one stream so multi-line
/// records (tracebacks) assemble as they do when reading files. Records the
/// sender framed as whole events are decoded alone, and completed with what
/// the sender sent besides the line ([`crate::structured`]).
pub fn decode(decoder: &Pipeline, records: Vec<Inbound>) -> Vec<Event> {
    let mut events = Vec::with_capacity(records.len());
    let mut i = 0;
    while i < records.len() {
        let first = &records[i];
        let mut j = i + 1;
        while j < records.len() && !first.whole && same_stream(first, &records[j]) {
            j += 1;
        }
        let group = &records[i..j];
        let mut text = String::new();
        for r in group {
            // One record is one line: inner line breaks would split it.
            text.push_str(&r.line.replace(['\n', '\r'], " "));
            text.push('\n');
        }
        let stream = StreamInfo {
            name: first.stream.clone(),
            path: first.path.as_ref().map(Into::into),
            host: first.host.clone(),
            // The time the sender claims dates untimed lines as well as a
            // file's layout would.
            untimed_base: first.time,
            modified: None,
            start_offset: first.offset,
        };
        let reader = std::io::Cursor::new(text.into_bytes());
        let mut produced = Vec::new();
        let mut push = |mut ev: Event| {
            for (k, v) in &first.attributes {
                ev.labels.entry(k.clone()).or_insert_with(|| v.clone());
            }
            if let Some(h) = &first.host
                && ev.get(sightline_event::field::HOST_NAME).is_none()
            {
                ev.set(sightline_event::field::HOST_NAME, h.as_str());
            }
            produced.push(ev);
        };
        let hinted = first
            .source_hint
            .as_deref()
            .and_then(|h| decoder.registry().get(h));
        // Reading from memory cannot fail.
        let _ = match hinted {
            Some(source) => decoder.read_with(source, stream, reader, &mut push),
            None => decoder.read(stream, reader, &mut push),
        };
        crate::structured::complete(decoder, first, &mut produced, group.len() == 1);
        events.append(&mut produced);
        i = j;
    }
    events
}

fn same_stream(a: &Inbound, b: &Inbound) -> bool {
    !b.whole
        && a.stream == b.stream
        && a.source_hint == b.source_hint
        && a.host == b.host
        && a.path == b.path
        && a.attributes == b.attributes
}

#[cfg(test)]
mod tests {
    use super::*;
    use sightline_parse::{PipelineConfig, SourceChoice};
    use std::sync::Arc;

    fn record(line: &str, whole: bool) -> Inbound {
        Inbound {
            stream: "hec:test".into(),
            line: line.into(),
            source_hint: Some("milvus".into()),
            whole,
            ..Inbound::default()
        }
    }

    fn decoder() -> Pipeline {
        Pipeline::with_config(SourceChoice::Auto, Arc::new(PipelineConfig::default()))
    }

    const FIRST: &str =
        r#"[2026/03/09 10:08:14.713 +00:00] [ERROR] [proxy/impl.go:10] ["search failed"]"#;
    const SECOND: &str = "goroutine 12 [running]:";

    #[test]
    fn line_records_of_one_stream_assemble_like_a_file() {
        let events = decode(
            &decoder(),
            vec![record(FIRST, false), record(SECOND, false)],
        );
        assert_eq!(events.len(), 1, "{events:?}");
        assert!(events[0].original.contains(SECOND));
    }

    #[test]
    fn whole_records_are_never_joined_with_their_neighbours() {
        let events = decode(&decoder(), vec![record(FIRST, true), record(SECOND, true)]);
        assert_eq!(events.len(), 2, "{events:?}");
        assert!(!events[0].original.contains(SECOND));
        assert_eq!(events[1].original, SECOND);
    }
}
