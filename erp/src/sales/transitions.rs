//! Which document kinds exist, their states, and the one table of moves
//! between states (Tryton's `_transitions`, as a match).

use serde::{Deserialize, Serialize};
use std::str::FromStr;

use crate::{Error, ErrorKind, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Quote,
    Order,
    Invoice,
    CreditNote,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Being written; the only state whose lines change.
    Draft,
    /// An order the customer confirmed; invoiced in one or more invoices.
    Confirmed,
    /// A quote turned into an order, an order fully invoiced.
    Done,
    /// An invoice or credit note with its fiscal number and ledger entry. Final.
    Posted,
    /// Abandoned before it counted. Final.
    Cancelled,
}

/// What a user does to a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    /// Quote → order (the quote becomes done).
    Accept,
    /// Order draft → confirmed.
    Confirm,
    /// Invoice or credit note draft → posted.
    Post,
    Cancel,
    /// The last invoice of an order was posted.
    Complete,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Quote => "quote",
            Kind::Order => "order",
            Kind::Invoice => "invoice",
            Kind::CreditNote => "credit_note",
        }
    }
    /// Whether posting draws a fiscal number and writes a ledger entry.
    pub fn is_fiscal(self) -> bool {
        matches!(self, Kind::Invoice | Kind::CreditNote)
    }
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Confirmed => "confirmed",
            Status::Done => "done",
            Status::Posted => "posted",
            Status::Cancelled => "cancelled",
        }
    }
}

macro_rules! from_str_by_name {
    ($t:ty, $all:expr, $code:literal) => {
        impl FromStr for $t {
            type Err = Error;
            fn from_str(s: &str) -> Result<Self> {
                $all.into_iter().find(|v| v.as_str() == s).ok_or_else(|| {
                    Error::validation($code, "/kind", format!("unknown value {s:?}"))
                })
            }
        }
    };
}
from_str_by_name!(
    Kind,
    [Kind::Quote, Kind::Order, Kind::Invoice, Kind::CreditNote],
    "invalid_kind"
);
from_str_by_name!(
    Status,
    [
        Status::Draft,
        Status::Confirmed,
        Status::Done,
        Status::Posted,
        Status::Cancelled
    ],
    "invalid_status"
);

/// The state `mv` leads to from `status`, or None when the move does not
/// exist for this kind in this state.
pub fn next(kind: Kind, status: Status, mv: Move) -> Option<Status> {
    use Kind::*;
    use Move::*;
    use Status::*;
    match (kind, status, mv) {
        (Quote, Draft, Accept) => Some(Done),
        (Order, Draft, Confirm) => Some(Confirmed),
        (Order, Confirmed, Complete) => Some(Done),
        (Invoice | CreditNote, Draft, Post) => Some(Posted),
        (_, Draft, Cancel) => Some(Cancelled),
        // An order nothing was invoiced from may still be cancelled.
        (Order, Confirmed, Cancel) => Some(Cancelled),
        _ => None,
    }
}

/// `next`, or the refusal a user sees ("an invoice that is posted cannot be cancelled").
pub fn require(kind: Kind, status: Status, mv: Move) -> Result<Status> {
    next(kind, status, mv).ok_or_else(|| {
        Error::new(
            ErrorKind::Conflict,
            "invalid_transition",
            format!(
                "a {} that is {} cannot be {}",
                kind.as_str(),
                status.as_str(),
                match mv {
                    Move::Accept => "accepted",
                    Move::Confirm => "confirmed",
                    Move::Post => "posted",
                    Move::Cancel => "cancelled",
                    Move::Complete => "completed",
                }
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn posted_and_cancelled_documents_go_nowhere() {
        for kind in [Kind::Quote, Kind::Order, Kind::Invoice, Kind::CreditNote] {
            for mv in [
                Move::Accept,
                Move::Confirm,
                Move::Post,
                Move::Cancel,
                Move::Complete,
            ] {
                assert_eq!(next(kind, Status::Posted, mv), None);
                assert_eq!(next(kind, Status::Cancelled, mv), None);
            }
        }
    }

    #[test]
    fn only_fiscal_documents_are_posted() {
        assert_eq!(
            next(Kind::Invoice, Status::Draft, Move::Post),
            Some(Status::Posted)
        );
        assert_eq!(
            next(Kind::CreditNote, Status::Draft, Move::Post),
            Some(Status::Posted)
        );
        assert_eq!(next(Kind::Order, Status::Draft, Move::Post), None);
        assert_eq!(next(Kind::Quote, Status::Draft, Move::Post), None);
        assert!(Kind::Invoice.is_fiscal() && !Kind::Order.is_fiscal());
    }

    #[test]
    fn an_order_is_confirmed_then_completed() {
        assert_eq!(
            next(Kind::Order, Status::Draft, Move::Confirm),
            Some(Status::Confirmed)
        );
        assert_eq!(
            next(Kind::Order, Status::Confirmed, Move::Complete),
            Some(Status::Done)
        );
        assert_eq!(next(Kind::Order, Status::Done, Move::Cancel), None);
        assert_eq!(
            require(Kind::Invoice, Status::Posted, Move::Cancel).map_err(|e| e.code),
            Err("invalid_transition")
        );
    }
}
