//! A small page-layout helper over krilla for the documents the appliance
//! prints (invoices, reports): text in two weights of an embedded font,
//! right-aligned amounts, rules and shaded boxes, on US Letter pages with
//! the origin at the top left. Widths come from the font's own advances, so
//! right alignment is exact.

use std::sync::LazyLock;

use krilla::Document;
use krilla::color::luma;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::text::{Font, TextDirection};

use crate::{Error, Result};

static REGULAR: &[u8] = include_bytes!("../assets/fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../assets/fonts/DejaVuSans-Bold.ttf");

/// US Letter, in points.
pub const WIDTH: f32 = 612.0;
pub const HEIGHT: f32 = 792.0;
pub const MARGIN: f32 = 40.0;

struct Face {
    font: Font,
    metrics: ttf_parser::Face<'static>,
}

static FACES: LazyLock<Option<(Face, Face)>> = LazyLock::new(|| {
    let load = |bytes: &'static [u8]| {
        Some(Face {
            font: Font::new(bytes.into(), 0)?,
            metrics: ttf_parser::Face::parse(bytes, 0).ok()?,
        })
    };
    Some((load(REGULAR)?, load(BOLD)?))
});

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Weight {
    Regular,
    Bold,
}

/// Text width in points at `size`.
pub fn width(text: &str, size: f32, weight: Weight) -> f32 {
    let Some((regular, bold)) = FACES.as_ref() else {
        return 0.0;
    };
    let face = if weight == Weight::Bold {
        bold
    } else {
        regular
    };
    let m = &face.metrics;
    let units: u32 = text
        .chars()
        .map(|c| {
            m.glyph_index(c)
                .and_then(|g| m.glyph_hor_advance(g))
                .unwrap_or(0) as u32
        })
        .sum();
    units as f32 * size / m.units_per_em() as f32
}

/// Cut `text` to fit `max` points, with an ellipsis when cut.
pub fn fit(text: &str, size: f32, weight: Weight, max: f32) -> String {
    if width(text, size, weight) <= max {
        return text.to_owned();
    }
    let mut out: String = text.to_owned();
    while !out.is_empty() && width(&format!("{out}…"), size, weight) > max {
        out.pop();
    }
    format!("{}…", out.trim_end())
}

/// Words of `text` in lines no wider than `max`.
pub fn wrap(text: &str, size: f32, weight: Weight, max: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() {
            word.to_owned()
        } else {
            format!("{line} {word}")
        };
        if width(&candidate, size, weight) > max && !line.is_empty() {
            lines.push(std::mem::take(&mut line));
            line = word.to_owned();
        } else {
            line = candidate;
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// What is drawn on one page, collected first and drawn when the page is
/// done (krilla's surface borrows the document).
enum Mark {
    Text {
        x: f32,
        y: f32,
        size: f32,
        weight: Weight,
        text: String,
    },
    Rule {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        width: f32,
    },
    Shade {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        gray: u8,
    },
}

/// A document being laid out, page by page.
pub struct Pdf {
    pages: Vec<Vec<Mark>>,
    /// Page width and height in points.
    size: (f32, f32),
}

impl Default for Pdf {
    fn default() -> Self {
        Pdf::new()
    }
}

impl Pdf {
    /// US Letter, portrait.
    pub fn new() -> Pdf {
        Pdf {
            pages: vec![vec![]],
            size: (WIDTH, HEIGHT),
        }
    }

    /// US Letter, landscape (wide reports).
    pub fn landscape() -> Pdf {
        Pdf {
            pages: vec![vec![]],
            size: (HEIGHT, WIDTH),
        }
    }

    pub fn width(&self) -> f32 {
        self.size.0
    }

    pub fn height(&self) -> f32 {
        self.size.1
    }

    /// Text on an earlier page (page numbers, once the count is known).
    pub fn text_on_page(
        &mut self,
        page: usize,
        x: f32,
        y: f32,
        size: f32,
        weight: Weight,
        text: &str,
    ) {
        if let Some(marks) = self.pages.get_mut(page) {
            marks.push(Mark::Text {
                x,
                y,
                size,
                weight,
                text: text.to_owned(),
            });
        }
    }

    fn marks(&mut self) -> &mut Vec<Mark> {
        if self.pages.is_empty() {
            self.pages.push(vec![]);
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    pub fn new_page(&mut self) {
        self.pages.push(vec![]);
    }

    pub fn page_count(&self) -> usize {
        self.pages.len()
    }

    /// Text with its baseline at `y`.
    pub fn text(&mut self, x: f32, y: f32, size: f32, weight: Weight, text: &str) {
        self.marks().push(Mark::Text {
            x,
            y,
            size,
            weight,
            text: text.to_owned(),
        });
    }

    /// Text ending at `right`.
    pub fn text_right(&mut self, right: f32, y: f32, size: f32, weight: Weight, text: &str) {
        let x = right - width(text, size, weight);
        self.text(x, y, size, weight, text);
    }

    /// Text centred on `center`.
    pub fn text_center(&mut self, center: f32, y: f32, size: f32, weight: Weight, text: &str) {
        let x = center - width(text, size, weight) / 2.0;
        self.text(x, y, size, weight, text);
    }

    pub fn rule(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, width: f32) {
        self.marks().push(Mark::Rule {
            x1,
            y1,
            x2,
            y2,
            width,
        });
    }

    /// A filled box in `gray` (0 black … 255 white).
    pub fn shade(&mut self, x: f32, y: f32, w: f32, h: f32, gray: u8) {
        self.marks().push(Mark::Shade { x, y, w, h, gray });
    }

    /// Draw every page and return the PDF file.
    pub fn finish(self) -> Result<Vec<u8>> {
        let (regular, bold) = FACES
            .as_ref()
            .ok_or_else(|| Error::internal(anyhow::anyhow!("embedded fonts do not parse")))?;
        let mut document = Document::new();
        let settings = PageSettings::from_wh(self.size.0, self.size.1)
            .ok_or_else(|| Error::internal(anyhow::anyhow!("page size")))?;
        for marks in &self.pages {
            let mut page = document.start_page_with(settings.clone());
            let mut surface = page.surface();
            for mark in marks {
                match mark {
                    Mark::Text {
                        x,
                        y,
                        size,
                        weight,
                        text,
                    } => {
                        let font = if *weight == Weight::Bold {
                            &bold.font
                        } else {
                            &regular.font
                        };
                        surface.set_fill(Some(Fill::default()));
                        surface.set_stroke(None);
                        surface.draw_text(
                            Point::from_xy(*x, *y),
                            font.clone(),
                            *size,
                            text,
                            false,
                            TextDirection::Auto,
                        );
                    }
                    Mark::Rule {
                        x1,
                        y1,
                        x2,
                        y2,
                        width,
                    } => {
                        let mut pb = PathBuilder::new();
                        pb.move_to(*x1, *y1);
                        pb.line_to(*x2, *y2);
                        if let Some(path) = pb.finish() {
                            surface.set_fill(None);
                            surface.set_stroke(Some(Stroke {
                                width: *width,
                                ..Stroke::default()
                            }));
                            surface.draw_path(&path);
                        }
                    }
                    Mark::Shade { x, y, w, h, gray } => {
                        let mut pb = PathBuilder::new();
                        if let Some(rect) = Rect::from_xywh(*x, *y, *w, *h) {
                            pb.push_rect(rect);
                        }
                        if let Some(path) = pb.finish() {
                            surface.set_stroke(None);
                            surface.set_fill(Some(Fill {
                                paint: luma::Color::new(*gray).into(),
                                opacity: NormalizedF32::ONE,
                                ..Fill::default()
                            }));
                            surface.draw_path(&path);
                        }
                    }
                }
            }
            surface.finish();
            page.finish();
        }
        document
            .finish()
            .map_err(|e| Error::internal(anyhow::anyhow!("PDF: {e:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_come_from_the_font() {
        // Digits of DejaVu Sans share one advance, so amounts line up.
        assert!(
            (width("1,234.56", 10.0, Weight::Regular) - width("9,999.99", 10.0, Weight::Regular))
                .abs()
                < 0.01
        );
        assert!(width("FACTURA", 10.0, Weight::Bold) > width("FACTURA", 10.0, Weight::Regular));
        assert_eq!(width("", 10.0, Weight::Regular), 0.0);
    }

    #[test]
    fn long_text_is_cut_or_wrapped() {
        let cut = fit(
            "Servicio de mantenimiento preventivo completo",
            9.0,
            Weight::Regular,
            80.0,
        );
        assert!(
            cut.ends_with('…') && width(&cut, 9.0, Weight::Regular) <= 80.0,
            "{cut}"
        );
        let lines = wrap(
            "mil doscientos treinta y cuatro lempiras con 50/100",
            9.0,
            Weight::Regular,
            90.0,
        );
        assert!(
            lines.len() > 1 && lines.iter().all(|l| width(l, 9.0, Weight::Regular) <= 90.0),
            "{lines:?}"
        );
    }

    #[test]
    fn a_document_with_accents_renders() {
        let mut pdf = Pdf::new();
        pdf.text(
            MARGIN,
            60.0,
            12.0,
            Weight::Bold,
            "FACTURA — Cáceres, Peña, Núñez",
        );
        pdf.rule(MARGIN, 70.0, WIDTH - MARGIN, 70.0, 0.5);
        pdf.shade(MARGIN, 80.0, 100.0, 20.0, 230);
        let bytes = pdf.finish().expect("pdf");
        assert!(bytes.starts_with(b"%PDF-"));
    }
}
