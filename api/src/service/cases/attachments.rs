//! Evidence files of a case. The type is sniffed from the bytes (PDF, JPEG,
//! PNG), the size is capped, the SHA-256 is stored, and the bytes are kept
//! content-addressed under `<data_dir>/attachments/` (the same file uploaded
//! twice is stored once). Reading goes through the case's access check:
//! only the parties of the case get the bytes.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use domain::cases::sniff_media_type;
use entity::attachment;
use entity::enums::CaseKind;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};

use crate::crypto::sha256_hex;
use crate::service::{FieldError, ServiceError, ServiceResult};
use crate::state::AppState;

/// Largest evidence file accepted (1 MiB). The HTTP body limit (2 MiB by
/// default) bounds a whole request; add files one by one with
/// `addCaseEvidence` when there are several large ones.
pub const MAX_ATTACHMENT_BYTES: usize = 1024 * 1024;
/// Most files one request may carry.
pub const MAX_FILES_PER_REQUEST: usize = 5;
/// Most files one case may hold.
pub const MAX_FILES_PER_CASE: u64 = 20;

/// A file as uploaded: the name is kept for display only.
#[derive(Clone, Debug)]
pub struct Upload {
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// A file that passed the checks.
#[derive(Clone, Debug)]
pub struct Checked {
    pub file_name: String,
    pub media_type: &'static str,
    pub sha256: String,
    pub bytes: Vec<u8>,
}

/// Checks every file; all problems are reported against `field[i]`.
pub fn check(files: Vec<Upload>, field: &str) -> ServiceResult<Vec<Checked>> {
    if files.len() > MAX_FILES_PER_REQUEST {
        return Err(ServiceError::invalid(
            &["input", field],
            "TOO_MANY_ATTACHMENTS",
            format!("at most {MAX_FILES_PER_REQUEST} files per request"),
        ));
    }
    let mut errors = Vec::new();
    let mut out = Vec::new();
    for (i, f) in files.into_iter().enumerate() {
        let path = vec!["input".to_string(), field.to_string(), i.to_string()];
        if f.bytes.len() > MAX_ATTACHMENT_BYTES {
            errors.push(FieldError {
                field: path,
                code: "ATTACHMENT_TOO_LARGE",
                message: format!("a file may be at most {MAX_ATTACHMENT_BYTES} bytes"),
            });
            continue;
        }
        let Some(media_type) = sniff_media_type(&f.bytes) else {
            errors.push(FieldError {
                field: path,
                code: "ATTACHMENT_TYPE_NOT_ALLOWED",
                message: "only PDF, JPEG and PNG files are accepted (judged by content, not name)"
                    .into(),
            });
            continue;
        };
        let name: String = f
            .file_name
            .chars()
            .filter(|c| !c.is_control() && *c != '/' && *c != '\\')
            .take(200)
            .collect();
        out.push(Checked {
            file_name: if name.trim().is_empty() {
                "evidence".into()
            } else {
                name
            },
            media_type,
            sha256: sha256_hex(&f.bytes),
            bytes: f.bytes,
        });
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(ServiceError::Invalid(errors))
    }
}

fn path_of(state: &AppState, sha256: &str) -> PathBuf {
    let dir = sha256.get(..2).unwrap_or("00");
    state
        .config
        .data_dir
        .join("attachments")
        .join(dir)
        .join(sha256)
}

/// Writes the bytes before the transaction that references them commits. A
/// file whose transaction then fails stays as an unreferenced blob (same
/// name for the same content, so a retry reuses it).
pub async fn store(state: &AppState, files: &[Checked]) -> ServiceResult<()> {
    for f in files {
        let path = path_of(state, &f.sha256);
        if tokio::fs::try_exists(&path).await.unwrap_or(false) {
            continue;
        }
        let dir = path
            .parent()
            .ok_or_else(|| ServiceError::Internal("attachment path has no parent".into()))?;
        tokio::fs::create_dir_all(dir)
            .await
            .map_err(|e| ServiceError::Internal(format!("creating {}: {e}", dir.display())))?;
        let tmp = path.with_extension(format!("tmp-{}", uuid::Uuid::new_v4().simple()));
        tokio::fs::write(&tmp, &f.bytes)
            .await
            .map_err(|e| ServiceError::Internal(format!("writing an attachment: {e}")))?;
        tokio::fs::rename(&tmp, &path)
            .await
            .map_err(|e| ServiceError::Internal(format!("storing an attachment: {e}")))?;
    }
    Ok(())
}

/// The rows of stored files, in the caller's transaction.
#[allow(clippy::too_many_arguments)]
pub async fn insert(
    conn: &impl ConnectionTrait,
    files: &[Checked],
    subject_id: i64,
    owner_account_id: i64,
    kind: CaseKind,
    case_id: i64,
    now: DateTime<Utc>,
) -> ServiceResult<Vec<attachment::Model>> {
    let existing = attachment::Entity::find()
        .filter(attachment::Column::CaseKind.eq(kind))
        .filter(attachment::Column::CaseId.eq(case_id))
        .count(conn)
        .await?;
    if existing + files.len() as u64 > MAX_FILES_PER_CASE {
        return Err(ServiceError::invalid(
            &["input", "file"],
            "TOO_MANY_ATTACHMENTS",
            format!("a case may hold at most {MAX_FILES_PER_CASE} files"),
        ));
    }
    let mut out = Vec::new();
    for f in files {
        let row = attachment::ActiveModel {
            subject_id: Set(subject_id),
            owner_account_id: Set(owner_account_id),
            case_kind: Set(kind),
            case_id: Set(case_id),
            file_name: Set(f.file_name.clone()),
            media_type: Set(f.media_type.to_string()),
            size_bytes: Set(f.bytes.len() as i64),
            sha256: Set(f.sha256.clone()),
            storage_key: Set(format!("sha256/{}", f.sha256)),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(conn)
        .await?;
        out.push(row);
    }
    Ok(out)
}

use sea_orm::PaginatorTrait;

/// A case's files, oldest first.
pub async fn of_case(
    conn: &impl ConnectionTrait,
    kind: CaseKind,
    case_id: i64,
) -> ServiceResult<Vec<attachment::Model>> {
    Ok(attachment::Entity::find()
        .filter(attachment::Column::CaseKind.eq(kind))
        .filter(attachment::Column::CaseId.eq(case_id))
        .order_by_asc(attachment::Column::Id)
        .all(conn)
        .await?)
}

/// The bytes of a file, checked against its stored hash. The caller must
/// have authorised the reader for the file's case.
pub async fn read(state: &AppState, a: &attachment::Model) -> ServiceResult<Vec<u8>> {
    let bytes = tokio::fs::read(path_of(state, &a.sha256))
        .await
        .map_err(|e| ServiceError::Internal(format!("reading attachment {}: {e}", a.id)))?;
    if sha256_hex(&bytes) != a.sha256 {
        return Err(ServiceError::Internal(format!(
            "attachment {} does not match its hash",
            a.id
        )));
    }
    Ok(bytes)
}

/// One evidence file, if `actor` is a party of its case (else `None`, as
/// for a missing one).
pub async fn get(
    state: &AppState,
    actor: &crate::auth::Actor,
    id: i64,
) -> ServiceResult<Option<attachment::Model>> {
    let Some(a) = attachment::Entity::find_by_id(id).one(&state.db).await? else {
        return Ok(None);
    };
    let visible = super::complaints::can_see_case(&state.db, actor, a.case_kind, a.case_id).await?;
    Ok(visible.then_some(a))
}
