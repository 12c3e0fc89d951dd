//! How the window is drawn: the only code that knows about pixels.
//!
//! Two shells host dscope's window, [`crate::DscopeApp`]:
//! - eframe with glow, for local displays with a GPU;
//! - [`shell`], winit + softbuffer with the CPU rasterizer in [`raster`],
//!   for remote X (ssh -X, a DISPLAY naming a host), VNC and machines
//!   whose OpenGL is itself software. There every frame a GL client
//!   draws is a full-window image sent to the X server; this shell sends
//!   only the rectangles whose pixels changed.
//!
//! The software shell hosts any [`WindowApp`], not the app itself: it
//! knows only that an app draws a frame into a `Ui`, so it can be built,
//! read and changed without the app's state and menus. `dscope_app`
//! says how dscope's app is one.
//!
//! [`choose`] picks one from the environment; `--renderer` overrides it.

mod dscope_app;
mod expose;
pub mod raster;
pub mod shell;
mod wire;

/// What a window shell hosts: an app that draws one frame at a time into
/// the window's root `Ui`. Everything else (input, painting, presenting,
/// repaints, the window's close) is the shell's.
pub trait WindowApp {
    /// Draws one frame. The shell's event loop has no way to recover a
    /// frame that unwinds, so an app that can panic catches it here.
    fn frame(&mut self, ui: &mut egui::Ui);
}

use std::path::Path;

/// Which shell draws the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Renderer {
    /// The CPU rasterizer, presenting only changed rectangles.
    Software,
    /// OpenGL through eframe (glow).
    Gl,
}

impl Renderer {
    /// Each renderer with its name and what it is, for `--renderer`.
    pub const ALL: &[(Renderer, &str, &str)] = &[
        (
            Renderer::Software,
            "software",
            "The CPU rasterizer, presenting only changed rectangles",
        ),
        (Renderer::Gl, "gl", "OpenGL through eframe (glow)"),
    ];
}

/// A renderer and the reason it was picked, for Help > About.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub renderer: Renderer,
    pub why: String,
}

impl Choice {
    pub fn describe(&self) -> String {
        let what = match self.renderer {
            Renderer::Software => "Software: CPU rasterizer, only changed rectangles are sent",
            Renderer::Gl => "OpenGL through eframe (glow)",
        };
        format!("{what} ({})", self.why)
    }
}

/// What the environment says about the display, gathered once so that
/// [`choose_from`] is a pure function to test.
#[derive(Debug, Clone, Default)]
pub struct Environment {
    pub display: Option<String>,
    pub wayland_display: Option<String>,
    /// Whether this machine has a GPU render node (/dev/dri/renderD*).
    pub gpu: bool,
    /// LIBGL_ALWAYS_SOFTWARE or GALLIUM_DRIVER naming a software driver.
    pub software_gl_forced: bool,
}

impl Environment {
    pub fn current() -> Environment {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let software_gl_forced = var("LIBGL_ALWAYS_SOFTWARE").is_some_and(|v| v != "0")
            || var("GALLIUM_DRIVER")
                .is_some_and(|d| ["llvmpipe", "softpipe", "swrast"].contains(&d.as_str()));
        Environment {
            display: var("DISPLAY"),
            wayland_display: var("WAYLAND_DISPLAY"),
            gpu: has_gpu(Path::new("/dev/dri")),
            software_gl_forced,
        }
    }
}

/// Whether `dir` holds a DRM render node, which is what Mesa needs for
/// anything but llvmpipe/softpipe. macOS and Windows always have a GPU
/// driver; illumos zones and most headless boxes have no /dev/dri.
fn has_gpu(dir: &Path) -> bool {
    if cfg!(any(target_os = "macos", target_os = "windows")) {
        return true;
    }
    std::fs::read_dir(dir).is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with("renderD"))
    })
}

/// The size of the X screen `DISPLAY` names, in pixels; `None` without
/// an X server to ask.
///
/// The connection stays open for as long as dscope runs. An X server
/// resets when its last client leaves (Xvfb, Xvnc and a bare Xorg do), and
/// for a moment takes no connection: closing this one before the window
/// opened its own made the window fail, now and then, to reach a server
/// that dscope was the only client of.
pub fn x_screen_size() -> Option<[f32; 2]> {
    use x11rb::connection::Connection;
    static ASKED: std::sync::OnceLock<x11rb::rust_connection::RustConnection> =
        std::sync::OnceLock::new();
    let display = std::env::var("DISPLAY").ok().filter(|d| !d.is_empty())?;
    let (conn, screen) = x11rb::connect(Some(&display)).ok()?;
    let root = conn.setup().roots.get(screen)?;
    let size = [
        f32::from(root.width_in_pixels),
        f32::from(root.height_in_pixels),
    ];
    let _ = ASKED.set(conn);
    Some(size)
}

/// The window size to ask for: `wanted`, made to fit on `screen`. A bare
/// X or VNC server has no window manager to shrink a window larger than
/// its screen, whose status bar and lower panel would then be out of
/// reach (the default 1100x760 on an 800x600 VNC desktop).
pub fn fit_on_screen(wanted: [f32; 2], screen: Option<[f32; 2]>) -> [f32; 2] {
    match screen {
        Some([w, h]) if w > 0.0 && h > 0.0 => [wanted[0].min(w), wanted[1].min(h)],
        _ => wanted,
    }
}

/// The host part of an X display name: `host:0`, `host/unix:0`,
/// `[::1]:0`, `localhost:10.0` (ssh -X) all name one; `:0` and
/// `unix:0` do not.
pub fn display_host(display: &str) -> Option<&str> {
    let colon = display.rfind(':')?;
    let host = &display[..colon];
    let host = host.split('/').next().unwrap_or(host);
    if host.is_empty() || host == "unix" {
        return None;
    }
    Some(host)
}

/// Picks the renderer: `requested` if given; otherwise software when the
/// X display is reached over the network (every GL frame would cross it
/// whole) or when OpenGL here would be software anyway.
pub fn choose_from(requested: Option<Renderer>, env: &Environment) -> Choice {
    if let Some(renderer) = requested {
        return Choice {
            renderer,
            why: "chosen with --renderer".to_owned(),
        };
    }
    let x11 = env.wayland_display.is_none() || env.display.is_some();
    if x11 && let Some(host) = env.display.as_deref().and_then(display_host) {
        return Choice {
            renderer: Renderer::Software,
            why: format!("the X display is on host {host}"),
        };
    }
    if env.software_gl_forced {
        return Choice {
            renderer: Renderer::Software,
            why: "OpenGL is set to a software driver".to_owned(),
        };
    }
    if !env.gpu {
        return Choice {
            renderer: Renderer::Software,
            why: "no GPU, OpenGL would be software".to_owned(),
        };
    }
    Choice {
        renderer: Renderer::Gl,
        why: "local display with a GPU".to_owned(),
    }
}

/// Picks the renderer: the `--renderer` flag, else the setting (View >
/// Renderer), else by the environment.
pub fn choose(flag: Option<Renderer>, setting: crate::settings::RendererPreference) -> Choice {
    use crate::settings::RendererPreference as P;
    let set = match setting {
        P::Automatic => None,
        P::Software => Some(Renderer::Software),
        P::OpenGl => Some(Renderer::Gl),
    };
    match (flag, set) {
        (None, Some(renderer)) => Choice {
            renderer,
            why: "chosen in View > Renderer".to_owned(),
        },
        _ => choose_from(flag, &Environment::current()),
    }
}

#[cfg(test)]
mod tests {
    use super::fit_on_screen;

    #[test]
    fn a_window_is_made_to_fit_its_screen() {
        assert_eq!(
            fit_on_screen([1100.0, 760.0], Some([800.0, 600.0])),
            [800.0, 600.0]
        );
        assert_eq!(
            fit_on_screen([1100.0, 760.0], Some([1600.0, 700.0])),
            [1100.0, 700.0]
        );
        assert_eq!(fit_on_screen([1100.0, 760.0], None), [1100.0, 760.0]);
        assert_eq!(
            fit_on_screen([1100.0, 760.0], Some([0.0, 0.0])),
            [1100.0, 760.0]
        );
    }
}
