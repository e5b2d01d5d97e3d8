//! Photo geolocation (white paper §6.3 `"verification": {"type": "photo_geolocation"}`):
//! a photo's EXIF GPS position (`GPSLatitude`/`GPSLatitudeRef`,
//! `GPSLongitude`/`GPSLongitudeRef`) must be within the radius of the target by the
//! haversine distance ([`aos_protocol::messages::haversine_m`]), and its capture time
//! (`DateTimeOriginal`, in the zone of `OffsetTimeOriginal`, UTC when that is absent) inside
//! the task's window. EXIF is read by `kamadak-exif` from JPEG, TIFF, PNG, HEIF or WebP.
//!
//! A photo with no EXIF (stripped), no GPS, or whose `DateTime` (last modification) is
//! more than [`MAX_EDIT_LAG_S`] after `DateTimeOriginal` (edited after capture) fails with
//! the reason. EXIF can be forged by anyone with a hex editor: this check catches the
//! careless and the lazy; disputes with a person's judgement catch the rest. Distances use
//! the platform's `sin`/`cos`/`asin`, which may differ in the last bit between platforms:
//! a photo within a hair of the radius could be judged differently on two machines.

use std::io::Cursor;

use aos_protocol::messages::{BPS, CheckOutcome, Coordinates, PhotoGeolocation, haversine_m};
use exif::{DateTime, Exif, In, Reader, Tag, Value};

use crate::text::outcome;

/// Largest photo accepted, bytes (50 MiB). Larger blobs are refused before any decoding
/// (and [`crate::BlobSource`]s are asked for no more than this).
pub const MAX_PHOTO_BYTES: u64 = 50 << 20;
/// Most seconds `DateTime` may lag `DateTimeOriginal` before the photo counts as edited.
pub const MAX_EDIT_LAG_S: i64 = 60;
/// The outcome kind.
pub const PHOTO_GEOLOCATION: &str = "photo_geolocation";

/// What a photo's EXIF says.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PhotoFacts {
    /// GPS position, if the photo has one.
    pub position: Option<Coordinates>,
    /// Capture time (`DateTimeOriginal`), Unix ms, if present.
    pub taken_at_ms: Option<i64>,
    /// Last modification time (`DateTime`), Unix ms, if present.
    pub modified_at_ms: Option<i64>,
}

/// Why a photo's EXIF could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhotoError {
    /// Refused before decoding.
    #[error("the photo of {len} bytes exceeds the limit of {max} bytes")]
    TooLarge {
        /// Size, bytes.
        len: u64,
        /// Limit, bytes.
        max: u64,
    },
    /// Not a JPEG, TIFF, PNG, HEIF or WebP file, or truncated.
    #[error("not an image: {0}")]
    NotAnImage(String),
    /// An image without EXIF metadata.
    #[error("the photo has no EXIF metadata (stripped?)")]
    NoExif,
    /// EXIF present but unreadable, or a field out of range.
    #[error("the photo's EXIF is invalid: {0}")]
    BadExif(String),
}

/// Reads the GPS position and times from `bytes`.
///
/// # Errors
/// [`PhotoError::TooLarge`] above [`MAX_PHOTO_BYTES`] (nothing is decoded),
/// [`PhotoError::NotAnImage`], [`PhotoError::NoExif`], [`PhotoError::BadExif`].
pub fn read_photo(bytes: &[u8]) -> Result<PhotoFacts, PhotoError> {
    let len = bytes.len() as u64;
    if len > MAX_PHOTO_BYTES {
        return Err(PhotoError::TooLarge {
            len,
            max: MAX_PHOTO_BYTES,
        });
    }
    let exif = Reader::new()
        .read_from_container(&mut Cursor::new(bytes))
        .map_err(|e| match e {
            exif::Error::InvalidFormat("Unknown image format") => PhotoError::NotAnImage(
                "unknown format (expected JPEG, TIFF, PNG, HEIF or WebP)".into(),
            ),
            exif::Error::NotFound(_) => PhotoError::NoExif,
            exif::Error::Io(e) => PhotoError::NotAnImage(format!("truncated or unreadable: {e}")),
            other => PhotoError::BadExif(other.to_string()),
        })?;
    Ok(PhotoFacts {
        position: position(&exif)?,
        taken_at_ms: time_ms(&exif, Tag::DateTimeOriginal, Tag::OffsetTimeOriginal)?,
        modified_at_ms: time_ms(&exif, Tag::DateTime, Tag::OffsetTime)?,
    })
}

/// Checks the photo in `bytes` against `want` (module docs): a
/// [`PHOTO_GEOLOCATION`] outcome whose reason names the distance and time.
pub fn check_photo(want: &PhotoGeolocation, bytes: &[u8]) -> CheckOutcome {
    match judge(want, bytes) {
        Ok(reason) => outcome(PHOTO_GEOLOCATION, true, BPS, &reason),
        Err(reason) => outcome(PHOTO_GEOLOCATION, false, 0, &reason),
    }
}

fn judge(want: &PhotoGeolocation, bytes: &[u8]) -> Result<String, String> {
    let facts = read_photo(bytes).map_err(|e| match e {
        PhotoError::NoExif => "the photo has no GPS position: no EXIF metadata (stripped?)".into(),
        other => other.to_string(),
    })?;
    let at = facts
        .position
        .ok_or("the photo has no GPS position in its EXIF")?;
    let d = haversine_m(want.target(), at);
    if d > want.radius_meters {
        return Err(format!(
            "the photo was taken {d:.0} m from the target ({:.6}, {:.6}), outside the {} m radius",
            want.lat, want.lng, want.radius_meters
        ));
    }
    let taken = facts
        .taken_at_ms
        .ok_or("the photo has no capture time (DateTimeOriginal) in its EXIF")?;
    let (lo, hi) = (want.not_before_ms as i128, want.not_after_ms as i128);
    if !(lo..=hi).contains(&(taken as i128)) {
        return Err(format!(
            "the photo was taken at {} (Unix ms {taken}), outside the task window [{}, {}]",
            rfc3339(taken),
            want.not_before_ms,
            want.not_after_ms
        ));
    }
    if let Some(modified) = facts.modified_at_ms
        && modified - taken > MAX_EDIT_LAG_S * 1000
    {
        return Err(format!(
            "the photo was edited after capture: modified at {}, taken at {}",
            rfc3339(modified),
            rfc3339(taken)
        ));
    }
    Ok(format!(
        "the photo was taken {d:.0} m from the target (radius {} m) at {}, inside the task window",
        want.radius_meters,
        rfc3339(taken)
    ))
}

fn rfc3339(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| format!("Unix ms {ms}"))
}

/// Degrees from an EXIF (degrees, minutes, seconds) rational triple and its N/S/E/W ref.
fn coordinate(exif: &Exif, value: Tag, reference: Tag) -> Result<Option<f64>, PhotoError> {
    let Some(field) = exif.get_field(value, In::PRIMARY) else {
        return Ok(None);
    };
    let Value::Rational(dms) = &field.value else {
        return Err(PhotoError::BadExif(format!("{value} is not rational")));
    };
    if dms.is_empty() || dms.len() > 3 || dms.iter().any(|r| r.denom == 0) {
        return Err(PhotoError::BadExif(format!(
            "{value} must be 1–3 rationals with non-zero denominators"
        )));
    }
    let deg = dms
        .iter()
        .zip([1.0, 60.0, 3600.0])
        .map(|(r, div)| r.to_f64() / div)
        .sum::<f64>();
    let sign = match exif.get_field(reference, In::PRIMARY).map(|f| &f.value) {
        Some(Value::Ascii(v)) => match v.first().and_then(|s| s.first()) {
            Some(b'N' | b'E') => 1.0,
            Some(b'S' | b'W') => -1.0,
            _ => {
                return Err(PhotoError::BadExif(format!(
                    "{reference} must be N, S, E or W"
                )));
            }
        },
        _ => return Err(PhotoError::BadExif(format!("{value} without {reference}"))),
    };
    Ok(Some(sign * deg))
}

fn position(exif: &Exif) -> Result<Option<Coordinates>, PhotoError> {
    let lat = coordinate(exif, Tag::GPSLatitude, Tag::GPSLatitudeRef)?;
    let lng = coordinate(exif, Tag::GPSLongitude, Tag::GPSLongitudeRef)?;
    let (Some(lat), Some(lng)) = (lat, lng) else {
        return Ok(None);
    };
    let c = Coordinates { lat, lng };
    c.check("photo")
        .map_err(|e| PhotoError::BadExif(e.to_string()))?;
    Ok(Some(c))
}

fn ascii(exif: &Exif, tag: Tag) -> Option<&[u8]> {
    match &exif.get_field(tag, In::PRIMARY)?.value {
        Value::Ascii(v) => v.first().map(Vec::as_slice),
        _ => None,
    }
}

/// An EXIF date-time (`YYYY:MM:DD HH:MM:SS`) with its offset tag, as Unix ms.
fn time_ms(exif: &Exif, tag: Tag, offset_tag: Tag) -> Result<Option<i64>, PhotoError> {
    let Some(raw) = ascii(exif, tag) else {
        return Ok(None);
    };
    let bad = |why: String| PhotoError::BadExif(format!("{tag}: {why}"));
    let mut dt = match DateTime::from_ascii(raw) {
        Ok(dt) => dt,
        Err(exif::Error::BlankValue(_)) => return Ok(None),
        Err(e) => return Err(bad(e.to_string())),
    };
    if let Some(off) = ascii(exif, offset_tag) {
        dt.parse_offset(off).map_err(|e| bad(e.to_string()))?;
    }
    let month = time::Month::try_from(dt.month).map_err(|e| bad(e.to_string()))?;
    let date = time::Date::from_calendar_date(i32::from(dt.year), month, dt.day)
        .map_err(|e| bad(e.to_string()))?;
    let clock =
        time::Time::from_hms(dt.hour, dt.minute, dt.second).map_err(|e| bad(e.to_string()))?;
    let offset = time::UtcOffset::from_whole_seconds(i32::from(dt.offset.unwrap_or(0)) * 60)
        .map_err(|e| bad(e.to_string()))?;
    let t = time::PrimitiveDateTime::new(date, clock).assume_offset(offset);
    Ok(Some(t.unix_timestamp() * 1000))
}
