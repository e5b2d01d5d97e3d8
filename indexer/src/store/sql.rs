//! SQL building blocks shared by the write, projection and rollback paths: bind values,
//! multi-row `VALUES` lists per dialect, and parsing of stored values.

use std::str::FromStr;

use alloy::primitives::{B256, U256};

use super::{Dialect, StoreError};

/// A bind value of the dynamic statements.
pub(super) enum V {
    /// Integer.
    I(i64),
    /// Text.
    S(String),
    /// Nullable text.
    OS(Option<String>),
    /// Nullable integer.
    OI(Option<i64>),
}

/// A u64 column value (saturated to i64).
pub(super) fn i(v: u64) -> V {
    V::I(i64::try_from(v).unwrap_or(i64::MAX))
}

/// A small uint256 as i64 (saturated).
pub(super) fn u256_i64(v: U256) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

pub(super) type Q<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

/// Bind `vals` in order.
pub(super) fn bind_all(mut q: Q<'_>, vals: Vec<V>) -> Q<'_> {
    for v in vals {
        q = match v {
            V::I(x) => q.bind(x),
            V::S(x) => q.bind(x),
            V::OS(x) => q.bind(x),
            V::OI(x) => q.bind(x),
        };
    }
    q
}

/// `prefix (..),(..) suffix` with `$N` placeholders; columns in `numeric` get `::numeric`
/// on PostgreSQL.
pub(super) fn values_sql(
    prefix: &str,
    ncols: usize,
    numeric: &[usize],
    nrows: usize,
    d: Dialect,
    suffix: &str,
) -> String {
    let mut s = String::with_capacity(prefix.len() + suffix.len() + nrows * ncols * 6);
    s.push_str(prefix);
    let mut k = 1;
    for r in 0..nrows {
        if r > 0 {
            s.push(',');
        }
        s.push('(');
        for c in 0..ncols {
            if c > 0 {
                s.push(',');
            }
            // SQLite: anonymous `?` (in order). With numbered/named parameters, sqlx asks
            // `sqlite3_bind_parameter_name` for each one, a linear walk in SQLite: quadratic
            // (seconds) for a 500-row insert
            if d == Dialect::Sqlite {
                s.push('?');
            } else {
                s.push('$');
                s.push_str(&k.to_string());
            }
            if d == Dialect::Postgres && numeric.contains(&c) {
                s.push_str("::numeric");
            }
            k += 1;
        }
        s.push(')');
    }
    s.push_str(suffix);
    s
}

pub(crate) fn parse_b256(column: &'static str, s: &str) -> Result<B256, StoreError> {
    B256::from_str(s).map_err(|_| StoreError::Corrupt {
        column,
        value: s.to_owned(),
    })
}

/// Parse a stored uint256 (decimal, possibly zero-padded).
pub(crate) fn parse_u256(column: &'static str, s: &str) -> Result<U256, StoreError> {
    let t = s.trim_start_matches('0');
    if t.is_empty() {
        return Ok(U256::ZERO);
    }
    U256::from_str_radix(t, 10).map_err(|_| StoreError::Corrupt {
        column,
        value: s.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_placeholders_per_dialect() {
        assert_eq!(
            values_sql("I ", 2, &[1], 2, Dialect::Postgres, ""),
            "I ($1,$2::numeric),($3,$4::numeric)"
        );
        assert_eq!(
            values_sql("I ", 2, &[1], 1, Dialect::Sqlite, " X"),
            "I (?,?) X"
        );
    }

    #[test]
    fn padded_uint256_round_trips_and_sorts() {
        let a = format!("{:0>78}", U256::from(9u64));
        let b = format!("{:0>78}", U256::from(10u64));
        assert!(a < b);
        assert_eq!(parse_u256("x", &a).unwrap(), U256::from(9u64));
        assert_eq!(
            parse_u256("x", &format!("{:0>78}", U256::MAX)).unwrap(),
            U256::MAX
        );
        assert_eq!(parse_u256("x", "0").unwrap(), U256::ZERO);
    }
}
