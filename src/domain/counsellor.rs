//! Confidential counsellors (vertrouwenspersonen) as employees see them (DOMAIN.md section 8,
//! *Information*): who they are, how to reach them, and whether the organisation lacks one.
//!
//! Pure values and rules only; storage is `db::counsellors`, the API `http::api::counsellors`.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use super::account::Email;
use super::{CounsellorId, OrganisationSettings};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CounsellorError {
    #[error("must be 1 to {max} characters without control characters")]
    InvalidName { max: usize },
    #[error("unknown kind {0:?}: internal or external")]
    UnknownKind(String),
    #[error("unknown gender {0:?}: female, male or other (or leave it out)")]
    UnknownGender(String),
    #[error("unknown language {0:?}: one of nl, en, de, fr, tr, ar, pl")]
    UnknownLanguage(String),
    #[error("name at least one language")]
    NoLanguage,
    #[error("must be 6 to 20 characters of digits, spaces, '+', '-', '(' and ')'")]
    InvalidPhone,
    #[error("not a valid e-mail address")]
    InvalidEmail,
    #[error("must be at most {max} characters")]
    AvailabilityTooLong { max: usize },
    #[error("the photo is empty")]
    EmptyPhoto,
    #[error("must be a JPEG or PNG image")]
    NotAnImage,
    #[error("the photo must be at most {max} bytes")]
    PhotoTooLarge { max: usize },
}

/// Defines a closed set of codes with its parsing and display.
macro_rules! codes {
    ($(#[$doc:meta])* $name:ident, $error:ident { $($(#[$vdoc:meta])* $variant:ident = $code:literal,)* }) => {
        $(#[$doc])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
            utoipa::ToSchema,
        )]
        #[serde(rename_all = "lowercase")]
        pub enum $name {
            $($(#[$vdoc])* $variant,)*
        }

        impl $name {
            pub const ALL: &[$name] = &[$($name::$variant),*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $code,)*
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = CounsellorError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $name::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str() == s.trim())
                    .ok_or_else(|| CounsellorError::$error(s.to_owned()))
            }
        }
    };
}

codes!(
    /// Whether the counsellor works within the organisation or is engaged from outside.
    CounsellorKind, UnknownKind {
        /// An employee of the organisation.
        Internal = "internal",
        /// Engaged from outside (an external counsellor or agency).
        External = "external",
    }
);

codes!(
    /// A counsellor's gender, shown so that employees can choose where there are several.
    Gender, UnknownGender {
        Female = "female",
        Male = "male",
        Other = "other",
    }
);

codes!(
    /// A language a counsellor speaks, by ISO 639-1 code: a small closed list of the languages
    /// most spoken on Dutch shop floors.
    SpokenLanguage, UnknownLanguage {
        /// Dutch.
        Nl = "nl",
        /// English.
        En = "en",
        /// German.
        De = "de",
        /// French.
        Fr = "fr",
        /// Turkish.
        Tr = "tr",
        /// Arabic.
        Ar = "ar",
        /// Polish.
        Pl = "pl",
    }
);

/// Trims `raw` and refuses control characters (a newline where `lines` allows it).
fn clean(raw: &str, lines: bool) -> Option<String> {
    let text = raw.trim();
    let allowed = |c: char| !c.is_control() || (lines && (c == '\n' || c == '\r'));
    text.chars().all(allowed).then(|| text.to_owned())
}

/// A counsellor's name as shown to employees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CounsellorName(String);

impl CounsellorName {
    pub const MAX_CHARS: usize = 100;

    pub fn parse(raw: &str) -> Result<CounsellorName, CounsellorError> {
        match clean(raw, false) {
            Some(name) if (1..=Self::MAX_CHARS).contains(&name.chars().count()) => {
                Ok(CounsellorName(name))
            }
            _ => Err(CounsellorError::InvalidName {
                max: Self::MAX_CHARS,
            }),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The languages a counsellor speaks: at least one, each once, in the order given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Languages(Vec<SpokenLanguage>);

impl Languages {
    pub fn new(
        languages: impl IntoIterator<Item = SpokenLanguage>,
    ) -> Result<Languages, CounsellorError> {
        let mut list = Vec::new();
        for language in languages {
            if !list.contains(&language) {
                list.push(language);
            }
        }
        if list.is_empty() {
            return Err(CounsellorError::NoLanguage);
        }
        Ok(Languages(list))
    }

    /// Parses codes such as `["nl", "en"]`.
    pub fn parse<S: AsRef<str>>(codes: &[S]) -> Result<Languages, CounsellorError> {
        let list = codes
            .iter()
            .map(|c| c.as_ref().parse())
            .collect::<Result<Vec<SpokenLanguage>, _>>()?;
        Languages::new(list)
    }

    /// Parses the stored form, `nl,en`.
    pub fn from_stored(stored: &str) -> Result<Languages, CounsellorError> {
        let codes: Vec<&str> = stored.split(',').filter(|c| !c.is_empty()).collect();
        Languages::parse(&codes)
    }

    /// The stored form, `nl,en`.
    pub fn to_stored(&self) -> String {
        self.0
            .iter()
            .map(|l| l.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }

    pub fn as_slice(&self) -> &[SpokenLanguage] {
        &self.0
    }
}

/// A telephone number, checked loosely: people write them in many ways.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    pub const MIN_CHARS: usize = 6;
    pub const MAX_CHARS: usize = 20;

    pub fn parse(raw: &str) -> Result<PhoneNumber, CounsellorError> {
        let phone = raw.trim();
        let allowed = |c: char| c.is_ascii_digit() || matches!(c, ' ' | '+' | '-' | '(' | ')');
        if (Self::MIN_CHARS..=Self::MAX_CHARS).contains(&phone.chars().count())
            && phone.chars().all(allowed)
            && phone.chars().any(|c| c.is_ascii_digit())
        {
            Ok(PhoneNumber(phone.to_owned()))
        } else {
            Err(CounsellorError::InvalidPhone)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The `tel:` link: the digits, with a leading `+` where the number has one.
    pub fn tel_uri(&self) -> String {
        let digits: String = self.0.chars().filter(char::is_ascii_digit).collect();
        let plus = if self.0.starts_with('+') { "+" } else { "" };
        format!("tel:{plus}{digits}")
    }
}

/// When and where a counsellor can be reached, in their own words ("ma–do 9–17 uur").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Availability(String);

impl Availability {
    pub const MAX_CHARS: usize = 500;

    pub fn parse(raw: &str) -> Result<Availability, CounsellorError> {
        match clean(raw, true) {
            Some(text) if text.chars().count() <= Self::MAX_CHARS => Ok(Availability(text)),
            _ => Err(CounsellorError::AvailabilityTooLong {
                max: Self::MAX_CHARS,
            }),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Optional text: blank means absent.
pub fn optional<T, E>(
    raw: Option<&str>,
    parse: impl FnOnce(&str) -> Result<T, E>,
) -> Result<Option<T>, E> {
    raw.filter(|r| !r.trim().is_empty()).map(parse).transpose()
}

/// A counsellor's e-mail address.
pub fn parse_email(raw: &str) -> Result<Email, CounsellorError> {
    Email::parse(raw).map_err(|_| CounsellorError::InvalidEmail)
}

/// Everything employees are told about one counsellor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CounsellorProfile {
    pub name: CounsellorName,
    pub kind: CounsellorKind,
    pub gender: Option<Gender>,
    pub languages: Languages,
    pub phone: Option<PhoneNumber>,
    pub email: Option<Email>,
    pub availability: Option<Availability>,
}

/// A registered counsellor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counsellor {
    pub id: CounsellorId,
    pub profile: CounsellorProfile,
    /// The type of the photo, when there is one.
    pub photo: Option<PhotoType>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// The image types a photo may have, known by their first bytes (never by what the sender
/// claims).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhotoType {
    Jpeg,
    Png,
}

impl PhotoType {
    const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
    const JPEG_SIGNATURE: &[u8] = b"\xff\xd8\xff";

    /// The type of an image by its magic bytes.
    pub fn sniff(bytes: &[u8]) -> Option<PhotoType> {
        if bytes.starts_with(Self::PNG_SIGNATURE) {
            Some(PhotoType::Png)
        } else if bytes.starts_with(Self::JPEG_SIGNATURE) {
            Some(PhotoType::Jpeg)
        } else {
            None
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            PhotoType::Jpeg => "image/jpeg",
            PhotoType::Png => "image/png",
        }
    }

    pub fn from_content_type(content_type: &str) -> Option<PhotoType> {
        [PhotoType::Jpeg, PhotoType::Png]
            .into_iter()
            .find(|t| t.content_type() == content_type)
    }
}

/// A counsellor's photo: a JPEG or PNG of at most `MAX_BYTES`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Photo {
    pub kind: PhotoType,
    pub bytes: Vec<u8>,
}

impl Photo {
    /// 1 MiB: plenty for a portrait on a web page.
    pub const MAX_BYTES: usize = 1024 * 1024;

    pub fn parse(bytes: Vec<u8>) -> Result<Photo, CounsellorError> {
        if bytes.is_empty() {
            return Err(CounsellorError::EmptyPhoto);
        }
        if bytes.len() > Self::MAX_BYTES {
            return Err(CounsellorError::PhotoTooLarge {
                max: Self::MAX_BYTES,
            });
        }
        let kind = PhotoType::sniff(&bytes).ok_or(CounsellorError::NotAnImage)?;
        Ok(Photo { kind, bytes })
    }
}

/// Whether the organisation is large enough to be expected to have a confidential counsellor
/// (headcount at or above its VPO threshold) yet has none registered. An unknown headcount
/// expects nothing.
pub fn counsellor_missing(settings: &OrganisationSettings, registered: u64) -> bool {
    settings.expects_vpo() && registered == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Headcount, OrganisationName, VpoThreshold};

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(
            CounsellorName::parse("  Anna de Vries ").unwrap().as_str(),
            "Anna de Vries"
        );
        for bad in ["", "   ", "a\nb", &"x".repeat(101)] {
            assert!(CounsellorName::parse(bad).is_err(), "{bad:?}");
        }
        assert!(CounsellorName::parse(&"é".repeat(100)).is_ok());
    }

    #[test]
    fn codes_parse_from_their_closed_lists() {
        assert_eq!(
            "external".parse::<CounsellorKind>(),
            Ok(CounsellorKind::External)
        );
        assert_eq!("female".parse::<Gender>(), Ok(Gender::Female));
        assert_eq!(
            "both".parse::<Gender>(),
            Err(CounsellorError::UnknownGender("both".into()))
        );
        assert!("xx".parse::<SpokenLanguage>().is_err());
        assert_eq!(SpokenLanguage::ALL.len(), 7);
    }

    #[test]
    fn languages_are_non_empty_and_kept_once_in_order() {
        let languages = Languages::parse(&["en", "nl", "en"]).unwrap();
        assert_eq!(
            languages.as_slice(),
            [SpokenLanguage::En, SpokenLanguage::Nl]
        );
        assert_eq!(languages.to_stored(), "en,nl");
        assert_eq!(Languages::from_stored("en,nl").unwrap(), languages);
        assert_eq!(
            Languages::parse::<&str>(&[]),
            Err(CounsellorError::NoLanguage)
        );
        assert!(Languages::parse(&["nl", "klingon"]).is_err());
    }

    #[test]
    fn phone_numbers_are_checked_loosely_and_link_as_tel() {
        for good in ["+31 (0)20-123 45 67", "020-1234567", "112233"] {
            assert!(PhoneNumber::parse(good).is_ok(), "{good:?}");
        }
        for bad in [
            "12345",
            "call me maybe",
            "+31 20 123 45 67 89 00",
            "++++++",
            "06.12345678",
        ] {
            assert!(PhoneNumber::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            PhoneNumber::parse("+31 (0)20-123 45 67").unwrap().tel_uri(),
            "tel:+310201234567"
        );
        assert_eq!(
            PhoneNumber::parse("020-1234567").unwrap().tel_uri(),
            "tel:0201234567"
        );
    }

    #[test]
    fn availability_is_free_text_up_to_500_characters() {
        assert_eq!(
            Availability::parse(" ma–do 9–17 uur\nvr op afspraak ")
                .unwrap()
                .as_str(),
            "ma–do 9–17 uur\nvr op afspraak"
        );
        assert!(Availability::parse(&"x".repeat(500)).is_ok());
        assert!(Availability::parse(&"x".repeat(501)).is_err());
        assert!(Availability::parse("a\u{7}b").is_err());
    }

    #[test]
    fn blank_optional_text_is_absent() {
        assert_eq!(optional(Some("  "), PhoneNumber::parse), Ok(None));
        assert_eq!(optional(None, PhoneNumber::parse), Ok(None));
        assert!(optional(Some("abc"), PhoneNumber::parse).is_err());
        assert!(parse_email("vp@example.nl").is_ok());
        assert_eq!(parse_email("nope"), Err(CounsellorError::InvalidEmail));
    }

    #[test]
    fn photos_are_known_by_their_magic_bytes_and_bounded() {
        let png = b"\x89PNG\r\n\x1a\nrest".to_vec();
        assert_eq!(Photo::parse(png).unwrap().kind, PhotoType::Png);
        let jpeg = b"\xff\xd8\xff\xe0rest".to_vec();
        assert_eq!(Photo::parse(jpeg).unwrap().kind, PhotoType::Jpeg);
        assert_eq!(
            Photo::parse(b"GIF89a....".to_vec()),
            Err(CounsellorError::NotAnImage)
        );
        assert_eq!(
            Photo::parse(b"<svg xmlns='http://www.w3.org/2000/svg'/>".to_vec()),
            Err(CounsellorError::NotAnImage)
        );
        assert_eq!(Photo::parse(Vec::new()), Err(CounsellorError::EmptyPhoto));
        let mut big = b"\xff\xd8\xff".to_vec();
        big.resize(Photo::MAX_BYTES + 1, 0);
        assert!(matches!(
            Photo::parse(big),
            Err(CounsellorError::PhotoTooLarge { .. })
        ));
        assert_eq!(
            PhotoType::from_content_type("image/png"),
            Some(PhotoType::Png)
        );
    }

    #[test]
    fn a_counsellor_is_missing_from_the_threshold_on_while_none_is_registered() {
        let mut settings = OrganisationSettings::new(OrganisationName::parse("X").unwrap());
        assert!(!counsellor_missing(&settings, 0), "unknown headcount");
        settings.headcount = Some(Headcount::new(9).unwrap());
        assert!(!counsellor_missing(&settings, 0), "below the threshold");
        settings.headcount = Some(Headcount::new(10).unwrap());
        assert!(counsellor_missing(&settings, 0));
        assert!(!counsellor_missing(&settings, 1));
        settings.vpo_threshold = VpoThreshold::new(11).unwrap();
        assert!(!counsellor_missing(&settings, 0));
    }
}
