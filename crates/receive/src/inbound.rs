use crate::attrs::Attrs;
use crate::limits::{MAX_LINE_BYTES, TRUNCATED};
use serde_json::{Map, Value};

/// One log record as received, before decoding.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Inbound {
    /// Stable identity of the stream this record belongs to, used in event ids
    /// (so a retried batch yields the same ids): e.g. "hec:<batch-hash>" or an
    /// agent-supplied file path.
    pub stream: String,
    /// Byte offset of this record within its stream (agent: file offset; batch
    /// formats: offset of the record in the request body).
    pub offset: u64,
    /// The text to decode (a log line, or a JSON object serialized as one line
    /// when the record is structured).
    pub line: String,
    /// Decoder to use if the sender said (e.g. HEC `sourcetype`, OTLP
    /// `service.name` mapped by the server, agent `source`); None = auto-detect.
    pub source_hint: Option<String>,
    pub host: Option<String>,
    /// File path the record came from, when the sender says.
    pub path: Option<String>,
    /// Time the sender claims (HEC `time`, OTLP timeUnixNano, ES `@timestamp`),
    /// used only when the decoded line has none.
    pub time: Option<jiff::Timestamp>,
    /// Extra key/values from the protocol (OTLP attributes, HEC `fields`; syslog
    /// structured data is NOT here — syslog lines are passed whole to the
    /// syslog decoder) → become `labels.*` on the event.
    pub attributes: Vec<(String, String)>,
    /// The sender's structured fields under their ECS names (an
    /// Elasticsearch document without its message, HEC `fields`, OTLP
    /// attributes with semantic-convention names translated): mapped onto
    /// the event's typed fields that decoding the line left unset; the
    /// names the schema does not know become labels.
    pub fields: Option<Map<String, Value>>,
    /// `event.module` for an event no decoder claims (the line read as plain
    /// text): the sender's `event.module`, else the receiver's name.
    pub module: Option<String>,
    /// `event.dataset` for such an event: the sender's `event.dataset`, else
    /// the receiver's (`elasticsearch.bulk`, `hec.<sourcetype>`, `otlp.<service>`).
    pub dataset: Option<String>,
    /// An identity the sender gave the record (Elasticsearch `_index` and
    /// `_id`). When set, the event id derives from it alone, so the record
    /// gets the same id however the sender composes its requests.
    pub id_key: Option<String>,
    /// The sender framed this record as one complete event (a HEC event, a
    /// bulk document, an OTLP log record): decode it alone, never join it
    /// with its neighbours by multi-line assembly. Line-based streams (agent
    /// file lines, HEC raw) leave it false so tracebacks assemble.
    pub whole: bool,
}

impl Inbound {
    /// A record with just its identity and line; the line is cut to
    /// [`MAX_LINE_BYTES`] (flagged `truncated=true`).
    pub(crate) fn new(stream: &str, offset: u64, line: String, attrs: &mut Attrs) -> Inbound {
        let (line, cut) = cap_line(line);
        if cut {
            attrs.push(TRUNCATED, "true");
        }
        Inbound {
            stream: stream.to_owned(),
            offset,
            line,
            ..Inbound::default()
        }
    }

    /// [`Inbound::new`] for a record that is a complete event on its own.
    pub(crate) fn whole(stream: &str, offset: u64, line: String, attrs: &mut Attrs) -> Inbound {
        Inbound {
            whole: true,
            ..Inbound::new(stream, offset, line, attrs)
        }
    }

    /// The value of the first attribute named `key`.
    pub fn attribute(&self, key: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// Cuts `line` to [`MAX_LINE_BYTES`] at a character boundary.
pub(crate) fn cap_line(mut line: String) -> (String, bool) {
    if line.len() <= MAX_LINE_BYTES {
        return (line, false);
    }
    let cut = line.floor_char_boundary(MAX_LINE_BYTES);
    line.truncate(cut);
    (line, true)
}
