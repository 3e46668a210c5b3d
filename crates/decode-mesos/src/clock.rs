//! The year of glog records, which carry only month and day.
//!
//! A stream starts from the best year it knows: the file header
//! (`Log file created at: 2026/11/20 06:00:00`), the date in the file name,
//! the configured year, or the year of the file's modification time (or of
//! now). The first three are the year of the *first* record; the last two are
//! the year of the *last* one, so a first record dated after that reference
//! belongs to the year before. From there the clock follows the records: a
//! month that jumps back by half a year or more is a new year (December →
//! January), and a record that jumps forward by as much is a straggler of the
//! old year (threads flush slightly out of order around midnight).

/// Tracks the year across the records of one stream.
#[derive(Debug, Clone)]
pub struct YearClock {
    year: i16,
    /// When `year` is the year of a reference time at or after the records
    /// (modification time, now): that time's month and day.
    ceiling: Option<(i8, i8)>,
    last_month: Option<i8>,
}

impl YearClock {
    /// The year of the first record is known.
    pub fn starting(year: i16) -> Self {
        YearClock {
            year,
            ceiling: None,
            last_month: None,
        }
    }

    /// The stream was created on this date (glog file name or header): no
    /// record is older, so a later month-day before it is in the next year.
    pub fn created(year: i16, month: i8) -> Self {
        YearClock {
            year,
            ceiling: None,
            last_month: Some(month),
        }
    }

    /// Only a time at or after the records is known (file modification, now).
    pub fn ending(year: i16, month: i8, day: i8) -> Self {
        YearClock {
            year,
            ceiling: Some((month, day)),
            last_month: None,
        }
    }

    /// A file header gave the exact date: restart from it.
    pub fn restart(&mut self, year: i16, month: i8) {
        self.year = year;
        self.ceiling = None;
        self.last_month = Some(month);
    }

    /// The year of a record dated `month`/`day`, advancing the clock.
    pub fn year_for(&mut self, month: i8, day: i8) -> i16 {
        if let Some(ceiling) = self.ceiling.take()
            && (month, day) > ceiling
        {
            self.year -= 1;
        }
        match self.last_month {
            Some(last) if last - month >= 6 => {
                self.year += 1;
                self.last_month = Some(month);
                self.year
            }
            Some(last) if month - last >= 6 => self.year - 1,
            _ => {
                self.last_month = Some(month);
                self.year
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn december_to_january_rolls_over_once() {
        let mut c = YearClock::starting(2026);
        assert_eq!(c.year_for(12, 31), 2026);
        assert_eq!(c.year_for(1, 1), 2027);
        // A straggler written just before midnight, flushed after.
        assert_eq!(c.year_for(12, 31), 2026);
        assert_eq!(c.year_for(1, 1), 2027);
        assert_eq!(c.year_for(2, 1), 2027);
    }

    #[test]
    fn a_modification_time_bounds_the_year_from_above() {
        // File last written on 2027-01-02; its first records are from December.
        let mut c = YearClock::ending(2027, 1, 2);
        assert_eq!(c.year_for(12, 30), 2026);
        assert_eq!(c.year_for(1, 2), 2027);
        let mut c = YearClock::ending(2026, 11, 22);
        assert_eq!(c.year_for(11, 20), 2026);
    }

    #[test]
    fn creation_date_starts_the_clock() {
        let mut c = YearClock::created(2026, 11);
        assert_eq!(c.year_for(11, 30), 2026);
        let mut c = YearClock::created(2026, 11);
        assert_eq!(c.year_for(3, 15), 2027);
    }

    #[test]
    fn header_restarts() {
        let mut c = YearClock::ending(2030, 1, 1);
        c.restart(2026, 12);
        assert_eq!(c.year_for(12, 31), 2026);
        assert_eq!(c.year_for(1, 1), 2027);
    }
}
