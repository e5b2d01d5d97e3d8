//! Photo geolocation (white paper §6.3) on real JPEGs: encoded with `image`, EXIF GPS and
//! capture time written with `little_exif`, read back by the evaluator with `kamadak-exif`.

mod common;

use std::sync::Arc;

use aos_protocol::messages::{Acceptance, PhotoGeolocation};
use aos_verify::{
    Evaluator, MAX_PHOTO_BYTES, MemoryBlobs, PHOTO_GEOLOCATION, PhotoError, check_photo, read_photo,
};
use little_exif::exif_tag::ExifTag;
use little_exif::filetype::FileExtension;
use little_exif::metadata::Metadata;
use little_exif::rational::uR64;

/// 123 Main St, San Francisco (the white paper's example), 50 m radius.
const TARGET: (f64, f64) = (37.7749, -122.4194);
/// 2026-02-07T17:30:00Z, the capture time the tests write (Unix ms).
const TAKEN_MS: u64 = 1_770_485_400_000;

fn want() -> PhotoGeolocation {
    PhotoGeolocation {
        lat: TARGET.0,
        lng: TARGET.1,
        radius_meters: 50.0,
        not_before_ms: TAKEN_MS - 3_600_000,
        not_after_ms: TAKEN_MS + 3_600_000,
    }
}

/// A real 32×24 JPEG with no metadata.
fn plain_jpeg() -> Vec<u8> {
    let img = image::RgbImage::from_fn(32, 24, |x, y| {
        image::Rgb([(x * 8) as u8, (y * 10) as u8, 90])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85)
        .encode_image(&img)
        .expect("encode jpeg");
    out
}

/// Degrees as the EXIF (degrees, minutes, seconds/1000) rational triple.
fn dms(deg: f64) -> Vec<uR64> {
    let a = deg.abs();
    let d = a.trunc();
    let m = ((a - d) * 60.0).trunc();
    let s = ((a - d) * 60.0 - m) * 60.0;
    vec![
        uR64 {
            nominator: d as u32,
            denominator: 1,
        },
        uR64 {
            nominator: m as u32,
            denominator: 1,
        },
        uR64 {
            nominator: (s * 1000.0).round() as u32,
            denominator: 1000,
        },
    ]
}

/// The plain JPEG with EXIF: GPS at `at` (if any), taken `taken` in zone `offset`,
/// modified `modified` (if any).
fn photo(at: Option<(f64, f64)>, taken: &str, offset: &str, modified: Option<&str>) -> Vec<u8> {
    let mut md = Metadata::new();
    if let Some((lat, lng)) = at {
        md.set_tag(ExifTag::GPSVersionID(vec![2, 3, 0, 0]));
        md.set_tag(ExifTag::GPSLatitudeRef(
            if lat >= 0.0 { "N" } else { "S" }.into(),
        ));
        md.set_tag(ExifTag::GPSLatitude(dms(lat)));
        md.set_tag(ExifTag::GPSLongitudeRef(
            if lng >= 0.0 { "E" } else { "W" }.into(),
        ));
        md.set_tag(ExifTag::GPSLongitude(dms(lng)));
    }
    md.set_tag(ExifTag::DateTimeOriginal(taken.into()));
    md.set_tag(ExifTag::OffsetTimeOriginal(offset.into()));
    if let Some(m) = modified {
        md.set_tag(ExifTag::ModifyDate(m.into()));
    }
    let mut bytes = plain_jpeg();
    md.write_to_vec(&mut bytes, FileExtension::JPEG)
        .expect("write exif");
    bytes
}

/// ~33 m north of the target, taken at TAKEN_MS (09:30 in San Francisco, UTC−8).
fn near() -> Vec<u8> {
    photo(
        Some((37.7752, -122.4194)),
        "2026:02:07 09:30:00",
        "-08:00",
        None,
    )
}

#[test]
fn reads_gps_and_capture_time_from_a_real_jpeg() {
    let facts = read_photo(&near()).unwrap();
    let at = facts.position.unwrap();
    assert!(
        (at.lat - 37.7752).abs() < 1e-6 && (at.lng + 122.4194).abs() < 1e-6,
        "{at:?}"
    );
    assert_eq!(facts.taken_at_ms, Some(TAKEN_MS as i64));
}

#[test]
fn inside_the_radius_and_window_passes() {
    let o = check_photo(&want(), &near());
    assert!(o.pass, "{}", o.reason);
    assert_eq!(o.kind, PHOTO_GEOLOCATION);
    assert!(
        o.reason.contains("taken 33 m from the target"),
        "{}",
        o.reason
    );
    assert!(o.reason.contains("2026-02-07T17:30:00Z"), "{}", o.reason);
}

#[test]
fn outside_the_radius_fails_with_the_distance() {
    // ~111 m north
    let far = photo(
        Some((37.7759, -122.4194)),
        "2026:02:07 09:30:00",
        "-08:00",
        None,
    );
    let o = check_photo(&want(), &far);
    assert!(!o.pass);
    assert!(
        o.reason.contains("taken 111 m from the target"),
        "{}",
        o.reason
    );
    assert!(o.reason.contains("outside the 50 m radius"), "{}", o.reason);
    // the other hemisphere
    let south = photo(
        Some((-37.7752, 122.4194)),
        "2026:02:07 09:30:00",
        "-08:00",
        None,
    );
    assert!(!check_photo(&want(), &south).pass);
}

#[test]
fn outside_the_window_fails_with_the_time() {
    let late = photo(
        Some((37.7752, -122.4194)),
        "2026:02:07 12:30:00",
        "-08:00",
        None,
    );
    let o = check_photo(&want(), &late);
    assert!(!o.pass);
    assert!(
        o.reason.contains("taken at 2026-02-07T20:30:00Z"),
        "{}",
        o.reason
    );
    assert!(o.reason.contains("outside the task window"), "{}", o.reason);
}

#[test]
fn no_gps_stripped_and_edited_photos_fail() {
    let no_gps = photo(None, "2026:02:07 09:30:00", "-08:00", None);
    let o = check_photo(&want(), &no_gps);
    assert!(!o.pass);
    assert_eq!(o.reason, "the photo has no GPS position in its EXIF");
    let stripped = plain_jpeg();
    let o = check_photo(&want(), &stripped);
    assert!(!o.pass);
    assert!(
        o.reason.contains("no EXIF metadata (stripped?)"),
        "{}",
        o.reason
    );
    assert_eq!(read_photo(&stripped), Err(PhotoError::NoExif));
    let edited = photo(
        Some((37.7752, -122.4194)),
        "2026:02:07 09:30:00",
        "-08:00",
        Some("2026:02:09 10:00:00"),
    );
    let o = check_photo(&want(), &edited);
    assert!(!o.pass);
    assert!(o.reason.contains("edited after capture"), "{}", o.reason);
}

#[test]
fn a_file_that_is_not_an_image_fails() {
    for bytes in [
        b"%PDF-1.7 not a photo".to_vec(),
        b"hello".to_vec(),
        Vec::new(),
    ] {
        let o = check_photo(&want(), &bytes);
        assert!(!o.pass);
        assert!(o.reason.starts_with("not an image"), "{}", o.reason);
    }
    // a JPEG cut short after its header
    let cut = near()[..40].to_vec();
    assert!(!check_photo(&want(), &cut).pass);
}

#[test]
fn a_50_mib_upload_is_refused_before_decoding() {
    let mut big = near();
    big.resize(MAX_PHOTO_BYTES as usize + 1, 0);
    let started = std::time::Instant::now();
    assert_eq!(
        read_photo(&big),
        Err(PhotoError::TooLarge {
            len: MAX_PHOTO_BYTES + 1,
            max: MAX_PHOTO_BYTES
        })
    );
    let o = check_photo(&want(), &big);
    assert!(!o.pass);
    assert!(
        o.reason.contains("exceeds the limit of 52428800 bytes"),
        "{}",
        o.reason
    );
    assert!(started.elapsed() < std::time::Duration::from_millis(100));
}

#[tokio::test]
async fn the_evaluator_fetches_the_photo_named_by_the_output() {
    let blobs = Arc::new(MemoryBlobs::new());
    let good = blobs.insert(near());
    let mut big = near();
    big.resize(MAX_PHOTO_BYTES as usize + 1, 0);
    let big = blobs.insert(big);
    let spec = common::spec(Acceptance {
        photo: Some(want()),
        ..Default::default()
    });
    let hash = common::spec_hash(&spec);
    let ev = Evaluator::new(None).with_blobs(blobs.clone());
    let (r, h) = common::result(&spec, &good.to_blake3_string());
    let v = ev.evaluate(&spec, &hash, &h, &r).await.unwrap();
    assert!(v.pass, "{v:#?}");
    let (r, h) = common::result(&spec, &big.to_string());
    let v = ev.evaluate(&spec, &hash, &h, &r).await.unwrap();
    assert!(!v.pass);
    assert!(
        v.checks[0].reason.contains("refused before decoding"),
        "{v:#?}"
    );
    let (r, h) = common::result(&spec, "a photo of the house");
    let v = ev.evaluate(&spec, &hash, &h, &r).await.unwrap();
    assert!(
        v.checks[0].reason.contains("not a photo's content id"),
        "{v:#?}"
    );
    // a source that serves other bytes than the id names: retryable, not a verdict
    let lying = aos_protocol::ContentId::of(b"the real photo");
    blobs.insert_unchecked(lying, near());
    let (r, h) = common::result(&spec, &lying.to_string());
    let e = ev.evaluate(&spec, &hash, &h, &r).await.unwrap_err();
    assert!(
        e.is_retryable() && e.to_string().contains("hash mismatch"),
        "{e}"
    );
}
