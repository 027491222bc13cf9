//! The SMTP replies a bounce records, as receiving servers word them.

use super::outcome::{BounceType, EventData};
use super::seed::SimRng;

/// One rejection reply: (SMTP code, enhanced status code, diagnostic text).
type Reply = (u16, &'static str, &'static str);

/// Permanent failures, most often an address that does not exist.
const HARD: [Reply; 5] = [
    (
        550,
        "5.1.1",
        "The email account that you tried to reach does not exist.",
    ),
    (
        550,
        "5.1.1",
        "Recipient address rejected: User unknown in virtual mailbox table",
    ),
    (
        550,
        "5.1.10",
        "RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup",
    ),
    (553, "5.1.2", "The recipient domain does not exist"),
    (
        550,
        "5.2.1",
        "The email account that you tried to reach is disabled.",
    ),
];

/// Temporary failures the sender gave up retrying.
const SOFT: [Reply; 4] = [
    (
        452,
        "4.2.2",
        "The email account that you tried to reach is over quota.",
    ),
    (421, "4.7.0", "Try again later, closing connection."),
    (
        451,
        "4.3.0",
        "Temporary server error. Please try again later.",
    ),
    (552, "5.2.2", "Mailbox full"),
];

/// A bounce's data, its reply drawn among the type's.
pub(crate) fn bounce_data(rng: &mut SimRng, bounce_type: BounceType) -> EventData {
    let replies: &[Reply] = match bounce_type {
        BounceType::Hard => &HARD,
        BounceType::Soft => &SOFT,
    };
    let &(smtp_code, enhanced_code, diagnostic) = rng.pick(replies);
    EventData::Bounce {
        bounce_type,
        smtp_code,
        enhanced_code,
        diagnostic,
    }
}
