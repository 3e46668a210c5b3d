use std::collections::BTreeMap;
use std::ops::AddAssign;

/// What reading one stream (or several, summed) produced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StreamStats {
    /// Physical lines read.
    pub lines: u64,
    /// Bytes read.
    pub bytes: u64,
    /// Events produced.
    pub events: u64,
    /// Lines those events span (equals `lines` unless something was lost,
    /// which the tests prove never happens).
    pub lines_in_events: u64,
    /// Events tagged `parse_failure`.
    pub parse_failures: u64,
    /// Events from the text fallback.
    pub fallback: u64,
    /// Secrets redacted.
    pub redactions: u64,
    /// Events whose control characters were neutralized.
    pub neutralized: u64,
    /// Events that hit an indicator list (tagged `indicator_match`).
    pub indicator_matches: u64,
    /// Events dated beyond the future tolerance (tagged `timestamp_future`).
    pub future: u64,
    /// Events per dataset.
    pub datasets: BTreeMap<String, u64>,
}

impl StreamStats {
    /// Share of events decoded into their real dataset (neither text fallback nor parse failure).
    pub fn decoded_ratio(&self) -> f64 {
        if self.events == 0 {
            return 1.0;
        }
        (self.events - self.parse_failures.min(self.events) - self.fallback.min(self.events)) as f64
            / self.events as f64
    }
}

impl AddAssign<&StreamStats> for StreamStats {
    fn add_assign(&mut self, o: &StreamStats) {
        self.lines += o.lines;
        self.bytes += o.bytes;
        self.events += o.events;
        self.lines_in_events += o.lines_in_events;
        self.parse_failures += o.parse_failures;
        self.fallback += o.fallback;
        self.redactions += o.redactions;
        self.neutralized += o.neutralized;
        self.indicator_matches += o.indicator_matches;
        self.future += o.future;
        for (k, v) in &o.datasets {
            *self.datasets.entry(k.clone()).or_default() += v;
        }
    }
}
