//! PNG output: plotters' bitmap backend with text drawn here, by ab_glyph, from DejaVu Sans
//! embedded in the binary (Bitstream Vera licence, `assets/fonts/LICENSE-DejaVu.txt`), so the
//! server needs no font. plotters' own ab_glyph text drops each glyph's side bearing and spaces
//! letters unevenly; this places glyphs on their advances, as a browser places the SVG's text.

use ab_glyph::{Font, FontRef, Glyph, PxScale, ScaleFont, point};
use plotters::prelude::*;
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind,
};

use super::Chart;

const DEJAVU_SANS: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");
/// DejaVu Sans's x-height (OS/2 `sxHeight` 1120 of 2048 units per em): where SVG's `ex` puts
/// centred text.
const X_HEIGHT: f32 = 1120.0 / 2048.0;

/// The chart as PNG bytes: 8-bit RGB, with no time or other varying chunk.
pub(super) fn render(chart: &impl Chart) -> Result<Vec<u8>, String> {
    let font = FontRef::try_from_slice(DEJAVU_SANS).map_err(|e| e.to_string())?;
    let (width, height) = chart.size();
    let mut rgb = vec![0; width as usize * height as usize * 3];
    {
        let backend = Png {
            bitmap: BitMapBackend::with_buffer(&mut rgb, (width, height)),
            font,
        };
        let root = backend.into_drawing_area();
        chart.draw(&root).map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())?;
    }
    encode(width, height, &rgb).map_err(|e| e.to_string())
}

fn encode(width: u32, height: u32, rgb: &[u8]) -> Result<Vec<u8>, png::EncodingError> {
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(rgb)?;
    writer.finish()?;
    Ok(bytes)
}

/// The bitmap backend, drawing text with the embedded font.
struct Png<'a> {
    bitmap: BitMapBackend<'a>,
    font: FontRef<'static>,
}

type Error<'a> = DrawingErrorKind<<BitMapBackend<'a> as DrawingBackend>::ErrorType>;

impl Png<'_> {
    /// `text` laid out on a baseline from x = 0: each glyph at its pen position (advances and
    /// kerning), and the width. The em is the SVG's `font-size`, which plotters sets to size / 1.24.
    fn layout(&self, text: &str, size: f64) -> (Vec<Glyph>, f32) {
        let em = size as f32 / 1.24;
        let units_per_em = self.font.units_per_em().unwrap_or(2048.0);
        let scale = PxScale::from(em * self.font.height_unscaled() / units_per_em);
        let font = self.font.as_scaled(scale);
        let mut glyphs = Vec::with_capacity(text.len());
        let mut pen = 0.0;
        let mut previous = None;
        for c in text.chars() {
            let id = font.glyph_id(c);
            if let Some(previous) = previous {
                pen += font.kern(previous, id);
            }
            glyphs.push(id.with_scale_and_position(scale, point(pen, 0.0)));
            pen += font.h_advance(id);
            previous = Some(id);
        }
        (glyphs, pen)
    }
}

impl<'a> DrawingBackend for Png<'a> {
    type ErrorType = <BitMapBackend<'a> as DrawingBackend>::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.bitmap.get_size()
    }

    fn ensure_prepared(&mut self) -> Result<(), Error<'a>> {
        self.bitmap.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), Error<'a>> {
        self.bitmap.present()
    }

    fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> Result<(), Error<'a>> {
        self.bitmap.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), Error<'a>> {
        self.bitmap.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), Error<'a>> {
        self.bitmap.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        size: (u32, u32),
        src: &[u8],
    ) -> Result<(), Error<'a>> {
        self.bitmap.blit_bitmap(pos, size, src)
    }

    /// Horizontal text only: charts write no rotated text.
    fn draw_text<S: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &S,
        (x, y): BackendCoord,
    ) -> Result<(), Error<'a>> {
        let color = style.color();
        if color.alpha == 0.0 {
            return Ok(());
        }
        let em = style.size() as f32 / 1.24;
        let (glyphs, width) = self.layout(text, style.size());
        let anchor = style.anchor();
        let dx = match anchor.h_pos {
            HPos::Left => 0.0,
            HPos::Center => -width / 2.0,
            HPos::Right => -width,
        };
        // The baseline where plotters' SVG puts it: `dy` of 0.76em, 0.5ex or -0.5ex.
        let dy = match anchor.v_pos {
            VPos::Top => 0.76 * em,
            VPos::Center => 0.5 * X_HEIGHT * em,
            VPos::Bottom => -0.5 * X_HEIGHT * em,
        };
        let origin = point(x as f32 + dx, y as f32 + dy);
        for mut glyph in glyphs {
            glyph.position += origin;
            let Some(outline) = self.font.outline_glyph(glyph) else {
                continue;
            };
            let bounds = outline.px_bounds();
            let mut drawn = Ok(());
            outline.draw(|gx, gy, coverage| {
                if drawn.is_ok() && coverage > 0.0 {
                    let at = (
                        bounds.min.x as i32 + gx as i32,
                        bounds.min.y as i32 + gy as i32,
                    );
                    drawn = self.bitmap.draw_pixel(at, color.mix(f64::from(coverage)));
                }
            });
            drawn?;
        }
        Ok(())
    }

    fn estimate_text_size<S: BackendTextStyle>(
        &self,
        text: &str,
        style: &S,
    ) -> Result<(u32, u32), Error<'a>> {
        let (_, width) = self.layout(text, style.size());
        Ok((width.ceil() as u32, (style.size() / 1.24).ceil() as u32))
    }
}
