//! The thumbnail of an uploaded image, made by a background job: at most
//! [`SIDE`] pixels on its longer side, turned the way the camera says
//! (phones store portraits sideways with an EXIF orientation), as JPEG.

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageReader, Limits};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{original_key, thumbnail_key};
use crate::db::Tenant;
use crate::jobs::Job;
use crate::{Erp, Error, Result};

/// The longer side of a thumbnail, in pixels.
pub const SIDE: u32 = 320;

/// The job: make the thumbnail of attachment `attachment_id`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ThumbnailRequested {
    pub attachment_id: Uuid,
    pub company_id: Uuid,
    pub user_id: Uuid,
}

impl Job for ThumbnailRequested {
    const KIND: &'static str = "thumbnail";
    fn unique_key(&self) -> Option<String> {
        Some(format!("thumbnail:{}", self.attachment_id))
    }
}

/// What became of a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Made,
    /// The attachment was deleted before its turn came.
    Gone,
    /// The image cannot be decoded: recorded, not retried.
    Failed,
}

/// Make and store the thumbnail, then mark the row. Running it twice (a
/// lease lost after the work was done) writes the same file and the same
/// mark again.
pub async fn make(erp: &Erp, job: &ThumbnailRequested) -> Result<Outcome> {
    let tenant = Tenant::in_company(job.user_id, job.company_id);
    let mut tx = erp.db.tenant(&tenant).await?;
    let found: Option<String> =
        sqlx::query_scalar("SELECT content_type FROM attachments WHERE id = $1")
            .bind(job.attachment_id)
            .fetch_optional(&mut *tx)
            .await?;
    tx.commit().await?;
    let Some(content_type) = found else {
        return Ok(Outcome::Gone);
    };
    if !content_type.starts_with("image/") {
        return Ok(Outcome::Gone);
    }
    let Some(original) = erp
        .files
        .get(&original_key(job.company_id, job.attachment_id))
        .await?
    else {
        return Ok(Outcome::Gone);
    };
    // Decoding is CPU work: off the async threads.
    let made = tokio::task::spawn_blocking(move || shrink(&original))
        .await
        .map_err(Error::internal)?;
    let outcome = match made {
        Ok(jpeg) => {
            erp.files
                .put(&thumbnail_key(job.company_id, job.attachment_id), jpeg)
                .await?;
            Outcome::Made
        }
        Err(e) => {
            log::warn!("attachment {}: no thumbnail: {e}", job.attachment_id);
            Outcome::Failed
        }
    };
    let mut tx = erp.db.tenant(&tenant).await?;
    let marked = sqlx::query("UPDATE attachments SET thumbnail = $2 WHERE id = $1")
        .bind(job.attachment_id)
        .bind(if outcome == Outcome::Made {
            "done"
        } else {
            "failed"
        })
        .execute(&mut *tx)
        .await?
        .rows_affected();
    tx.commit().await?;
    if marked == 0 {
        // Deleted while the thumbnail was being made: leave nothing behind.
        erp.files
            .delete(&thumbnail_key(job.company_id, job.attachment_id))
            .await?;
        return Ok(Outcome::Gone);
    }
    Ok(outcome)
}

/// The JPEG thumbnail of an image file.
pub fn shrink(bytes: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut reader = ImageReader::new(Cursor::new(bytes)).with_guessed_format()?;
    // The upload check refused images over 12,000 pixels a side; this caps
    // what a decoder may allocate whatever the header claimed.
    let mut limits = Limits::default();
    limits.max_alloc = Some(768 * 1024 * 1024);
    reader.limits(limits);
    let mut decoder = reader.into_decoder()?;
    let orientation = decoder.orientation()?;
    let mut img = DynamicImage::from_decoder(decoder)?;
    img.apply_orientation(orientation);
    let small = DynamicImage::ImageRgb8(img.thumbnail(SIDE, SIDE).to_rgb8());
    let mut out = Cursor::new(Vec::new());
    small.write_with_encoder(image::codecs::jpeg::JpegEncoder::new_with_quality(
        &mut out, 82,
    ))?;
    Ok(out.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_large_photo_becomes_a_small_jpeg_of_the_same_shape() {
        let img = image::RgbImage::from_pixel(1600, 1200, image::Rgb([10, 120, 200]));
        let mut png = Cursor::new(Vec::new());
        img.write_to(&mut png, image::ImageFormat::Png)
            .expect("an image in memory");
        let thumb = shrink(&png.into_inner()).expect("an image in memory");
        let back = image::load_from_memory(&thumb).expect("an image in memory");
        assert_eq!(
            infer::get(&thumb).expect("an image in memory").mime_type(),
            "image/jpeg"
        );
        assert_eq!((back.width(), back.height()), (320, 240));
    }

    #[test]
    fn bytes_that_are_no_image_give_an_error() {
        assert!(shrink(b"%PDF-1.7").is_err());
    }
}
