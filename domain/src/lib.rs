//! Xinyong's pure domain core: identifiers, the platform's legal time zone,
//! the working-day calendar and the rule set. No I/O, no clock reads (the
//! current instant or date is always a parameter), no database: everything
//! here is a function of its inputs, so it is tested by unit and property
//! tests and reused unchanged by the API, the jobs and the CLI.

/// USCC (GB 32100) and citizen ID number (GB 11643): parsing, check
/// characters, masking.
pub mod identifier;

/// Asia/Shanghai (fixed UTC+8): local dates and the instants that bound them.
pub mod time;

/// The working-day calendar loaded from the State Council's annual notices,
/// and the counting of working-day, calendar-day, month and year periods.
pub mod calendar;

/// The rule set: every deadline and period the platform enforces, as
/// versioned data with its legal source.
pub mod rules;

/// The disclosure engine: publication windows and who sees which record
/// (docs/disclosure.md).
pub mod disclosure;

/// Consent (查询授权): the state machine, computed expiry and exhaustion,
/// and the canonical JSON receipts are signed in (docs/consent.md).
pub mod consent;

/// Objections, credit repair and their clocks: reasons, evidence typing,
/// working-day countdowns, repair eligibility, the commitment letter.
pub mod cases;
