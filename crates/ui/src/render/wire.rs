//! Presenting to a remote X server: PutImage of the damaged rectangles.
//!
//! softbuffer uses MIT-SHM when the X server shares this machine's memory
//! and then honours damage; over the network it falls back to sending the
//! entire window on every present, which is exactly the cost this
//! renderer exists to avoid. Here the shell opens its own connection to
//! the same display and sends each damaged rectangle as one or more
//! PutImage requests of at most [`MAX_REQUEST`] bytes.

use x11rb::connection::Connection;
use x11rb::protocol::xproto::{ConnectionExt, CreateGCAux, Gcontext, ImageFormat, Window};
use x11rb::rust_connection::RustConnection;

use super::raster::{Frame, PixelRect};

/// Keeps every request well under the core protocol's 256 KiB limit, so
/// no BIG-REQUESTS negotiation is needed.
const MAX_REQUEST: usize = 200 * 1024;

pub struct WirePresenter {
    conn: RustConnection,
    window: Window,
    gc: Gcontext,
    depth: u8,
    scratch: Vec<u8>,
}

impl WirePresenter {
    /// Connects to `display` (the DISPLAY the window is on) for `window`.
    /// Only for 24/32-bit TrueColor windows, which is what X servers give
    /// a default-visual window today; anything else returns None and the
    /// caller presents through softbuffer.
    pub fn connect(display: &str, window: u32) -> Option<WirePresenter> {
        let (conn, _) = x11rb::connect(Some(display)).ok()?;
        let geometry = conn.get_geometry(window).ok()?.reply().ok()?;
        if geometry.depth != 24 && geometry.depth != 32 {
            return None;
        }
        let formats = &conn.setup().pixmap_formats;
        let bpp32 = formats
            .iter()
            .any(|f| f.depth == geometry.depth && f.bits_per_pixel == 32);
        if !bpp32 || conn.setup().image_byte_order != x11rb::protocol::xproto::ImageOrder::LSB_FIRST
        {
            return None;
        }
        let gc = conn.generate_id().ok()?;
        conn.create_gc(gc, window, &CreateGCAux::new().graphics_exposures(0))
            .ok()?;
        conn.flush().ok()?;
        Some(WirePresenter {
            conn,
            window,
            gc,
            depth: geometry.depth,
            scratch: Vec::new(),
        })
    }

    /// Sends the pixels of `rects` from `frame`.
    pub fn present(&mut self, frame: &Frame, rects: &[PixelRect]) -> Result<(), String> {
        for r in rects {
            let width = r.x1 - r.x0;
            let rows_per_request = (MAX_REQUEST / (width * 4)).max(1);
            let mut y = r.y0;
            while y < r.y1 {
                let y1 = (y + rows_per_request).min(r.y1);
                self.scratch.clear();
                for row in y..y1 {
                    let line = &frame.pixels[row * frame.width + r.x0..row * frame.width + r.x1];
                    for p in line {
                        self.scratch.extend_from_slice(&p.to_le_bytes());
                    }
                }
                self.conn
                    .put_image(
                        ImageFormat::Z_PIXMAP,
                        self.window,
                        self.gc,
                        width as u16,
                        (y1 - y) as u16,
                        r.x0 as i16,
                        y as i16,
                        0,
                        self.depth,
                        &self.scratch,
                    )
                    .map_err(|e| e.to_string())?;
                y = y1;
            }
        }
        self.conn.flush().map_err(|e| e.to_string())
    }
}
