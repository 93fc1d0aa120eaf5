//! Subjects by identifier: the one place that turns a USCC or a resident ID
//! number into the identity columns of a `subject` row, and finds a subject
//! by identifier.
//!
//! A USCC is public and stored in clear. A natural person's ID number is
//! never stored in clear: only its keyed hash (the lookup key), its AES-GCM
//! ciphertext (to show the subject their own number) and its masked form
//! (3501**********1234) for display.

use chrono::{DateTime, NaiveDate, Utc};
use domain::identifier::SubjectIdentifier;
use entity::enums::{IdentifierKind, SubjectKind, SubjectStatus};
use entity::subject;
use sea_orm::{ActiveModelTrait, ConnectionTrait};

use super::{FieldError, ServiceError, ServiceResult, UniqueKey};
use crate::crypto::Keys;

pub const IDENTIFIER_UNIQUE: UniqueKey = UniqueKey {
    index: "uq_subject_identifier_hash",
    table: "subject",
    columns: &["identifier_hash"],
};

/// The identifier columns of a `subject` row (`related_person` uses `hash`
/// and `masked` too).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdentityColumns {
    pub kind: IdentifierKind,
    /// Keyed HMAC (hex) of the kind and canonical identifier.
    pub hash: String,
    /// The USCC in clear; `None` for ID numbers.
    pub plain: Option<String>,
    /// Ciphertext of an ID number; `None` for USCCs.
    pub cipher: Option<String>,
    /// What may be shown: the USCC, or the masked ID number.
    pub masked: String,
}

/// The lookup key of an identifier. The scheme is part of the hashed text,
/// so a string that happens to be both a valid USCC and a valid ID number
/// cannot make two different subjects collide.
pub fn identifier_hash(keys: &Keys, id: &SubjectIdentifier) -> String {
    let scheme = match id {
        SubjectIdentifier::Uscc(_) => "uscc",
        SubjectIdentifier::ResidentId(_) => "resident_id",
    };
    keys.identifier_hash(&format!("{scheme}:{}", id.as_str()))
}

pub fn identity_columns(keys: &Keys, id: &SubjectIdentifier) -> IdentityColumns {
    let hash = identifier_hash(keys, id);
    match id {
        SubjectIdentifier::Uscc(u) => IdentityColumns {
            kind: IdentifierKind::Uscc,
            hash,
            plain: Some(u.as_str().to_string()),
            cipher: None,
            masked: u.as_str().to_string(),
        },
        SubjectIdentifier::ResidentId(r) => IdentityColumns {
            kind: IdentifierKind::ResidentId,
            hash,
            plain: None,
            cipher: Some(keys.encrypt_identifier(r.as_str())),
            masked: r.masked(),
        },
    }
}

/// The subject with this identifier, if the platform knows it.
pub async fn find_by_identifier(
    conn: &impl ConnectionTrait,
    keys: &Keys,
    id: &SubjectIdentifier,
) -> ServiceResult<Option<subject::Model>> {
    // Every consented query and search by identifier: a fixed statement.
    Ok(super::fixed::subject_by_hash(conn, &identifier_hash(keys, id)).await?)
}

/// A subject to create. The identifier is already parsed (and so valid).
#[derive(Clone, Debug)]
pub struct NewSubject {
    pub kind: SubjectKind,
    pub name: String,
    pub identifier: SubjectIdentifier,
    pub legal_representative: Option<String>,
    /// Six-digit administrative division; defaults to the identifier's.
    pub region_code: Option<String>,
    /// Registered contact, where identity-binding codes go.
    pub contact_email: Option<String>,
    pub registered_on: Option<NaiveDate>,
}

const MAX_NAME_CHARS: usize = 200;

/// Checks a new subject, reporting every problem at once.
pub fn validate_new_subject(s: &NewSubject) -> Result<(), Vec<FieldError>> {
    let mut errors = Vec::new();
    let name_len = s.name.trim().chars().count();
    if name_len == 0 || name_len > MAX_NAME_CHARS {
        errors.push(FieldError::new(
            &["input", "name"],
            "SUBJECT_NAME_INVALID",
            format!("enter the registered name, 1 to {MAX_NAME_CHARS} characters"),
        ));
    }
    let person = s.kind == SubjectKind::NaturalPerson;
    if person != s.identifier.is_natural_person() {
        errors.push(FieldError::new(
            &["input", "identifier"],
            "IDENTIFIER_KIND_MISMATCH",
            if person {
                "a natural person is identified by a resident ID number"
            } else {
                "an organisation is identified by its unified social credit code"
            },
        ));
    }
    if person && s.legal_representative.is_some() {
        errors.push(FieldError::new(
            &["input", "legalRepresentative"],
            "LEGAL_REPRESENTATIVE_NOT_APPLICABLE",
            "a natural person has no legal representative; leave it empty",
        ));
    }
    if let Some(region) = &s.region_code
        && (region.len() != 6 || !region.bytes().all(|b| b.is_ascii_digit()))
    {
        errors.push(FieldError::new(
            &["input", "regionCode"],
            "REGION_CODE_INVALID",
            "enter a six-digit administrative division code, e.g. 350100",
        ));
    }
    if let Some(email) = &s.contact_email
        && !email
            .split_once('@')
            .is_some_and(|(l, d)| !l.is_empty() && d.contains('.'))
    {
        errors.push(FieldError::new(
            &["input", "contactEmail"],
            "EMAIL_INVALID",
            "enter an email address like name@example.cn",
        ));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

fn identifier_region(id: &SubjectIdentifier) -> String {
    match id {
        SubjectIdentifier::Uscc(u) => u.region_code().to_string(),
        SubjectIdentifier::ResidentId(r) => r.region_code().to_string(),
    }
}

/// Inserts a subject on `conn` (the caller's transaction). A subject that
/// already exists is an `IDENTIFIER_TAKEN` field error.
pub async fn insert_subject(
    conn: &impl ConnectionTrait,
    keys: &Keys,
    new: NewSubject,
    now: DateTime<Utc>,
) -> ServiceResult<subject::Model> {
    new_subject_row(keys, new, now)
        .map_err(ServiceError::Invalid)?
        .insert(conn)
        .await
        .map_err(|e| {
            ServiceError::from_unique(
                e,
                &[(
                    IDENTIFIER_UNIQUE,
                    FieldError::new(
                        &["input", "identifier"],
                        "IDENTIFIER_TAKEN",
                        "a subject with this identifier is already registered",
                    ),
                )],
            )
        })
}

/// The row of a new subject, checked but not yet written (record submission
/// inserts the subjects of a batch in one statement).
pub fn new_subject_row(
    keys: &Keys,
    new: NewSubject,
    now: DateTime<Utc>,
) -> Result<subject::ActiveModel, Vec<FieldError>> {
    let mut row = subject::ActiveModel::from(new_subject_model(keys, new, now)?).reset_all();
    row.id = sea_orm::ActiveValue::NotSet;
    Ok(row)
}

/// A new subject as it will be stored, with id 0 until it is inserted.
pub fn new_subject_model(
    keys: &Keys,
    new: NewSubject,
    now: DateTime<Utc>,
) -> Result<subject::Model, Vec<FieldError>> {
    validate_new_subject(&new)?;
    let cols = identity_columns(keys, &new.identifier);
    let region = new
        .region_code
        .unwrap_or_else(|| identifier_region(&new.identifier));
    Ok(subject::Model {
        id: 0,
        kind: new.kind,
        name: new.name.trim().to_string(),
        identifier_kind: cols.kind,
        identifier_hash: cols.hash,
        identifier_plain: cols.plain,
        identifier_cipher: cols.cipher,
        identifier_masked: cols.masked,
        legal_representative: new.legal_representative.map(|n| n.trim().to_string()),
        region_code: region,
        contact_email: new.contact_email.map(|e| e.trim().to_lowercase()),
        status: SubjectStatus::Registered,
        registered_on: new.registered_on,
        ended_on: None,
        created_at: now,
        updated_at: now,
        version: 1,
    })
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use domain::identifier::{ResidentId, Uscc};

    use super::*;

    fn person() -> (String, SubjectIdentifier) {
        let birth = NaiveDate::from_ymd_opt(1986, 4, 23).unwrap();
        let id = ResidentId::from_parts("350102", birth, 317).unwrap();
        (id.as_str().to_string(), SubjectIdentifier::ResidentId(id))
    }

    #[test]
    fn a_uscc_is_stored_in_clear() {
        let keys = Keys::generate();
        let uscc = Uscc::from_body("91350100MA2XY0123").unwrap();
        let code = uscc.as_str().to_string();
        let cols = identity_columns(&keys, &SubjectIdentifier::Uscc(uscc));
        assert_eq!(cols.kind, IdentifierKind::Uscc);
        assert_eq!(cols.plain.as_deref(), Some(code.as_str()));
        assert_eq!(cols.masked, code);
        assert_eq!(cols.cipher, None);
        assert_eq!(cols.hash.len(), 64);
        assert!(cols.hash.bytes().all(|b| b.is_ascii_hexdigit()));
    }

    #[test]
    fn an_id_number_is_never_stored_in_clear() {
        let keys = Keys::generate();
        let (number, id) = person();
        let cols = identity_columns(&keys, &id);
        assert_eq!(cols.kind, IdentifierKind::ResidentId);
        assert_eq!(cols.plain, None);
        assert_eq!(cols.masked, format!("350102********{}", &number[14..]));
        let cipher = cols.cipher.clone().expect("ciphertext");
        assert_eq!(keys.decrypt_identifier(&cipher).unwrap(), number);
        // Nowhere in the columns, nor in their debug output, is the number or
        // the birth date.
        let everything = format!("{cols:?}");
        for secret in [number.as_str(), "19860423", &number[..14]] {
            assert!(
                !everything.contains(secret),
                "{secret} leaked: {everything}"
            );
        }
    }

    #[test]
    fn the_hash_is_stable_keyed_and_scheme_separated() {
        let keys = Keys::generate();
        let (number, id) = person();
        let a = identity_columns(&keys, &id);
        let b = identity_columns(&keys, &id);
        assert_eq!(a.hash, b.hash);
        assert_ne!(a.cipher, b.cipher, "random nonce");
        assert_ne!(
            a.hash,
            Keys::generate().identifier_hash(&format!("resident_id:{number}"))
        );
        assert_ne!(
            a.hash,
            keys.identifier_hash(&number),
            "the scheme is hashed too"
        );
        assert_eq!(identifier_hash(&keys, &id), a.hash);
    }

    fn new_subject(kind: SubjectKind, id: SubjectIdentifier) -> NewSubject {
        NewSubject {
            kind,
            name: "福州闽江电子科技有限公司".into(),
            identifier: id,
            legal_representative: None,
            region_code: None,
            contact_email: Some("contact@minjiang.demo".into()),
            registered_on: None,
        }
    }

    #[test]
    fn kind_and_identifier_must_agree() {
        let (_, id) = person();
        let uscc = SubjectIdentifier::Uscc(Uscc::from_body("91350100MA2XY0123").unwrap());
        assert!(validate_new_subject(&new_subject(SubjectKind::Enterprise, uscc.clone())).is_ok());
        assert!(validate_new_subject(&new_subject(SubjectKind::NaturalPerson, id.clone())).is_ok());
        let codes = |s: NewSubject| -> Vec<&str> {
            validate_new_subject(&s)
                .unwrap_err()
                .iter()
                .map(|e| e.code)
                .collect()
        };
        assert_eq!(
            codes(new_subject(SubjectKind::Enterprise, id)),
            ["IDENTIFIER_KIND_MISMATCH"]
        );
        let mut bad = new_subject(SubjectKind::NaturalPerson, uscc);
        bad.name = " ".into();
        bad.region_code = Some("35".into());
        bad.contact_email = Some("nope".into());
        assert_eq!(
            codes(bad),
            [
                "SUBJECT_NAME_INVALID",
                "IDENTIFIER_KIND_MISMATCH",
                "REGION_CODE_INVALID",
                "EMAIL_INVALID"
            ]
        );
    }
}
