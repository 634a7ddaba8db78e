//! What an uploaded file may be: its size, and a type its name and its
//! content agree on. The content decides (its first bytes, read by `infer`);
//! a name that says otherwise is refused, so `factura.pdf` that is really a
//! program never reaches another person's browser as a PDF.

use std::io::Cursor;

use crate::Error;

/// The largest file accepted (the edge accepts 25 MiB bodies: room for the
/// form around it).
pub const MAX_BYTES: usize = 20 * 1024 * 1024;

/// Images larger than this on either side are refused: decoding one would
/// take more memory than a thumbnail is worth (and it is how image bombs work).
pub const MAX_SIDE: u32 = 12_000;

/// The types accepted, with the name endings that announce them.
const TYPES: [(&str, &[&str], &str); 4] = [
    ("image/jpeg", &["jpg", "jpeg"], "JPEG"),
    ("image/png", &["png"], "PNG"),
    ("image/webp", &["webp"], "WebP"),
    ("application/pdf", &["pdf"], "PDF"),
];

/// What a file turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub content_type: &'static str,
    /// An image's size in pixels.
    pub dimensions: Option<(u32, u32)>,
}

impl Checked {
    pub fn is_image(&self) -> bool {
        self.content_type.starts_with("image/")
    }
}

/// The accepted types, for messages and the form's `accept`.
pub fn accepted_names() -> String {
    TYPES
        .iter()
        .map(|(_, _, n)| *n)
        .collect::<Vec<_>>()
        .join(", ")
}

/// `.jpg,.jpeg,…` for the file input.
pub fn accept_attribute() -> String {
    TYPES
        .iter()
        .flat_map(|(_, exts, _)| exts.iter().map(|e| format!(".{e}")))
        .collect::<Vec<_>>()
        .join(",")
}

/// Why a file is refused. The API says it in English ([`Refusal::message`]);
/// pages say it in the visitor's language from the code and [`Refusal::args`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    Empty,
    TooLarge {
        bytes: usize,
    },
    NotAccepted,
    /// The name announces `claimed`; the content is `found` (a name from
    /// the list, a MIME type, or `None` when unknown).
    Mismatch {
        claimed: &'static str,
        found: Option<String>,
    },
    Unreadable {
        claimed: &'static str,
    },
    TooManyPixels {
        width: u32,
        height: u32,
    },
}

impl Refusal {
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::Empty => "file_empty",
            Refusal::TooLarge { .. } => "file_too_large",
            Refusal::NotAccepted => "file_type_not_accepted",
            Refusal::Mismatch { .. } => "file_type_mismatch",
            Refusal::Unreadable { .. } => "image_unreadable",
            Refusal::TooManyPixels { .. } => "image_too_large",
        }
    }

    /// The figures and names a translated message needs.
    pub fn args(&self) -> Vec<(&'static str, String)> {
        let mb = |bytes: usize| format!("{:.1}", bytes as f64 / 1_048_576.0);
        let mut args = vec![
            ("max_mb", (MAX_BYTES / 1_048_576).to_string()),
            ("accepted", accepted_names()),
            ("max_side", MAX_SIDE.to_string()),
        ];
        match self {
            Refusal::TooLarge { bytes } => args.push(("mb", mb(*bytes))),
            Refusal::Mismatch { claimed, found } => {
                args.push(("claimed", (*claimed).to_owned()));
                args.push(("found", found.clone().unwrap_or_default()));
            }
            Refusal::Unreadable { claimed } => args.push(("claimed", (*claimed).to_owned())),
            Refusal::TooManyPixels { width, height } => {
                args.push(("width", width.to_string()));
                args.push(("height", height.to_string()));
            }
            Refusal::Empty | Refusal::NotAccepted => {}
        }
        args
    }

    pub fn message(&self) -> String {
        match self {
            Refusal::Empty => "the file is empty".into(),
            Refusal::TooLarge { bytes } => format!(
                "the file has {:.1} MB; at most {} MB are accepted",
                *bytes as f64 / 1_048_576.0,
                MAX_BYTES / 1_048_576
            ),
            Refusal::NotAccepted => format!("only {} files are accepted", accepted_names()),
            Refusal::Mismatch { claimed, found } => format!(
                "the name says {claimed}, but the content is {}",
                match found {
                    Some(f) => f.clone(),
                    None => "of an unknown type".to_owned(),
                }
            ),
            Refusal::Unreadable { claimed } => {
                format!("the {claimed} image cannot be read: it is damaged")
            }
            Refusal::TooManyPixels { width, height } => {
                format!("the image is {width}×{height} pixels; at most {MAX_SIDE} on each side")
            }
        }
    }
}

impl From<Refusal> for Error {
    fn from(r: Refusal) -> Error {
        Error::validation(r.code(), "/file", r.message())
    }
}

/// Check `bytes` uploaded as `file_name`.
pub fn check(file_name: &str, bytes: &[u8]) -> Result<Checked, Refusal> {
    if bytes.is_empty() {
        return Err(Refusal::Empty);
    }
    if bytes.len() > MAX_BYTES {
        return Err(Refusal::TooLarge { bytes: bytes.len() });
    }
    let ending = file_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let Some((claimed, _, claimed_name)) = TYPES
        .iter()
        .find(|(_, exts, _)| exts.contains(&ending.as_str()))
    else {
        return Err(Refusal::NotAccepted);
    };
    let found = infer::get(bytes).map(|t| t.mime_type());
    if found != Some(*claimed) {
        let found = found.map(|f| match TYPES.iter().find(|(t, _, _)| *t == f) {
            Some((_, _, name)) => (*name).to_owned(),
            None => f.to_owned(),
        });
        return Err(Refusal::Mismatch {
            claimed: claimed_name,
            found,
        });
    }
    let dimensions = if claimed.starts_with("image/") {
        let (width, height) = image::ImageReader::new(Cursor::new(bytes))
            .with_guessed_format()
            .ok()
            .and_then(|r| r.into_dimensions().ok())
            .ok_or(Refusal::Unreadable {
                claimed: claimed_name,
            })?;
        if width > MAX_SIDE || height > MAX_SIDE {
            return Err(Refusal::TooManyPixels { width, height });
        }
        Some((width, height))
    } else {
        None
    };
    Ok(Checked {
        content_type: claimed,
        dimensions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbImage::from_pixel(w, h, image::Rgb([200, 10, 10]));
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::Png)
            .expect("a PNG in memory");
        out.into_inner()
    }

    #[test]
    fn an_image_whose_name_and_content_agree_is_accepted_with_its_size() {
        let c = check("moto.PNG", &png(30, 20)).expect("the check");
        assert_eq!(c.content_type, "image/png");
        assert_eq!(c.dimensions, Some((30, 20)));
        assert!(c.is_image());
        let c = check("factura.pdf", b"%PDF-1.7\n%\xe2\xe3\n1 0 obj").expect("the check");
        assert_eq!(c.content_type, "application/pdf");
        assert_eq!(c.dimensions, None);
    }

    #[test]
    fn a_file_that_is_not_what_its_name_says_is_refused_naming_both() {
        let e = Error::from(check("foto.jpg", b"%PDF-1.7\n1 0 obj").expect_err("a refusal"));
        assert_eq!(e.code, "file_type_mismatch");
        assert_eq!(e.fields[0].pointer, "/file");
        assert_eq!(
            e.fields[0].message,
            "the name says JPEG, but the content is PDF"
        );
        let e = check("foto.jpg", b"MZ\x90\x00 this is a program").expect_err("a refusal");
        assert!(e.message().contains("application/"), "{e:?}");
        let e = check("foto.jpg", b"plain words").expect_err("a refusal");
        assert!(e.message().ends_with("of an unknown type"));
    }

    #[test]
    fn other_types_empty_and_oversized_files_and_broken_images_are_refused() {
        assert_eq!(
            check("a.exe", b"MZ").expect_err("a refusal"),
            Refusal::NotAccepted
        );
        assert_eq!(check("a.png", b"").expect_err("a refusal"), Refusal::Empty);
        let big = vec![0u8; MAX_BYTES + 1];
        assert_eq!(
            check("a.pdf", &big).expect_err("a refusal").code(),
            "file_too_large"
        );
        let mut broken = png(10, 10);
        broken.truncate(20);
        assert_eq!(
            check("a.png", &broken).expect_err("a refusal").code(),
            "image_unreadable"
        );
    }
}
