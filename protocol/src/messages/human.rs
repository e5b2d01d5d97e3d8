//! Human tasks (white paper §6.3) and photo geolocation checks.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::common::{MAX_ID_LEN, MAX_TEXT_LEN, Message, Money, check_list, check_str};
use super::error::MessageError;

/// Mean Earth radius in metres (IUGG R1 = 6 371 008.8 m), used by [`haversine_m`].
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;
/// Largest accepted verification radius, metres.
pub const MAX_RADIUS_M: f64 = 100_000.0;

/// A WGS 84 position in decimal degrees.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Coordinates {
    /// Latitude, degrees in `[-90, 90]`.
    pub lat: f64,
    /// Longitude, degrees in `[-180, 180]`.
    pub lng: f64,
}

impl Coordinates {
    /// Checks both values are finite and in range.
    ///
    /// # Errors
    /// [`MessageError::Invalid`].
    pub fn check(&self, field: &'static str) -> Result<(), MessageError> {
        let ok = self.lat.is_finite()
            && self.lng.is_finite()
            && (-90.0..=90.0).contains(&self.lat)
            && (-180.0..=180.0).contains(&self.lng);
        if ok {
            Ok(())
        } else {
            Err(MessageError::invalid(
                field,
                "lat must be in [-90, 90], lng in [-180, 180]",
            ))
        }
    }
}

/// Great-circle distance in metres between two positions (haversine formula on a sphere
/// of radius [`EARTH_RADIUS_M`]; error vs. the WGS 84 ellipsoid ≤ 0.5 %).
pub fn haversine_m(a: Coordinates, b: Coordinates) -> f64 {
    let (p1, p2) = (a.lat.to_radians(), b.lat.to_radians());
    let dp = (b.lat - a.lat).to_radians();
    let dl = (b.lng - a.lng).to_radians();
    let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
}

/// How a human task's completion is checked (white paper §6.3 `verification`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Verification {
    /// A photo taken within `radius_meters` of `coordinates`.
    PhotoGeolocation {
        /// Target position.
        coordinates: Coordinates,
        /// Allowed distance, metres, in `(0, 100 000]`.
        radius_meters: f64,
    },
}

impl Verification {
    /// Whether a photo taken at `photo` satisfies the check.
    ///
    /// # Errors
    /// [`MessageError::Invalid`] if `photo` is not a valid position.
    pub fn photo_within_radius(&self, photo: Coordinates) -> Result<bool, MessageError> {
        photo.check("photo")?;
        match self {
            Self::PhotoGeolocation {
                coordinates,
                radius_meters,
            } => Ok(haversine_m(*coordinates, photo) <= *radius_meters),
        }
    }

    fn check(&self) -> Result<(), MessageError> {
        match self {
            Self::PhotoGeolocation {
                coordinates,
                radius_meters,
            } => {
                coordinates.check("verification.coordinates")?;
                if !(radius_meters.is_finite()
                    && *radius_meters > 0.0
                    && *radius_meters <= MAX_RADIUS_M)
                {
                    return Err(MessageError::invalid(
                        "verification.radius_meters",
                        "must be in (0, 100000]",
                    ));
                }
                Ok(())
            }
        }
    }
}

/// A task for a person (white paper §6.3).
///
/// Rules: ids ≤ 128 bytes, description ≤ 256 KiB and non-empty, ≤ 64 capabilities,
/// payment valid, `deadline` an RFC 3339 UTC time (`YYYY-MM-DDTHH:MM:SS[.frac]Z`),
/// verification valid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HumanTask {
    /// Task identifier.
    pub task_id: String,
    /// Always `"human_task"` in the white paper; any kind ≤ 128 bytes accepted.
    #[serde(rename = "type")]
    pub task_type: String,
    /// What to do.
    pub description: String,
    /// Capabilities the person needs, e.g. `"photography"`.
    #[serde(default)]
    pub required_capabilities: Vec<String>,
    /// What it pays.
    pub payment: Money,
    /// Deadline, RFC 3339 UTC, e.g. `"2026-02-07T18:00:00Z"`.
    pub deadline: String,
    /// How completion is checked.
    pub verification: Verification,
    /// On-chain escrow reference, e.g. `"0x…"`.
    pub escrow_id: String,
}

impl HumanTask {
    /// Whether a photo taken at `photo` is within the verification radius.
    ///
    /// # Errors
    /// [`MessageError::Invalid`] if `photo` is not a valid position.
    pub fn photo_within_radius(&self, photo: Coordinates) -> Result<bool, MessageError> {
        self.verification.photo_within_radius(photo)
    }
}

/// Light RFC 3339 check for UTC timestamps.
fn is_rfc3339_utc(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 20 || b.len() > 40 || b[b.len() - 1] != b'Z' {
        return false;
    }
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    let num = |r: std::ops::Range<usize>| {
        std::str::from_utf8(&b[r])
            .ok()
            .and_then(|x| x.parse::<u32>().ok())
    };
    let shape = digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && (b[10] == b'T' || b[10] == b't')
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19);
    if !shape {
        return false;
    }
    let frac = &b[19..b.len() - 1];
    let frac_ok = frac.is_empty()
        || (frac.len() >= 2 && frac[0] == b'.' && frac[1..].iter().all(u8::is_ascii_digit));
    let ranges = matches!(num(5..7), Some(1..=12))
        && matches!(num(8..10), Some(1..=31))
        && matches!(num(11..13), Some(0..=23))
        && matches!(num(14..16), Some(0..=59))
        && matches!(num(17..19), Some(0..=60));
    frac_ok && ranges
}

impl Message for HumanTask {
    const NAME: &'static str = "human_task";

    fn validate(&self) -> Result<(), MessageError> {
        check_str("task_id", &self.task_id, MAX_ID_LEN, true)?;
        check_str("type", &self.task_type, MAX_ID_LEN, true)?;
        check_str("description", &self.description, MAX_TEXT_LEN, true)?;
        check_list(
            "required_capabilities",
            &self.required_capabilities,
            64,
            MAX_ID_LEN,
        )?;
        self.payment.check("payment")?;
        if !is_rfc3339_utc(&self.deadline) {
            return Err(MessageError::invalid(
                "deadline",
                "must be RFC 3339 UTC (…Z)",
            ));
        }
        self.verification.check()?;
        check_str("escrow_id", &self.escrow_id, MAX_ID_LEN, true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn white_paper_example_and_radius() {
        let j = br#"{ "task_id": "sha256:abc", "type": "human_task", "description": "Photograph commercial property at 123 Main St, San Francisco", "required_capabilities": ["san_francisco_local", "photography"], "payment": { "amount": "1500", "currency": "USD", "decimals": 2 }, "deadline": "2026-02-07T18:00:00Z", "verification": { "type": "photo_geolocation", "coordinates": { "lat": 37.7749, "lng": -122.4194 }, "radius_meters": 50 }, "escrow_id": "0x01" }"#;
        let t = HumanTask::from_json(j).unwrap();
        // ~0.0003° latitude ≈ 33 m north: inside; 0.001° ≈ 111 m: outside
        let near = Coordinates {
            lat: 37.7752,
            lng: -122.4194,
        };
        let far = Coordinates {
            lat: 37.7759,
            lng: -122.4194,
        };
        assert!(t.photo_within_radius(near).unwrap());
        assert!(!t.photo_within_radius(far).unwrap());
        assert!(
            t.photo_within_radius(Coordinates {
                lat: 91.0,
                lng: 0.0
            })
            .is_err()
        );
        let d = haversine_m(
            Coordinates { lat: 0.0, lng: 0.0 },
            Coordinates { lat: 0.0, lng: 1.0 },
        );
        assert!((d - 111_195.08).abs() < 1.0, "{d}");
        assert!(!is_rfc3339_utc("2026-13-07T18:00:00Z"));
        assert!(is_rfc3339_utc("2026-02-07T18:00:00.123Z"));
    }
}
