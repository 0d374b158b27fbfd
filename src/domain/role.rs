//! Roles a user holds in one organisation.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What a member may do in an organisation. The instance owner is not a role: it is held by the
/// account for the whole instance and grants no access to any organisation's data.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The organisation's settings and memberships.
    Admin,
    /// Human resources: units, survey rounds, results, the plan of action.
    Hr,
    /// Confidential counsellor (vertrouwenspersoon): the case register.
    Vpo,
    /// Labour inspector or reviewing expert: read-only exports.
    Inspector,
    /// Works council (OR/PVT): reads results and the plan.
    Council,
    /// Prevention officer (preventiemedewerker): incidents and the plan.
    Prevention,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Admin,
        Role::Hr,
        Role::Vpo,
        Role::Inspector,
        Role::Council,
        Role::Prevention,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Hr => "hr",
            Role::Vpo => "vpo",
            Role::Inspector => "inspector",
            Role::Council => "council",
            Role::Prevention => "prevention",
        }
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role {0:?}: use one of admin, hr, vpo, inspector, council, prevention")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|role| role.as_str() == s.trim())
            .ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

/// A set of roles, as held by one member or as allowed on one route.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct RoleSet(u8);

impl RoleSet {
    pub const EMPTY: RoleSet = RoleSet(0);

    pub const fn of(roles: &[Role]) -> RoleSet {
        let mut bits = 0;
        let mut i = 0;
        while i < roles.len() {
            bits |= 1 << (roles[i] as u8);
            i += 1;
        }
        RoleSet(bits)
    }

    pub fn insert(&mut self, role: Role) {
        self.0 |= role.bit();
    }

    pub fn contains(self, role: Role) -> bool {
        self.0 & role.bit() != 0
    }

    pub fn intersects(self, other: RoleSet) -> bool {
        self.0 & other.0 != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = Role> {
        Role::ALL
            .into_iter()
            .filter(move |role| self.contains(*role))
    }
}

impl FromIterator<Role> for RoleSet {
    fn from_iter<I: IntoIterator<Item = Role>>(iter: I) -> Self {
        let mut set = RoleSet::EMPTY;
        for role in iter {
            set.insert(role);
        }
        set
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_through_their_names() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
        assert!("owner".parse::<Role>().is_err());
        assert!("HR".parse::<Role>().is_err());
    }

    #[test]
    fn a_role_set_holds_exactly_what_was_put_in() {
        let set = RoleSet::of(&[Role::Hr, Role::Council]);
        assert!(set.contains(Role::Hr) && set.contains(Role::Council));
        assert!(!set.contains(Role::Admin));
        assert_eq!(
            set.iter().collect::<Vec<_>>(),
            vec![Role::Hr, Role::Council]
        );
        assert!(set.intersects(RoleSet::of(&[Role::Council])));
        assert!(!set.intersects(RoleSet::of(&[Role::Vpo, Role::Admin])));
        assert!(RoleSet::EMPTY.is_empty());
    }
}
