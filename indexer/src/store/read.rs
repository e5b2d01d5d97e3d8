//! Reads: the cursor, the reorg window's block hashes, and rows as JSON objects for the API.

use serde_json::{Map, Value};
use sqlx::{Row, any::AnyRow};

use super::{
    BlockRow, Cursor, K, Store, StoreError,
    sql::{parse_b256, parse_u256},
};

impl Store {
    /// The cursor of `chain_id`, if any block was mirrored.
    ///
    /// # Errors
    /// SQL errors, [`StoreError::Corrupt`].
    pub async fn cursor(&self, chain_id: u64) -> Result<Option<Cursor>, StoreError> {
        let row = sqlx::query(
            "SELECT block_number, block_hash, block_timestamp FROM cursor WHERE chain_id = $1",
        )
        .bind(chain_id as i64)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(Cursor {
                number: r.try_get::<i64, _>(0)? as u64,
                hash: parse_b256("cursor.block_hash", &r.try_get::<String, _>(1)?)?,
                timestamp: r.try_get::<i64, _>(2)? as u64,
            })
        })
        .transpose()
    }

    /// The chain ids that have a cursor.
    ///
    /// # Errors
    /// SQL errors.
    pub async fn chains(&self) -> Result<Vec<u64>, StoreError> {
        let rows = sqlx::query("SELECT chain_id FROM cursor")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .iter()
            .filter_map(|r| r.try_get::<i64, _>(0).ok())
            .map(|c| c as u64)
            .collect())
    }

    /// Stored block hashes of `chain_id`, newest first, at most `limit`.
    ///
    /// # Errors
    /// SQL errors, [`StoreError::Corrupt`].
    pub async fn recent_blocks(
        &self,
        chain_id: u64,
        limit: u64,
    ) -> Result<Vec<BlockRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT number, hash, parent_hash, timestamp FROM blocks WHERE chain_id = $1 \
             ORDER BY number DESC LIMIT $2",
        )
        .bind(chain_id as i64)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(BlockRow {
                    number: r.try_get::<i64, _>(0)? as u64,
                    hash: parse_b256("blocks.hash", &r.try_get::<String, _>(1)?)?,
                    parent_hash: parse_b256("blocks.parent_hash", &r.try_get::<String, _>(2)?)?,
                    timestamp: r.try_get::<i64, _>(3)? as u64,
                })
            })
            .collect()
    }

    /// Run a read query and turn each row into a JSON object using `spec` (column name,
    /// kind). Numeric columns must be selected through [`Store::num_col`].
    pub(crate) async fn json_rows(
        &self,
        sql: &str,
        binds: Vec<String>,
        spec: &[(&str, K)],
    ) -> Result<Vec<Value>, StoreError> {
        let mut q = sqlx::query(sql);
        for b in binds {
            q = q.bind(b);
        }
        let rows = q.fetch_all(&self.pool).await?;
        rows.iter().map(|r| row_json(r, spec)).collect()
    }

    /// Count rows of `table` (tests, metrics).
    ///
    /// # Errors
    /// SQL errors.
    pub async fn count(&self, table: &str) -> Result<i64, StoreError> {
        let t: String = table
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        let r = sqlx::query(&format!("SELECT COUNT(*) FROM {t}"))
            .fetch_one(&self.pool)
            .await?;
        Ok(r.try_get::<i64, _>(0)?)
    }
}

pub(super) fn row_json(r: &AnyRow, spec: &[(&str, K)]) -> Result<Value, StoreError> {
    let mut m = Map::new();
    for (i, (name, kind)) in spec.iter().enumerate() {
        let v = match kind {
            K::I => r
                .try_get::<Option<i64>, _>(i)?
                .map(Value::from)
                .unwrap_or(Value::Null),
            K::T => r
                .try_get::<Option<String>, _>(i)?
                .map(Value::from)
                .unwrap_or(Value::Null),
            K::B => r
                .try_get::<Option<i64>, _>(i)?
                .map(|x| Value::Bool(x != 0))
                .unwrap_or(Value::Null),
            K::N => match r.try_get::<Option<String>, _>(i)? {
                Some(s) => Value::String(parse_u256("numeric", &s)?.to_string()),
                None => Value::Null,
            },
            K::J => match r.try_get::<Option<String>, _>(i)? {
                Some(s) => serde_json::from_str(&s).unwrap_or(Value::Null),
                None => Value::Null,
            },
        };
        m.insert((*name).to_owned(), v);
    }
    Ok(Value::Object(m))
}
