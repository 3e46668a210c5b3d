//! The event's own JSON writer gives exactly the bytes of its `Serialize`
//! implementation through serde_json, on random events (every kind of
//! value, control characters, quotes, any Unicode, odd field names).

use proptest::prelude::*;
use sightline_event::{Event, EventId, Outcome, Timestamp, Value};
use std::borrow::Cow;

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[ -~]{0,40}",
        "\\PC{0,20}",
        any::<String>(),
        "[\"\\\\\u{0}-\u{1f}\u{7f}a]{0,20}",
    ]
}

fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::Int),
        any::<f64>().prop_map(Value::Float),
        prop_oneof![Just(0.5), Just(1e16), Just(-0.0), Just(f64::NAN), Just(3.0)]
            .prop_map(Value::Float),
        text().prop_map(Value::Str),
        proptest::collection::vec(text(), 0..4).prop_map(Value::List),
    ]
}

prop_compose! {
    fn event()(
        secs in -377_705_023_201i64..253_402_207_200,
        nanos in prop_oneof![Just(0u32), 0u32..1_000_000_000, Just(151_000_000)],
        offset in any::<u64>(),
        module in text(),
        dataset in text(),
        kind in prop::option::of(text()),
        category in proptest::collection::vec(text(), 0..3),
        event_type in proptest::collection::vec(text(), 0..3),
        action in prop::option::of(text()),
        outcome in 0u8..3,
        level in prop::option::of(text()),
        message in text(),
        original in text(),
        fields in proptest::collection::btree_map(text(), value(), 0..6),
        labels in proptest::collection::btree_map(text(), text(), 0..4),
        tags in proptest::collection::vec(text(), 0..4),
    ) -> Event {
        let ts = Timestamp::new(secs, i32::try_from(nanos).unwrap_or(0)).unwrap_or(Timestamp::UNIX_EPOCH);
        let mut ev = Event::new(EventId::derive("s", offset, original.as_bytes()), ts, module, dataset, original);
        if let Some(k) = kind {
            ev.kind = Cow::Owned(k);
        }
        ev.category = category;
        ev.event_type = event_type;
        ev.action = action;
        ev.outcome = [Outcome::Success, Outcome::Failure, Outcome::Unknown][usize::from(outcome)];
        ev.level = level;
        ev.message = message;
        ev.fields = fields.into_iter().map(|(k, v)| (Cow::Owned(k), v)).collect();
        ev.labels = labels;
        ev.tags = tags;
        ev
    }
}

proptest! {
    #[test]
    fn write_json_is_serde_json(ev in event()) {
        let expected = serde_json::to_string(&ev).unwrap();
        let mut out = Vec::new();
        ev.write_json(&mut out);
        prop_assert_eq!(String::from_utf8(out).unwrap(), expected.clone());
        prop_assert_eq!(ev.to_json(), expected);
    }
}
