//! The routing sink: alert changes in, due notifications out on each tick.

use super::Acting;
use crate::pipeline::{Sink, SinkItem};
use std::sync::Arc;

pub struct RoutingSink {
    acting: Arc<Acting>,
}

impl RoutingSink {
    pub fn new(acting: Arc<Acting>) -> RoutingSink {
        RoutingSink { acting }
    }
}

impl Sink for RoutingSink {
    fn name(&self) -> String {
        "routing".into()
    }

    fn accept(&mut self, item: &SinkItem) {
        if let SinkItem::Alerts(changes) = item {
            let now = jiff::Timestamp::now();
            self.acting.observe_changes(changes, now);
            // A new alert's group may be due at once (group_wait 0s).
            self.acting.flush(now);
        }
    }

    fn tick(&mut self) {
        self.acting.flush(jiff::Timestamp::now());
    }
}
