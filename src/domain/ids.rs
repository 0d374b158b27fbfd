//! Identifiers of stored things. They are opaque random strings made outside the core.

use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn new(id: impl Into<String>) -> Self {
                $name(id.into())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_inner(self) -> String {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

id_type!(
    /// An organisation (employer); every organisation-owned row carries one.
    OrganisationId
);
id_type!(
    /// A staff account.
    UserId
);
id_type!(
    /// An API bearer token (not the secret itself).
    TokenId
);
id_type!(
    /// An organisation unit.
    UnitId
);
id_type!(
    /// A confidential counsellor's profile.
    CounsellorId
);
