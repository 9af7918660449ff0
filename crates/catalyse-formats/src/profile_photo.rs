//! Member profile photos: whatever the person sends (a JPEG, PNG or WebP, recognised by its
//! content, never by its name) becomes a small square JPEG decoded and re-encoded from its
//! pixels, so that nothing of the original file survives but the picture: no EXIF (so no GPS
//! position, camera or date), no ICC profile, no comment, no XMP.
//!
//! Decoding is CPU work (a fraction of a second for a phone photo): a handler calls
//! [`normalise_photo`] from `tokio::task::spawn_blocking`.

use image::imageops::FilterType;
use image::metadata::Orientation;
use image::{
    DynamicImage, GenericImageView, ImageDecoder, ImageError, ImageFormat, ImageReader, Limits,
    Rgb, RgbImage,
};
use std::io::Cursor;

/// The largest side of a stored profile photo, in pixels.
pub const PHOTO_SIDE: u32 = 400;

/// JPEG quality of the stored photo.
const JPEG_QUALITY: u8 = 82;
/// Longest side accepted, in pixels (checked from the header, before any pixel is decoded).
const MAX_SIDE: u32 = 12_000;
/// Most pixels accepted (a 40-megapixel camera's full resolution).
const MAX_PIXELS: u64 = 40_000_000;
/// Most memory the decoder may take for the decoded picture and its own buffers. A
/// 40-megapixel RGBA image takes 160 MiB at 8 bits a channel; one at 16 bits a channel (a rare
/// PNG) does not fit and is refused as too large.
const MAX_ALLOC: u64 = 256 * 1024 * 1024;

/// Why a file could not become a profile photo.
#[derive(Debug, thiserror::Error, PartialEq, Eq, Clone, Copy)]
pub enum PhotoProblem {
    /// Not recognised as any image at all (a text, a PDF, an empty file…).
    #[error("not an image")]
    NotAnImage,
    /// An image, but in a format other than JPEG, PNG and WebP (a GIF, a TIFF, a BMP, an
    /// AVIF…), or using a variant of these that the decoder does not handle.
    #[error("unsupported image format")]
    Unsupported,
    /// Its header declares more than 12,000 pixels on a side or more than 40 megapixels (or
    /// decoding it would take more than 256 MiB): refused before its pixels are decoded.
    #[error("image too large")]
    TooLarge,
    /// Recognised as a JPEG, PNG or WebP but damaged or cut off.
    #[error("corrupt image")]
    Corrupt,
}

impl PhotoProblem {
    /// What to tell the person, next to the photo field of the form.
    pub fn message(&self) -> &'static str {
        match self {
            PhotoProblem::NotAnImage => "Ce fichier n'est pas une image JPEG, PNG ou WebP.",
            PhotoProblem::Unsupported => {
                "Ce format d'image n'est pas pris en charge : choisissez une photo JPEG, PNG ou WebP."
            }
            PhotoProblem::TooLarge => {
                "Cette image est trop grande : 40 mégapixels et 12 000 pixels de côté au plus."
            }
            PhotoProblem::Corrupt => {
                "Cette image est endommagée ou incomplète : elle n'a pas pu être lue."
            }
        }
    }
}

/// Decodes a JPEG, PNG or WebP (recognised by content, never by name), applies its EXIF
/// orientation if it has one (so a portrait photo taken with the phone held upright stays
/// upright), crops it to a centred square, resizes that to `PHOTO_SIDE`×`PHOTO_SIDE` with a
/// Lanczos3 filter (never upscaling: a smaller square keeps its size), converts it to RGB (any
/// transparency flattened on white) and encodes it as a baseline JPEG at quality 82.
///
/// The output carries no metadata (no EXIF, no GPS, no ICC profile, no comment): it is encoded
/// from the pixels alone; its only header segment is the encoder's plain JFIF APP0.
///
/// The pixel dimensions are read from the header and checked before anything is decoded, and
/// the decoder runs under memory limits, so a small file declaring a huge picture (a
/// decompression bomb) is refused as [`PhotoProblem::TooLarge`] without allocating it. A GIF or
/// any other recognised but unaccepted format is [`PhotoProblem::Unsupported`]; bytes that are
/// no known image are [`PhotoProblem::NotAnImage`]. Never panics: should a decoder panic on
/// some hostile input all the same, that is caught and reported as [`PhotoProblem::Corrupt`].
pub fn normalise_photo(bytes: &[u8]) -> Result<Vec<u8>, PhotoProblem> {
    std::panic::catch_unwind(|| normalise(bytes)).unwrap_or(Err(PhotoProblem::Corrupt))
}

/// Decodes a JPEG, PNG or WebP within the limits above (checked from its header before any
/// pixel is decoded): the picture as stored, its size and its EXIF orientation. Shared with
/// [`crate::picture`].
pub(crate) fn decode(bytes: &[u8]) -> Result<(DynamicImage, u32, u32, Orientation), PhotoProblem> {
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|_| PhotoProblem::Corrupt)?;
    match reader.format() {
        None => return Err(PhotoProblem::NotAnImage),
        Some(ImageFormat::Jpeg) if !jpeg_is_whole(bytes) => return Err(PhotoProblem::Corrupt),
        Some(ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP) => {}
        Some(_) => return Err(PhotoProblem::Unsupported),
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_ALLOC);
    reader.limits(limits);

    // Only the headers are read here; the limits above are already enforced.
    let mut decoder = reader.into_decoder().map_err(problem)?;
    let (width, height) = decoder.dimensions();
    if width == 0 || height == 0 {
        return Err(PhotoProblem::Corrupt);
    }
    if width > MAX_SIDE
        || height > MAX_SIDE
        || u64::from(width) * u64::from(height) > MAX_PIXELS
        || decoder.total_bytes() > MAX_ALLOC
    {
        return Err(PhotoProblem::TooLarge);
    }
    // A missing, unreadable or nonsensical orientation tag means the picture is shown as stored.
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let decoded = DynamicImage::from_decoder(decoder).map_err(problem)?;
    Ok((decoded, width, height, orientation))
}

fn normalise(bytes: &[u8]) -> Result<Vec<u8>, PhotoProblem> {
    let (decoded, width, height, orientation) = decode(bytes)?;
    // The centred square of the stored picture is the centred square of the upright one too
    // (rotations and flips keep the centre and the square), so cropping and resizing come
    // first and the orientation is applied to the small result only.
    let side = width.min(height);
    let (left, top) = ((width - side) / 2, (height - side) / 2);
    // A big square is first brought down to twice the final side by averaging its pixels
    // (fast, and free of aliasing), so that the Lanczos filter then only has a factor of two
    // to cover: two to four times quicker on a phone photo than the filter alone, for the
    // same result to the eye.
    let big = side >= 4 * PHOTO_SIDE;
    let halfway = 2 * PHOTO_SIDE;
    let square = match decoded {
        // The usual photo, an RGB JPEG: read in place, without copying the square out first.
        DynamicImage::ImageRgb8(rgb) => {
            let view = rgb.view(left, top, side, side);
            if big {
                image::imageops::thumbnail(&*view, halfway, halfway)
            } else {
                view.to_image()
            }
        }
        other => {
            let square = flatten_on_white(other.crop_imm(left, top, side, side));
            if big {
                image::imageops::thumbnail(&square, halfway, halfway)
            } else {
                square
            }
        }
    };
    let mut photo = DynamicImage::ImageRgb8(square);
    if side > PHOTO_SIDE {
        photo = photo.resize_exact(PHOTO_SIDE, PHOTO_SIDE, FilterType::Lanczos3);
    }
    photo.apply_orientation(orientation);

    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY)
        .encode_image(&photo)
        .map_err(|_| PhotoProblem::Corrupt)?;
    Ok(out)
}

/// RGB pixels, any alpha composed over a white background.
pub(crate) fn flatten_on_white(image: DynamicImage) -> RgbImage {
    if !image.color().has_alpha() {
        return image.into_rgb8();
    }
    let rgba = image.into_rgba8();
    RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let [r, g, b, a] = rgba.get_pixel(x, y).0;
        let a = u16::from(a);
        let over_white = |c: u8| ((u16::from(c) * a + 255 * (255 - a) + 127) / 255) as u8;
        Rgb([over_white(r), over_white(g), over_white(b)])
    })
}

/// Whether a JPEG's end-of-image marker follows its first scan. The JPEG decoder makes do with
/// a file cut off in the middle of its pixels (the missing part comes out grey); such a photo
/// is refused instead, so that the person sends it again. Inside a scan's coded data a 0xFF
/// byte is always followed by 0x00 or a restart marker, so an FF D9 after the scan's start
/// is the real end, whereas one inside an EXIF thumbnail (before the scan) does not count.
/// Data appended after the end (as some phones do) is allowed. A file whose segments cannot
/// even be walked to a scan is reported whole here: the decoder then says what is wrong.
fn jpeg_is_whole(bytes: &[u8]) -> bool {
    let mut at = 2; // after SOI
    loop {
        // Markers may be preceded by any number of 0xFF fill bytes.
        while bytes.get(at) == Some(&0xFF) && bytes.get(at + 1) == Some(&0xFF) {
            at += 1;
        }
        let (Some(&0xFF), Some(&marker)) = (bytes.get(at), bytes.get(at + 1)) else {
            return true;
        };
        match marker {
            // Start of scan: the end of image must come after it.
            0xDA => return bytes[at + 2..].windows(2).any(|w| w == [0xFF, 0xD9]),
            // Markers standing alone, without a length.
            0x01 | 0xD0..=0xD9 => at += 2,
            _ => {
                let Some(len) = bytes.get(at + 2..at + 4) else {
                    return true;
                };
                at += 2 + usize::from(u16::from_be_bytes([len[0], len[1]]));
            }
        }
    }
}

fn problem(error: ImageError) -> PhotoProblem {
    match error {
        ImageError::Limits(_) => PhotoProblem::TooLarge,
        ImageError::Unsupported(_) => PhotoProblem::Unsupported,
        ImageError::Decoding(_)
        | ImageError::IoError(_)
        | ImageError::Parameter(_)
        | ImageError::Encoding(_) => PhotoProblem::Corrupt,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::codecs::jpeg::JpegEncoder;
    use image::codecs::png::PngEncoder;
    use image::codecs::webp::WebPEncoder;
    use image::{ExtendedColorType, ImageEncoder, RgbaImage};

    fn png(image: &RgbaImage) -> Vec<u8> {
        let mut out = Vec::new();
        PngEncoder::new(&mut out)
            .write_image(
                image.as_raw(),
                image.width(),
                image.height(),
                ExtendedColorType::Rgba8,
            )
            .unwrap();
        out
    }

    fn jpeg(image: &RgbImage) -> Vec<u8> {
        let mut out = Vec::new();
        JpegEncoder::new_with_quality(&mut out, 95)
            .encode_image(image)
            .unwrap();
        out
    }

    /// Decodes an output, checking it is a JPEG.
    fn decode_jpeg(bytes: &[u8]) -> RgbImage {
        assert_eq!(image::guess_format(bytes).unwrap(), ImageFormat::Jpeg);
        image::load_from_memory_with_format(bytes, ImageFormat::Jpeg)
            .unwrap()
            .into_rgb8()
    }

    /// The markers of a JPEG's segments up to its first scan, checking its structure on the way.
    fn segment_markers(bytes: &[u8]) -> Vec<u8> {
        assert_eq!(&bytes[..2], &[0xFF, 0xD8], "no SOI");
        let mut markers = Vec::new();
        let mut at = 2;
        loop {
            assert_eq!(bytes[at], 0xFF, "segment expected at {at}");
            let marker = bytes[at + 1];
            markers.push(marker);
            if marker == 0xDA {
                return markers;
            }
            let len = usize::from(u16::from_be_bytes([bytes[at + 2], bytes[at + 3]]));
            at += 2 + len;
        }
    }

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle)
    }

    /// Checks a pixel's colour, within what JPEG compression changes.
    #[track_caller]
    fn assert_colour(photo: &RgbImage, x: u32, y: u32, expected: [u8; 3]) {
        let found = photo.get_pixel(x, y).0;
        assert!(
            found
                .iter()
                .zip(expected)
                .all(|(&f, e)| f.abs_diff(e) <= 12),
            "pixel ({x}, {y}) is {found:?}, not {expected:?}"
        );
    }

    /// Checks an output carries nothing but pixels: JFIF APP0, quantisation and Huffman tables,
    /// a baseline frame, the scan; no APP1 (EXIF/XMP), APP2 (ICC), other APPn or comment.
    fn assert_clean_baseline(out: &[u8]) {
        let markers = segment_markers(out);
        assert!(markers.contains(&0xC0), "not baseline: {markers:x?}");
        for m in &markers {
            assert!(
                matches!(m, 0xE0 | 0xDB | 0xC0 | 0xC4 | 0xDD | 0xDA),
                "unexpected segment FF{m:02X} in {markers:x?}"
            );
        }
        for needle in [&b"Exif"[..], b"ICC_PROFILE", b"http://ns.adobe.com", b"GPS"] {
            assert!(!contains(out, needle), "output contains {needle:?}");
        }
    }

    #[test]
    fn png_with_alpha_becomes_a_square_jpeg_flattened_on_white() {
        // 1200×800: left third transparent, the rest opaque blue with a red centre column.
        let image = RgbaImage::from_fn(1200, 800, |x, _| {
            if x < 400 {
                image::Rgba([0, 0, 0, 0])
            } else if (580..620).contains(&x) {
                image::Rgba([255, 0, 0, 255])
            } else {
                image::Rgba([0, 0, 255, 255])
            }
        });
        let out = normalise_photo(&png(&image)).unwrap();
        assert_clean_baseline(&out);
        let photo = decode_jpeg(&out);
        assert_eq!(photo.dimensions(), (PHOTO_SIDE, PHOTO_SIDE));
        // The centred 800×800 square is x 200..1000: its first quarter was transparent.
        assert_colour(&photo, 20, 200, [255, 255, 255]);
        assert_colour(&photo, 200, 200, [255, 0, 0]);
        assert_colour(&photo, 300, 200, [0, 0, 255]);
    }

    #[test]
    fn a_big_photo_is_averaged_down_then_filtered() {
        // 2400×1800, the centred 1800×1800 square (x 300..2100) red on its left half, blue on
        // its right half, with a thin black line in the middle (averaged to a grey smudge).
        let image = RgbImage::from_fn(2400, 1800, |x, _| match x {
            0..=1195 => Rgb([255, 0, 0]),
            1196..=1203 => Rgb([0, 0, 0]),
            _ => Rgb([0, 0, 255]),
        });
        let out = normalise_photo(&jpeg(&image)).unwrap();
        assert_clean_baseline(&out);
        let photo = decode_jpeg(&out);
        assert_eq!(photo.dimensions(), (PHOTO_SIDE, PHOTO_SIDE));
        assert_colour(&photo, 5, 5, [255, 0, 0]);
        assert_colour(&photo, 190, 390, [255, 0, 0]);
        assert_colour(&photo, 210, 10, [0, 0, 255]);
        assert_colour(&photo, 395, 395, [0, 0, 255]);
        // And a big PNG with transparency takes the other branch.
        let image = RgbaImage::from_fn(1700, 1600, |x, _| {
            image::Rgba([0, 0, 255, if x < 850 { 0 } else { 255 }])
        });
        let photo = decode_jpeg(&normalise_photo(&png(&image)).unwrap());
        assert_eq!(photo.dimensions(), (PHOTO_SIDE, PHOTO_SIDE));
        assert_colour(&photo, 20, 200, [255, 255, 255]);
        assert_colour(&photo, 380, 200, [0, 0, 255]);
    }

    #[test]
    fn a_small_square_jpeg_is_not_upscaled() {
        let image = RgbImage::from_fn(300, 300, |x, y| Rgb([x as u8, y as u8, 128]));
        let out = normalise_photo(&jpeg(&image)).unwrap();
        assert_clean_baseline(&out);
        assert_eq!(decode_jpeg(&out).dimensions(), (300, 300));
    }

    #[test]
    fn a_small_oblong_image_is_cropped_but_not_upscaled() {
        let image = RgbaImage::from_pixel(250, 120, image::Rgba([10, 200, 10, 255]));
        let photo = decode_jpeg(&normalise_photo(&png(&image)).unwrap());
        assert_eq!(photo.dimensions(), (120, 120));
        assert_colour(&photo, 60, 60, [10, 200, 10]);
    }

    #[test]
    fn webp_is_accepted() {
        let image = RgbaImage::from_fn(500, 700, |_, y| {
            if y < 350 {
                image::Rgba([255, 0, 0, 255])
            } else {
                image::Rgba([0, 255, 0, 128])
            }
        });
        let mut webp = Vec::new();
        WebPEncoder::new_lossless(&mut webp)
            .encode(image.as_raw(), 500, 700, ExtendedColorType::Rgba8)
            .unwrap();
        assert_eq!(image::guess_format(&webp).unwrap(), ImageFormat::WebP);
        let out = normalise_photo(&webp).unwrap();
        assert_clean_baseline(&out);
        let photo = decode_jpeg(&out);
        assert_eq!(photo.dimensions(), (PHOTO_SIDE, PHOTO_SIDE));
        assert_colour(&photo, 200, 50, [255, 0, 0]);
        // Half-transparent green over white.
        assert_colour(&photo, 200, 350, [127, 255, 127]);
    }

    /// A big-endian EXIF block: IFD0 with Orientation and a GPS IFD pointer, the GPS IFD with a
    /// latitude, as a phone writes them.
    fn exif_app1(orientation: u16) -> Vec<u8> {
        let mut tiff: Vec<u8> = b"MM\0\x2a\0\0\0\x08".to_vec();
        // IFD0 at 8: 2 entries (2 + 2×12 + 4 = 30 bytes) → GPS IFD at 38.
        tiff.extend(2u16.to_be_bytes());
        tiff.extend([0x01, 0x12, 0, 3, 0, 0, 0, 1]); // Orientation, SHORT, 1
        tiff.extend(orientation.to_be_bytes());
        tiff.extend([0, 0]);
        tiff.extend([0x88, 0x25, 0, 4, 0, 0, 0, 1]); // GPSInfo, LONG, 1
        tiff.extend(38u32.to_be_bytes());
        tiff.extend(0u32.to_be_bytes());
        // GPS IFD at 38: 2 entries (30 bytes) → rationals at 68.
        tiff.extend(2u16.to_be_bytes());
        tiff.extend([0, 1, 0, 2, 0, 0, 0, 2]); // GPSLatitudeRef, ASCII, 2
        tiff.extend(*b"N\0\0\0");
        tiff.extend([0, 2, 0, 5, 0, 0, 0, 3]); // GPSLatitude, RATIONAL, 3
        tiff.extend(68u32.to_be_bytes());
        tiff.extend(0u32.to_be_bytes());
        for (n, d) in [(48u32, 1u32), (51, 1), (2964, 100)] {
            tiff.extend(n.to_be_bytes());
            tiff.extend(d.to_be_bytes());
        }
        let mut payload = b"Exif\0\0".to_vec();
        payload.extend(tiff);
        let mut segment = vec![0xFF, 0xE1];
        segment.extend(u16::try_from(payload.len() + 2).unwrap().to_be_bytes());
        segment.extend(payload);
        segment
    }

    /// Inserts segments right after a JPEG's SOI.
    fn with_segments(jpeg: &[u8], segments: &[Vec<u8>]) -> Vec<u8> {
        let mut out = jpeg[..2].to_vec();
        for s in segments {
            out.extend(s);
        }
        out.extend(&jpeg[2..]);
        out
    }

    fn segment(marker: u8, payload: &[u8]) -> Vec<u8> {
        let mut s = vec![0xFF, marker];
        s.extend(u16::try_from(payload.len() + 2).unwrap().to_be_bytes());
        s.extend(payload);
        s
    }

    #[test]
    fn exif_orientation_is_applied_and_all_metadata_dropped() {
        // Upright, the picture is 300 wide and 600 tall: left half red, right half blue, top
        // quarter green (cropped away). A phone held upright stores it turned a quarter turn
        // anticlockwise, 600×300, with orientation 6 (« rotate 90° clockwise to display »).
        let upright = RgbImage::from_fn(300, 600, |x, y| {
            if y < 150 {
                Rgb([0, 255, 0])
            } else if x < 150 {
                Rgb([255, 0, 0])
            } else {
                Rgb([0, 0, 255])
            }
        });
        let stored = image::imageops::rotate270(&upright);
        assert_eq!(stored.dimensions(), (600, 300));
        let icc = {
            let mut p = b"ICC_PROFILE\0\x01\x01".to_vec();
            p.extend([0u8; 64]);
            p
        };
        let file = with_segments(
            &jpeg(&stored),
            &[
                exif_app1(6),
                segment(0xE2, &icc),
                segment(0xFE, b"taken at 48.85N 2.35E"),
            ],
        );
        assert!(contains(&file, b"Exif\0\0MM"));
        let out = normalise_photo(&file).unwrap();
        assert_clean_baseline(&out);
        assert!(!contains(&out, b"taken at"));
        let photo = decode_jpeg(&out);
        assert_eq!(photo.dimensions(), (300, 300));
        // Upright: red on the left, blue on the right, all the way from top to bottom (the
        // green top quarter fell outside the centred square).
        for y in [5, 150, 295] {
            assert_colour(&photo, 40, y, [255, 0, 0]);
            assert_colour(&photo, 260, y, [0, 0, 255]);
        }

        // Without the tag, the same pixels come out as stored: blue on top, red below.
        let photo = decode_jpeg(&normalise_photo(&jpeg(&stored)).unwrap());
        assert_colour(&photo, 150, 20, [0, 0, 255]);
        assert_colour(&photo, 150, 280, [255, 0, 0]);
    }

    #[test]
    fn other_orientations() {
        // A 400×200 picture: red left quarter of its centred square, the rest white.
        let stored = RgbImage::from_fn(400, 200, |x, _| {
            if (100..150).contains(&x) {
                Rgb([255, 0, 0])
            } else {
                Rgb([255, 255, 255])
            }
        });
        // (orientation, where the red band ends up as (x, y) in the 200×200 output)
        for (orientation, red_at, white_at) in [
            (1, (10, 100), (190, 100)),
            (2, (190, 100), (10, 100)), // mirrored
            (3, (190, 100), (10, 100)), // turned half round
            (6, (100, 10), (100, 190)), // quarter turn clockwise: the left goes on top
            (8, (100, 190), (100, 10)), // quarter turn anticlockwise
        ] {
            let file = with_segments(&jpeg(&stored), &[exif_app1(orientation)]);
            let photo = decode_jpeg(&normalise_photo(&file).unwrap());
            assert_eq!(photo.dimensions(), (200, 200));
            assert_colour(&photo, red_at.0, red_at.1, [255, 0, 0]);
            assert_colour(&photo, white_at.0, white_at.1, [255, 255, 255]);
        }
        // A nonsensical orientation value is ignored.
        let file = with_segments(&jpeg(&stored), &[exif_app1(77)]);
        let photo = decode_jpeg(&normalise_photo(&file).unwrap());
        assert_colour(&photo, 10, 100, [255, 0, 0]);
    }

    #[test]
    fn non_images_and_other_formats_are_refused() {
        assert_eq!(normalise_photo(b""), Err(PhotoProblem::NotAnImage));
        assert_eq!(
            normalise_photo(b"Bonjour, voici ma photo !\n"),
            Err(PhotoProblem::NotAnImage)
        );
        assert_eq!(
            normalise_photo(b"%PDF-1.7\n%\xe2\xe3"),
            Err(PhotoProblem::NotAnImage)
        );
        // A GIF (smallest valid 1×1) is recognised as an image, just not one accepted.
        let gif = b"GIF89a\x01\0\x01\0\x80\0\0\0\0\0\xff\xff\xff!\xf9\x04\x01\0\0\0\0,\0\0\0\0\x01\0\x01\0\0\x02\x02D\x01\0;";
        assert_eq!(normalise_photo(gif), Err(PhotoProblem::Unsupported));
        // So are a BMP and a TIFF header.
        assert_eq!(
            normalise_photo(b"BM\x3a\0\0\0\0\0\0\0\x36\0\0\0"),
            Err(PhotoProblem::Unsupported)
        );
        assert_eq!(
            normalise_photo(b"II*\0\x08\0\0\0\0\0"),
            Err(PhotoProblem::Unsupported)
        );
        // The messages are sentences.
        for p in [
            PhotoProblem::NotAnImage,
            PhotoProblem::Unsupported,
            PhotoProblem::TooLarge,
            PhotoProblem::Corrupt,
        ] {
            assert!(p.message().ends_with('.'));
        }
        assert_eq!(
            PhotoProblem::NotAnImage.message(),
            "Ce fichier n'est pas une image JPEG, PNG ou WebP."
        );
    }

    #[test]
    fn truncated_or_damaged_files_are_corrupt() {
        let image = RgbImage::from_fn(320, 240, |x, y| Rgb([x as u8, y as u8, (x ^ y) as u8]));
        let file = jpeg(&image);
        // Cut inside the headers, and cut in the middle of the pixels.
        assert_eq!(
            normalise_photo(&file[..20]).err(),
            Some(PhotoProblem::Corrupt)
        );
        assert_eq!(
            normalise_photo(&file[..3]).err(),
            Some(PhotoProblem::Corrupt)
        );
        assert_eq!(
            normalise_photo(&file[..file.len() / 2]).err(),
            Some(PhotoProblem::Corrupt)
        );
        assert_eq!(
            normalise_photo(&file[..file.len() - 2]).err(),
            Some(PhotoProblem::Corrupt)
        );
        // Whole, with data appended after the end (as some phones do), it is fine.
        let mut appended = file.clone();
        appended.extend(b"\0\0MotionPhoto_Data\xFF\xD8\xFF\xE0");
        assert!(normalise_photo(&appended).is_ok());
        // An embedded EXIF thumbnail's end marker does not make a cut-off file whole.
        let thumbnail = segment(
            0xE1,
            &[&b"Exif\0\0"[..], &jpeg(&RgbImage::new(8, 8))].concat(),
        );
        let with_thumbnail = with_segments(&file, &[thumbnail]);
        assert!(normalise_photo(&with_thumbnail).is_ok());
        let cut = &with_thumbnail[..with_thumbnail.len() - 200];
        assert_eq!(normalise_photo(cut).err(), Some(PhotoProblem::Corrupt));

        let mut webp = Vec::new();
        WebPEncoder::new_lossless(&mut webp)
            .encode(image.as_raw(), 320, 240, ExtendedColorType::Rgb8)
            .unwrap();
        assert_eq!(
            normalise_photo(&webp[..webp.len() / 2]).err(),
            Some(PhotoProblem::Corrupt)
        );
        assert_eq!(
            normalise_photo(&webp[..webp.len() - 1]).err(),
            Some(PhotoProblem::Corrupt)
        );

        let file = png(&RgbaImage::from_fn(320, 240, |x, y| {
            image::Rgba([x as u8, y as u8, 0, 255])
        }));
        assert_eq!(
            normalise_photo(&file[..file.len() / 2]).err(),
            Some(PhotoProblem::Corrupt)
        );
        assert_eq!(
            normalise_photo(&file[..file.len() - 12]).err(),
            Some(PhotoProblem::Corrupt)
        );
        assert_eq!(
            normalise_photo(&file[..30]).err(),
            Some(PhotoProblem::Corrupt)
        );
    }

    fn crc32(data: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &byte in data {
            crc ^= u32::from(byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut c = u32::try_from(data.len()).unwrap().to_be_bytes().to_vec();
        c.extend(kind);
        c.extend(data);
        c.extend(crc32(&c[4..]).to_be_bytes());
        c
    }

    /// A PNG whose header declares the given size, followed by a tiny IDAT and IEND.
    fn png_declaring(width: u32, height: u32) -> Vec<u8> {
        let mut ihdr = width.to_be_bytes().to_vec();
        ihdr.extend(height.to_be_bytes());
        ihdr.extend([8, 6, 0, 0, 0]); // 8-bit RGBA, deflate, no filter method, no interlace
        let mut file = b"\x89PNG\r\n\x1a\n".to_vec();
        file.extend(png_chunk(b"IHDR", &ihdr));
        file.extend(png_chunk(b"IDAT", b"\x78\x9c\x03\x00\x00\x00\x00\x01"));
        file.extend(png_chunk(b"IEND", b""));
        file
    }

    #[test]
    fn declared_huge_dimensions_are_refused_before_decoding() {
        assert_eq!(crc32(b"IEND"), 0xAE42_6082);
        let started = std::time::Instant::now();
        assert_eq!(
            normalise_photo(&png_declaring(100_000, 100_000)),
            Err(PhotoProblem::TooLarge)
        );
        assert_eq!(
            normalise_photo(&png_declaring(12_001, 1)),
            Err(PhotoProblem::TooLarge)
        );
        assert_eq!(
            normalise_photo(&png_declaring(1, 12_001)),
            Err(PhotoProblem::TooLarge)
        );
        // Each side allowed, but 49 megapixels.
        assert_eq!(
            normalise_photo(&png_declaring(7_000, 7_000)),
            Err(PhotoProblem::TooLarge)
        );
        // (Allocating and decoding 40 GB would not be this quick, nor succeed.)
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
        // Within the limits, the same tiny file is merely corrupt (its data is missing).
        assert_eq!(
            normalise_photo(&png_declaring(1_000, 1_000)),
            Err(PhotoProblem::Corrupt)
        );

        // A JPEG declaring 60000×60000 in its frame header.
        let mut file = jpeg(&RgbImage::new(16, 16));
        let sof = file.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
        file[sof + 5..sof + 9].copy_from_slice(&[0xEA, 0x60, 0xEA, 0x60]);
        assert_eq!(normalise_photo(&file), Err(PhotoProblem::TooLarge));
    }

    /// A tiny deterministic generator (xorshift64*), so that failures are reproducible.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    #[test]
    fn never_panics_on_random_truncated_or_damaged_input() {
        // `normalise` is called directly: the `catch_unwind` of `normalise_photo` would hide
        // a decoder panic, and this test is there to find one.
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let picture = RgbaImage::from_fn(64, 48, |x, y| {
            image::Rgba([x as u8 * 4, y as u8 * 5, 90, 200])
        });
        let mut webp = Vec::new();
        WebPEncoder::new_lossless(&mut webp)
            .encode(picture.as_raw(), 64, 48, ExtendedColorType::Rgba8)
            .unwrap();
        let rgb = DynamicImage::ImageRgba8(picture.clone()).into_rgb8();
        let valid = [
            png(&picture),
            webp,
            jpeg(&rgb),
            with_segments(&jpeg(&rgb), &[exif_app1(6)]),
        ];
        for file in &valid {
            assert!(normalise(file).is_ok());
            // Every truncation.
            for len in 0..file.len() {
                let _ = normalise(&file[..len]);
            }
            // Random damage.
            for _ in 0..150 {
                let mut damaged = file.clone();
                for _ in 0..1 + rng.below(8) {
                    let at = rng.below(damaged.len());
                    damaged[at] = rng.next() as u8;
                }
                let _ = normalise(&damaged);
            }
        }
        // Random bytes, bare and behind each accepted format's signature.
        let prefixes: [&[u8]; 5] = [
            b"",
            b"\x89PNG\r\n\x1a\n",
            b"\xFF\xD8\xFF",
            b"RIFF\0\0\0\0WEBPVP8 ",
            b"RIFF\0\0\0\0WEBPVP8L",
        ];
        for prefix in prefixes {
            for _ in 0..300 {
                let mut bytes = prefix.to_vec();
                for _ in 0..rng.below(300) {
                    bytes.push(rng.next() as u8);
                }
                let _ = normalise(&bytes);
                let _ = normalise_photo(&bytes);
            }
        }
    }
}
