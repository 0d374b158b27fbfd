//! Counsellor profiles and their photos. Every function takes the organisation and touches only
//! its rows; a listing never loads the photos.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::counsellors;
use super::{DbConnection, DbError, now};
use crate::domain::counsellor::{
    Availability, Counsellor, CounsellorError, CounsellorName, CounsellorProfile, Languages,
    PhoneNumber, Photo, PhotoType, parse_email,
};
use crate::domain::{CounsellorId, OrganisationId};
use crate::secret::new_id;

#[derive(Queryable, Selectable)]
#[diesel(table_name = counsellors)]
struct CounsellorRow {
    id: String,
    name: String,
    kind: String,
    gender: Option<String>,
    languages: String,
    phone: Option<String>,
    email: Option<String>,
    availability: Option<String>,
    photo_type: Option<String>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

fn corrupt(err: CounsellorError) -> DbError {
    DbError::Query(diesel::result::Error::DeserializationError(Box::new(err)))
}

impl CounsellorRow {
    fn into_domain(self) -> Result<Counsellor, DbError> {
        let profile = CounsellorProfile {
            name: CounsellorName::parse(&self.name).map_err(corrupt)?,
            kind: self.kind.parse().map_err(corrupt)?,
            gender: self
                .gender
                .map(|g| g.parse())
                .transpose()
                .map_err(corrupt)?,
            languages: Languages::from_stored(&self.languages).map_err(corrupt)?,
            phone: self
                .phone
                .as_deref()
                .map(PhoneNumber::parse)
                .transpose()
                .map_err(corrupt)?,
            email: self
                .email
                .as_deref()
                .map(parse_email)
                .transpose()
                .map_err(corrupt)?,
            availability: self
                .availability
                .as_deref()
                .map(Availability::parse)
                .transpose()
                .map_err(corrupt)?,
        };
        Ok(Counsellor {
            id: CounsellorId::new(self.id),
            profile,
            photo: self
                .photo_type
                .as_deref()
                .and_then(PhotoType::from_content_type),
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// The profile's columns, as stored.
type ProfileColumns<'a> = (
    diesel::dsl::Eq<counsellors::name, &'a str>,
    diesel::dsl::Eq<counsellors::kind, &'static str>,
    diesel::dsl::Eq<counsellors::gender, Option<&'static str>>,
    diesel::dsl::Eq<counsellors::languages, String>,
    diesel::dsl::Eq<counsellors::phone, Option<&'a str>>,
    diesel::dsl::Eq<counsellors::email, Option<&'a str>>,
    diesel::dsl::Eq<counsellors::availability, Option<&'a str>>,
);

fn columns(profile: &CounsellorProfile) -> ProfileColumns<'_> {
    (
        counsellors::name.eq(profile.name.as_str()),
        counsellors::kind.eq(profile.kind.as_str()),
        counsellors::gender.eq(profile.gender.map(|g| g.as_str())),
        counsellors::languages.eq(profile.languages.to_stored()),
        counsellors::phone.eq(profile.phone.as_ref().map(PhoneNumber::as_str)),
        counsellors::email.eq(profile.email.as_ref().map(|e| e.as_str())),
        counsellors::availability.eq(profile.availability.as_ref().map(Availability::as_str)),
    )
}

macro_rules! of_organisation {
    ($organisation:expr) => {
        counsellors::table.filter(counsellors::organisation_id.eq($organisation.as_str()))
    };
}

/// The organisation's counsellors by name.
pub fn list(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
) -> Result<Vec<Counsellor>, DbError> {
    of_organisation!(organisation)
        .order((counsellors::name.asc(), counsellors::id.asc()))
        .select(CounsellorRow::as_select())
        .load(conn)?
        .into_iter()
        .map(CounsellorRow::into_domain)
        .collect()
}

/// How many counsellors the organisation has registered.
pub fn count(conn: &mut DbConnection, organisation: &OrganisationId) -> Result<u64, DbError> {
    let count: i64 = of_organisation!(organisation).count().get_result(conn)?;
    Ok(u64::try_from(count).unwrap_or_default())
}

pub fn get(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
    id: &CounsellorId,
) -> Result<Option<Counsellor>, DbError> {
    of_organisation!(organisation)
        .filter(counsellors::id.eq(id.as_str()))
        .select(CounsellorRow::as_select())
        .get_result(conn)
        .optional()?
        .map(CounsellorRow::into_domain)
        .transpose()
}

/// Registers a counsellor; the stored counsellor.
pub fn create(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
    profile: &CounsellorProfile,
) -> Result<Counsellor, DbError> {
    let id = CounsellorId::new(new_id());
    let at = now();
    diesel::insert_into(counsellors::table)
        .values((
            counsellors::id.eq(id.as_str()),
            counsellors::organisation_id.eq(organisation.as_str()),
            columns(profile),
            counsellors::created_at.eq(at),
            counsellors::updated_at.eq(at),
        ))
        .execute(conn)?;
    get(conn, organisation, &id)?.ok_or(DbError::Query(diesel::result::Error::NotFound))
}

/// Replaces a counsellor's profile; `None` when the organisation has no such counsellor.
pub fn update(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
    id: &CounsellorId,
    profile: &CounsellorProfile,
) -> Result<Option<Counsellor>, DbError> {
    diesel::update(of_organisation!(organisation).filter(counsellors::id.eq(id.as_str())))
        .set((columns(profile), counsellors::updated_at.eq(now())))
        .execute(conn)?;
    get(conn, organisation, id)
}

/// Removes a counsellor with their photo; false when the organisation has no such counsellor.
pub fn delete(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
    id: &CounsellorId,
) -> Result<bool, DbError> {
    let deleted =
        diesel::delete(of_organisation!(organisation).filter(counsellors::id.eq(id.as_str())))
            .execute(conn)?;
    Ok(deleted == 1)
}

/// Sets (or with `None` removes) a counsellor's photo; false when there is no such counsellor.
pub fn set_photo(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
    id: &CounsellorId,
    photo: Option<&Photo>,
) -> Result<bool, DbError> {
    let updated =
        diesel::update(of_organisation!(organisation).filter(counsellors::id.eq(id.as_str())))
            .set((
                counsellors::photo_type.eq(photo.map(|p| p.kind.content_type())),
                counsellors::photo.eq(photo.map(|p| p.bytes.as_slice())),
                counsellors::updated_at.eq(now()),
            ))
            .execute(conn)?;
    Ok(updated == 1)
}

/// A counsellor's photo, when they have one.
pub fn photo(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
    id: &CounsellorId,
) -> Result<Option<Photo>, DbError> {
    let row: Option<(Option<String>, Option<Vec<u8>>)> = of_organisation!(organisation)
        .filter(counsellors::id.eq(id.as_str()))
        .select((counsellors::photo_type, counsellors::photo))
        .get_result(conn)
        .optional()?;
    Ok(match row {
        Some((Some(kind), Some(bytes))) => {
            PhotoType::from_content_type(&kind).map(|kind| Photo { kind, bytes })
        }
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::counsellor::{CounsellorKind, Gender, SpokenLanguage};
    use crate::domain::{OrganisationName, OrganisationSettings};

    fn database() -> (tempfile::TempDir, crate::db::Db) {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::db::Db::connect(
            &crate::config::DatabaseUrl::Sqlite(dir.path().join("t.db")),
            1,
        )
        .unwrap();
        crate::db::migrations::run_pending(&mut db.conn().unwrap()).unwrap();
        (dir, db)
    }

    fn organisation(conn: &mut DbConnection, name: &str) -> OrganisationId {
        let settings = OrganisationSettings::new(OrganisationName::parse(name).unwrap());
        crate::db::organisations::create(conn, &settings)
            .unwrap()
            .id
    }

    fn profile(name: &str) -> CounsellorProfile {
        CounsellorProfile {
            name: CounsellorName::parse(name).unwrap(),
            kind: CounsellorKind::External,
            gender: Some(Gender::Female),
            languages: Languages::new([SpokenLanguage::Nl, SpokenLanguage::Tr]).unwrap(),
            phone: Some(PhoneNumber::parse("+31 20 123 45 67").unwrap()),
            email: Some(parse_email("vp@example.nl").unwrap()),
            availability: None,
        }
    }

    #[test]
    fn counsellors_round_trip_and_stay_within_their_organisation() {
        let (_dir, db) = database();
        let mut conn = db.conn().unwrap();
        let ours = organisation(&mut conn, "Ons BV");
        let theirs = organisation(&mut conn, "Hun BV");
        let made = create(&mut conn, &ours, &profile("Bea")).unwrap();
        create(&mut conn, &ours, &profile("Anna")).unwrap();
        assert_eq!(made.profile, profile("Bea"));
        assert_eq!(made.photo, None);
        let names: Vec<String> = list(&mut conn, &ours)
            .unwrap()
            .into_iter()
            .map(|c| c.profile.name.as_str().to_owned())
            .collect();
        assert_eq!(names, ["Anna", "Bea"]);
        assert_eq!(count(&mut conn, &ours).unwrap(), 2);
        assert_eq!(count(&mut conn, &theirs).unwrap(), 0);

        assert_eq!(get(&mut conn, &theirs, &made.id).unwrap(), None);
        assert_eq!(
            update(&mut conn, &theirs, &made.id, &profile("X")).unwrap(),
            None
        );
        let photo = Photo::parse(b"\x89PNG\r\n\x1a\n".to_vec()).unwrap();
        assert!(!set_photo(&mut conn, &theirs, &made.id, Some(&photo)).unwrap());
        assert!(!delete(&mut conn, &theirs, &made.id).unwrap());

        assert!(set_photo(&mut conn, &ours, &made.id, Some(&photo)).unwrap());
        assert_eq!(
            get(&mut conn, &ours, &made.id).unwrap().unwrap().photo,
            Some(PhotoType::Png)
        );
        assert_eq!(photo_of(&mut conn, &theirs, &made.id), None);
        assert_eq!(photo_of(&mut conn, &ours, &made.id), Some(photo));
        assert!(set_photo(&mut conn, &ours, &made.id, None).unwrap());
        assert_eq!(photo_of(&mut conn, &ours, &made.id), None);
        assert!(delete(&mut conn, &ours, &made.id).unwrap());
        assert_eq!(count(&mut conn, &ours).unwrap(), 1);
    }

    fn photo_of(
        conn: &mut DbConnection,
        organisation: &OrganisationId,
        id: &CounsellorId,
    ) -> Option<Photo> {
        photo(conn, organisation, id).unwrap()
    }
}
