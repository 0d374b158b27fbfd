//! Stored exports: each made once, its files kept with their signatures.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{export_files, exports};
use super::{DbConnection, DbError};
use crate::domain::OrganisationId;

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = exports)]
pub struct ExportRow {
    pub id: String,
    pub organisation_id: String,
    pub round_id: String,
    pub lang: String,
    pub created_at: NaiveDateTime,
    pub created_by: String,
}

/// One stored file of an export.
pub struct ExportFile {
    pub format: String,
    pub bytes: Vec<u8>,
    pub signature: Vec<u8>,
}

/// Stores an export with all its files, or nothing.
pub fn create(
    conn: &mut DbConnection,
    export: &ExportRow,
    files: &[ExportFile],
) -> Result<(), DbError> {
    conn.write_transaction(|conn| {
        diesel::insert_into(exports::table)
            .values(export)
            .execute(conn)?;
        for file in files {
            diesel::insert_into(export_files::table)
                .values((
                    export_files::organisation_id.eq(&export.organisation_id),
                    export_files::export_id.eq(&export.id),
                    export_files::format.eq(&file.format),
                    export_files::size.eq(i64::try_from(file.bytes.len()).unwrap_or(i64::MAX)),
                    export_files::sha256.eq(crate::secret::sha256_hex(&file.bytes)),
                    export_files::bytes.eq(&file.bytes),
                    export_files::signature.eq(&file.signature),
                ))
                .execute(conn)?;
        }
        Ok(())
    })
}

/// The organisation's exports of a round, newest first.
pub fn list(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
    round: &str,
) -> Result<Vec<ExportRow>, DbError> {
    Ok(exports::table
        .filter(exports::organisation_id.eq(organisation.as_str()))
        .filter(exports::round_id.eq(round))
        .order((exports::created_at.desc(), exports::id.asc()))
        .select(ExportRow::as_select())
        .load(conn)?)
}

pub fn get(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
    id: &str,
) -> Result<Option<ExportRow>, DbError> {
    Ok(exports::table
        .filter(exports::organisation_id.eq(organisation.as_str()))
        .filter(exports::id.eq(id))
        .select(ExportRow::as_select())
        .get_result(conn)
        .optional()?)
}

/// Each file's format, size and SHA-256, without the bytes.
pub fn formats(
    conn: &mut DbConnection,
    export: &ExportRow,
) -> Result<Vec<(String, i64, String)>, DbError> {
    Ok(export_files::table
        .filter(export_files::organisation_id.eq(&export.organisation_id))
        .filter(export_files::export_id.eq(&export.id))
        .order(export_files::format.asc())
        .select((
            export_files::format,
            export_files::size,
            export_files::sha256,
        ))
        .load(conn)?)
}

/// One file of an organisation's export.
pub fn file(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
    id: &str,
    format: &str,
) -> Result<Option<ExportFile>, DbError> {
    let row: Option<(Vec<u8>, Vec<u8>)> = export_files::table
        .filter(export_files::organisation_id.eq(organisation.as_str()))
        .filter(export_files::export_id.eq(id))
        .filter(export_files::format.eq(format))
        .select((export_files::bytes, export_files::signature))
        .get_result(conn)
        .optional()?;
    Ok(row.map(|(bytes, signature)| ExportFile {
        format: format.to_owned(),
        bytes,
        signature,
    }))
}
