//! The confidential counsellor (VPO, DOMAIN.md section 8): the facts of a case as statistics
//! keep them, the anonymous annual report with its small-count rule, and when notes are destroyed.
//!
//! Nothing here sees a note, a name or a date finer than a quarter: the case register's
//! confidential parts live encrypted in storage, and the report is computed from these facts.

pub mod case;
pub mod redaction;
pub mod report;
pub mod retention;
pub mod suppression;

pub use case::{Action, Behaviour, CaseFacts, CaseStatus, Channel, Quarter, Source};

/// An enum with wire names: `ALL`, `as_str` and `parse`, and serde by the same names.
macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $wire:literal,)+ }) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
            serde::Serialize, serde::Deserialize, utoipa::ToSchema,
        )]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $wire)] $variant,)+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $wire,)+
                }
            }

            pub fn parse(text: &str) -> Option<$name> {
                $name::ALL.iter().copied().find(|v| v.as_str() == text)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use wire_enum;
