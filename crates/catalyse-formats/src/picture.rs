//! Pictures that illustrate a text (the images of a case study): like profile photos, whatever
//! the person sends (a JPEG, PNG or WebP, recognised by its content, never by its name) is
//! decoded within the same limits and re-encoded from its pixels as a JPEG, so that no
//! metadata of the original survives (no EXIF, so no GPS position). Unlike a photo it is not
//! cropped: it keeps its proportions, brought down to [`PICTURE_SIDE`] on its longest side.
//!
//! Decoding is CPU work: a handler calls [`normalise_picture`] from
//! `tokio::task::spawn_blocking`.

use crate::profile_photo::{decode, flatten_on_white, PhotoProblem};
use image::imageops::FilterType;
use image::DynamicImage;

/// The longest side of a stored picture, in pixels.
pub const PICTURE_SIDE: u32 = 1600;

const JPEG_QUALITY: u8 = 85;

/// The picture as a JPEG of at most [`PICTURE_SIDE`] pixels on its longest side (never
/// upscaled), upright (its EXIF orientation applied), any transparency flattened on white,
/// without metadata. The problems are those of a profile photo, with their French messages.
pub fn normalise_picture(bytes: &[u8]) -> Result<Vec<u8>, PhotoProblem> {
    std::panic::catch_unwind(|| normalise(bytes)).unwrap_or(Err(PhotoProblem::Corrupt))
}

fn normalise(bytes: &[u8]) -> Result<Vec<u8>, PhotoProblem> {
    let (decoded, width, height, orientation) = decode(bytes)?;
    let mut picture = DynamicImage::ImageRgb8(flatten_on_white(decoded));
    if width.max(height) > PICTURE_SIDE {
        picture = picture.resize(PICTURE_SIDE, PICTURE_SIDE, FilterType::Lanczos3);
    }
    picture.apply_orientation(orientation);
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY)
        .encode_image(&picture)
        .map_err(|_| PhotoProblem::Corrupt)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::codecs::png::PngEncoder;
    use image::{ExtendedColorType, ImageEncoder, ImageFormat, RgbaImage};

    fn png(width: u32, height: u32) -> Vec<u8> {
        let image = RgbaImage::from_pixel(width, height, image::Rgba([200, 30, 30, 128]));
        let mut out = Vec::new();
        PngEncoder::new(&mut out)
            .write_image(image.as_raw(), width, height, ExtendedColorType::Rgba8)
            .unwrap();
        out
    }

    #[test]
    fn keeps_proportions_and_becomes_a_jpeg() {
        let out = normalise_picture(&png(3200, 1000)).unwrap();
        assert_eq!(image::guess_format(&out).unwrap(), ImageFormat::Jpeg);
        let back = image::load_from_memory(&out).unwrap();
        assert_eq!((back.width(), back.height()), (1600, 500));
        let small = image::load_from_memory(&normalise_picture(&png(300, 200)).unwrap()).unwrap();
        assert_eq!(
            (small.width(), small.height()),
            (300, 200),
            "never upscaled"
        );
    }

    #[test]
    fn refuses_what_is_not_an_image() {
        assert_eq!(
            normalise_picture(b"%PDF-1.4 pas une image"),
            Err(PhotoProblem::NotAnImage)
        );
        let mut cut = png(50, 50);
        cut.truncate(cut.len() / 2);
        assert!(normalise_picture(&cut).is_err());
        let gif = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;";
        assert_eq!(normalise_picture(gif), Err(PhotoProblem::Unsupported));
    }
}
