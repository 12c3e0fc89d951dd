//! The parts of an X11 window the X server has lost.
//!
//! Without a compositor (the usual remote X session, most VNC desktops) an
//! X server keeps no copy of a window's pixels: when another window moves
//! off it, the uncovered part is blank until the client draws it again,
//! and the server says which rectangles in Expose events. winit turns an
//! Expose into a plain redraw, indistinguishable from the shell's own, and
//! the shell paints nothing when nothing changed, so it would leave them
//! blank. This watcher listens for Expose on a connection of its own (X
//! lets several clients select it on one window) and hands the rectangles
//! to the shell, which sends the pixels it already has for just those.

use x11rb::connection::Connection;
use x11rb::protocol::Event;
use x11rb::protocol::xproto::{ChangeWindowAttributesAux, ConnectionExt, EventMask};

use super::raster::PixelRect;

/// Starts watching `window` on `display`; `exposed` is called from the
/// watcher's thread with each batch of lost rectangles (the events up to
/// one whose count says no more follow). The thread ends when the window
/// is destroyed or the connection closes. Returns whether it started: on
/// a display that cannot be reached again there is nothing to watch with,
/// and the window is then only repainted when its contents change.
pub fn watch(
    display: &str,
    window: u32,
    exposed: impl Fn(Vec<PixelRect>) + Send + 'static,
) -> bool {
    let Ok((conn, _)) = x11rb::connect(Some(display)) else {
        return false;
    };
    let mask = EventMask::EXPOSURE | EventMask::STRUCTURE_NOTIFY;
    let selected = conn
        .change_window_attributes(window, &ChangeWindowAttributesAux::new().event_mask(mask))
        .ok()
        .and_then(|cookie| cookie.check().ok());
    if selected.is_none() {
        return false;
    }
    std::thread::Builder::new()
        .name("dscope-expose".to_owned())
        .spawn(move || {
            let mut lost = Vec::new();
            while let Ok(event) = conn.wait_for_event() {
                match event {
                    Event::Expose(e) => {
                        lost.push(PixelRect {
                            x0: e.x as usize,
                            y0: e.y as usize,
                            x1: e.x as usize + e.width as usize,
                            y1: e.y as usize + e.height as usize,
                        });
                        if e.count == 0 {
                            exposed(std::mem::take(&mut lost));
                        }
                    }
                    Event::DestroyNotify(_) => break,
                    _ => {}
                }
            }
        })
        .is_ok()
}
