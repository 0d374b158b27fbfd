//! The audit log: every change that staff make to an organisation's data (rounds, invitations,
//! plan, shares, members, settings), who made it and when, as a hash chain (`domain::chain`)
//! that an organisation's admins can read and check. The confidential counsellor's case work is
//! never in it: that goes to the VPO access log alone.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::domain::chain::Link;

/// The chain of the instance owner's actions (organisations and their first admins), beside one
/// chain per organisation.
pub const INSTANCE_SCOPE: &str = "instance";

/// Who acted when no account did.
pub mod actors {
    /// A command of the `psa` command line, run by whoever runs the server.
    pub const COMMAND_LINE: &str = "psa (command line)";
    /// The schedule: rounds opening and closing at their dates.
    pub const SCHEDULE: &str = "psa (schedule)";
}

/// One entry: when (RFC 3339, as stored), who (an account's e-mail address or one of `actors`),
/// which action (`open_round`), on what (the route and the ids in its path), which fields were
/// sent (names only: their values may be personal data), and the answer's status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AuditEntry {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub detail: String,
    pub outcome: String,
}

impl Link for AuditEntry {
    fn parts(&self) -> Vec<&str> {
        vec![
            &self.at,
            &self.actor,
            &self.action,
            &self.target,
            &self.detail,
            &self.outcome,
        ]
    }
}

/// The fields a request sent, named and never valued: sorted, each once, without the form's
/// CSRF token.
pub fn sent_fields<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    let names: BTreeSet<&str> = names
        .into_iter()
        .map(str::trim)
        .filter(|n| !n.is_empty() && *n != "csrf")
        .collect();
    names.into_iter().collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::chain::{GENESIS, link, verify};

    fn entry(action: &str) -> AuditEntry {
        AuditEntry {
            at: "2026-12-01T10:00:00Z".into(),
            actor: "hr@example.nl".into(),
            action: action.into(),
            target: "POST /api/v1/rounds/{id}/open id=r1".into(),
            detail: String::new(),
            outcome: "200".into(),
        }
    }

    #[test]
    fn sent_fields_are_names_only_sorted_once_and_without_the_csrf_token() {
        assert_eq!(
            sent_fields(["status", "csrf", "owner", "status", " "]),
            "owner, status"
        );
        assert_eq!(sent_fields([]), "");
    }

    #[test]
    fn an_entry_edited_afterwards_no_longer_follows_from_the_chain() {
        let entries = [entry("open_round"), entry("close_round")];
        let first = link(GENESIS, &entries[0]);
        let second = link(&first, &entries[1]);
        assert_eq!(
            verify([
                (&entries[0], first.as_str()),
                (&entries[1], second.as_str())
            ]),
            Ok(second.clone())
        );
        let mut edited = entries[0].clone();
        edited.actor = "someone-else@example.nl".into();
        assert_eq!(
            verify([(&edited, first.as_str()), (&entries[1], second.as_str())]),
            Err(0)
        );
    }
}
