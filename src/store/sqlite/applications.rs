//! Reading applications, versions, attachments and counts back.

use rusqlite::{Connection, Row, params};

use super::convert::{
    count_from_sql, deficiency_from_sql, hash_from_sql, parse_text, size_from_sql, status_from_sql,
    time_from_sql,
};
use crate::store::error::StoreResult;
use crate::store::model::{ApplicationKey, AttachmentKey, AttachmentRole, MessageKey, VersionKey};
use crate::store::records::{
    ApplicationFilter, ApplicationRecord, AttachmentRecord, CategoryCount, VersionRecord,
};
use crate::verdict::Deficiency;

/// An application joined with its current version; `version_from_row` reads from column 7.
const APPLICATION_SELECT: &str = "SELECT a.id, a.call_id, a.society, a.category, a.project_key,
        a.receipt, (SELECT count(*) FROM application_versions WHERE application = a.id),
        v.id, v.application, v.number, v.message, v.attachment, v.sheet, v.fields, v.status,
        v.fingerprint, v.received_at, v.filed_at
    FROM applications a JOIN application_versions v ON v.id = a.current_version";

const VERSION_COLUMNS: &str = "id, application, number, message, attachment, sheet, fields,
    status, fingerprint, received_at, filed_at";

const ATTACHMENT_COLUMNS: &str = "id, message, filename, content_type, sha256, size, role";

pub fn by_receipt(conn: &Connection, receipt: &str) -> StoreResult<Option<ApplicationRecord>> {
    let sql = format!("{APPLICATION_SELECT} WHERE a.receipt = ?1");
    Ok(query_applications(conn, &sql, [receipt])?.pop())
}

/// `message_id` with or without angle brackets, as `In-Reply-To` may carry it.
pub fn by_notice_message_id(
    conn: &Connection,
    message_id: &str,
) -> StoreResult<Vec<ApplicationRecord>> {
    let bare = message_id
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>');
    let sql = format!(
        "{APPLICATION_SELECT} WHERE a.id IN (
             SELECT oa.application FROM outbox_applications oa
             JOIN outbox o ON o.id = oa.answer WHERE o.message_id = ?1)
         ORDER BY a.id"
    );
    query_applications(conn, &sql, [bare])
}

pub fn list(conn: &Connection, filter: &ApplicationFilter) -> StoreResult<Vec<ApplicationRecord>> {
    let sql = format!(
        "{APPLICATION_SELECT}
         WHERE (?1 IS NULL OR a.call_id = ?1) AND (?2 IS NULL OR a.society = ?2)
           AND (?3 IS NULL OR a.category = ?3) AND (?4 IS NULL OR v.status = ?4)
         ORDER BY a.id"
    );
    query_applications(
        conn,
        &sql,
        params![
            filter.call_id,
            filter.society,
            filter.category,
            filter.status.map(|status| status.as_str()),
        ],
    )
}

fn query_applications(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> StoreResult<Vec<ApplicationRecord>> {
    let mut statement = conn.prepare(sql)?;
    let rows = statement.query_map(params, |row| Ok(application_from_row(row)))?;
    let mut records = Vec::new();
    for row in rows {
        let mut record = row??;
        record.current.deficiencies = version_deficiencies(conn, record.current.key)?;
        records.push(record);
    }
    Ok(records)
}

fn application_from_row(row: &Row<'_>) -> StoreResult<ApplicationRecord> {
    Ok(ApplicationRecord {
        key: ApplicationKey(row.get(0)?),
        call_id: row.get(1)?,
        society: row.get(2)?,
        category: row.get(3)?,
        project_key: row.get(4)?,
        receipt: row.get(5)?,
        n_versions: count_from_sql(row.get(6)?)?,
        current: version_from_row(row, 7)?,
    })
}

/// A version from `VERSION_COLUMNS` starting at column `first`; deficiencies left empty.
fn version_from_row(row: &Row<'_>, first: usize) -> StoreResult<VersionRecord> {
    Ok(VersionRecord {
        key: VersionKey(row.get(first)?),
        application: ApplicationKey(row.get(first + 1)?),
        number: count_from_sql(row.get(first + 2)?)?,
        message: MessageKey(row.get(first + 3)?),
        attachment: row.get::<_, Option<i64>>(first + 4)?.map(AttachmentKey),
        sheet: row.get(first + 5)?,
        fields_json: row.get(first + 6)?,
        status: status_from_sql(&row.get::<_, String>(first + 7)?)?,
        fingerprint: row.get(first + 8)?,
        received_at: time_from_sql(row.get(first + 9)?)?,
        filed_at: time_from_sql(row.get(first + 10)?)?,
        deficiencies: Vec::new(),
    })
}

fn version_deficiencies(conn: &Connection, version: VersionKey) -> StoreResult<Vec<Deficiency>> {
    let mut statement = conn.prepare_cached(
        "SELECT code, field, cell, text FROM deficiencies WHERE version = ?1 ORDER BY position",
    )?;
    let rows = statement.query_map([version.0], |row| {
        Ok((
            row.get::<_, String>(0)?,
            row.get(1)?,
            row.get(2)?,
            row.get(3)?,
        ))
    })?;
    let mut deficiencies = Vec::new();
    for row in rows {
        let (code, field, cell, text) = row?;
        deficiencies.push(deficiency_from_sql(&code, field, cell, text)?);
    }
    Ok(deficiencies)
}

pub fn versions(conn: &Connection, application: ApplicationKey) -> StoreResult<Vec<VersionRecord>> {
    let sql = format!(
        "SELECT {VERSION_COLUMNS} FROM application_versions WHERE application = ?1 ORDER BY number"
    );
    let mut statement = conn.prepare(&sql)?;
    let rows = statement.query_map([application.0], |row| Ok(version_from_row(row, 0)))?;
    let mut versions = Vec::new();
    for row in rows {
        let mut version = row??;
        version.deficiencies = version_deficiencies(conn, version.key)?;
        versions.push(version);
    }
    Ok(versions)
}

pub fn attachments_of_message(
    conn: &Connection,
    message: MessageKey,
) -> StoreResult<Vec<AttachmentRecord>> {
    let sql = format!(
        "SELECT {ATTACHMENT_COLUMNS} FROM attachments WHERE message = ?1 ORDER BY position"
    );
    query_attachments(conn, &sql, [message.0])
}

pub fn evidence(
    conn: &Connection,
    application: ApplicationKey,
) -> StoreResult<Vec<AttachmentRecord>> {
    let sql = format!(
        "SELECT {ATTACHMENT_COLUMNS} FROM attachments
         WHERE (role = 'evidence' AND message = (
                    SELECT v.message FROM applications a
                    JOIN application_versions v ON v.id = a.current_version WHERE a.id = ?1))
            OR id IN (SELECT attachment FROM evidence_links WHERE application = ?1)
         ORDER BY id"
    );
    query_attachments(conn, &sql, [application.0])
}

fn query_attachments(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> StoreResult<Vec<AttachmentRecord>> {
    let mut statement = conn.prepare(sql)?;
    let rows = statement.query_map(params, |row| Ok(attachment_from_row(row)))?;
    let mut attachments = Vec::new();
    for row in rows {
        attachments.push(row??);
    }
    Ok(attachments)
}

fn attachment_from_row(row: &Row<'_>) -> StoreResult<AttachmentRecord> {
    Ok(AttachmentRecord {
        key: AttachmentKey(row.get(0)?),
        message: MessageKey(row.get(1)?),
        filename: row.get(2)?,
        content_type: row.get(3)?,
        sha256: hash_from_sql(&row.get::<_, String>(4)?)?,
        size: size_from_sql(row.get(5)?)?,
        role: parse_text(
            "attachment role",
            &row.get::<_, String>(6)?,
            AttachmentRole::parse,
        )?,
    })
}

pub fn counts(conn: &Connection, call_id: &str) -> StoreResult<Vec<CategoryCount>> {
    let mut statement = conn.prepare(
        "SELECT a.category, v.status, count(*) FROM applications a
         JOIN application_versions v ON v.id = a.current_version
         WHERE a.call_id = ?1 GROUP BY a.category, v.status ORDER BY a.category, v.status",
    )?;
    let rows = statement.query_map([call_id], |row| {
        Ok((
            row.get::<_, String>(0)?,
            row.get::<_, String>(1)?,
            row.get::<_, i64>(2)?,
        ))
    })?;
    let mut counts = Vec::new();
    for row in rows {
        let (category, status, n) = row?;
        counts.push(CategoryCount {
            category,
            status: status_from_sql(&status)?,
            n_applications: count_from_sql(n)?,
        });
    }
    Ok(counts)
}
