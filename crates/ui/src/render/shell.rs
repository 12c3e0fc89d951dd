//! The software window shell: winit for the window and its events,
//! egui-winit to turn them into egui input, [`super::raster`] to paint,
//! and softbuffer to show the pixels.
//!
//! What makes it cheap on a remote display is what it leaves out:
//! - a frame is painted only when egui asks for one, and all the events
//!   that arrived together (a key's press, text and release) make one;
//! - only the tiles whose triangles changed since the frame on screen are
//!   painted again (see [`TileMap`]); a frame with none is not painted at
//!   all;
//! - the painted frame is compared with the one on screen and only the
//!   tiles that differ are sent (`present_with_damage`), so a keystroke
//!   sends the caret's line, not the window.

use std::num::NonZeroU32;
use std::rc::Rc;
use std::time::{Duration, Instant};

use egui::ViewportId;
use winit::application::ApplicationHandler;
use winit::event::WindowEvent;
use winit::event_loop::{ActiveEventLoop, ControlFlow, EventLoop};
use winit::window::{Window, WindowId};

use super::WindowApp;
use super::raster::{Frame, PixelRect, Rasterizer, TileMap, damage};

/// Tile edge for damage detection, in pixels. Small enough that a caret
/// or a hovered button is a few KiB, large enough that comparing a frame
/// costs well under a millisecond.
const DAMAGE_TILE: usize = 32;

/// Asks the event loop for a frame from another thread (the session
/// worker, the file watcher) or when a delayed repaint falls due.
#[derive(Debug)]
enum Wake {
    Repaint,
    /// The X server lost these pixels of the window (see [`super::expose`]).
    Exposed(Vec<PixelRect>),
    /// A screen reader's request.
    #[cfg(not(target_os = "illumos"))]
    AccessKit(egui_winit::accesskit_winit::Event),
}

#[cfg(not(target_os = "illumos"))]
impl From<egui_winit::accesskit_winit::Event> for Wake {
    fn from(event: egui_winit::accesskit_winit::Event) -> Wake {
        Wake::AccessKit(event)
    }
}

/// Where `DSCOPE_FRAME_LOG` points: one line per presented frame, with
/// the bytes of pixels it sent, so tools/measure-remote-x.sh can count.
struct FrameLog(Option<std::fs::File>);

impl FrameLog {
    fn from_environment() -> FrameLog {
        FrameLog(
            std::env::var_os("DSCOPE_FRAME_LOG")
                .and_then(|p| crate::writes::open_append(std::path::Path::new(&p)).ok()),
        )
    }

    fn record(&mut self, painted: bool, damaged_pixels: usize, took: Duration) {
        if let Some(f) = &mut self.0 {
            use std::io::Write;
            let _ = writeln!(
                f,
                "{} {} {}",
                if painted { "painted" } else { "unchanged" },
                damaged_pixels,
                took.as_micros()
            );
        }
    }
}

struct Surface {
    window: Rc<Window>,
    surface: softbuffer::Surface<Rc<Window>, Rc<Window>>,
    /// Set when the X server is on another host: damage goes over the
    /// wire as PutImage of the changed rectangles only.
    wire: Option<super::wire::WirePresenter>,
    state: egui_winit::State,
    /// What is on screen now; None until the first present.
    shown: Option<Frame>,
    /// What `shown` was painted from, tile by tile.
    shown_tiles: Option<TileMap>,
    shown_ppp: f32,
    /// Rectangles the X server lost since the last present, to be sent
    /// again whether or not anything in them changed.
    exposed: Vec<PixelRect>,
}

struct Shell<A: WindowApp> {
    ctx: egui::Context,
    app: A,
    viewport: egui::ViewportBuilder,
    surface: Option<Surface>,
    raster: Rasterizer,
    info: egui::ViewportInfo,
    repaint_at: Option<Instant>,
    proxy: winit::event_loop::EventLoopProxy<Wake>,
    log: FrameLog,
    error: Option<String>,
}

/// Opens the window and runs the app `make_app` makes in it until the
/// window closes.
pub fn run<A: WindowApp>(
    viewport: egui::ViewportBuilder,
    make_app: impl FnOnce(&egui::Context) -> A,
) -> Result<(), String> {
    let event_loop = EventLoop::<Wake>::with_user_event()
        .build()
        .map_err(|e| e.to_string())?;
    let ctx = egui::Context::default();
    let proxy = event_loop.create_proxy();
    {
        let proxy = proxy.clone();
        ctx.set_request_repaint_callback(move |info| {
            // Delayed requests made during a frame come back in its
            // output's repaint_delay; this wakes the loop for requests
            // from other threads (the session worker, the file watcher).
            if info.delay.is_zero() {
                let _ = proxy.send_event(Wake::Repaint);
            }
        });
    }
    let app = make_app(&ctx);
    // Fades and slides are a dozen frames each, every one of them sent
    // over the wire; on a remote or GPU-less display things appear at
    // once instead (a tooltip's fade-in alone was 16 frames).
    ctx.all_styles_mut(|style| style.animation_time = 0.0);
    let mut shell = Shell {
        ctx,
        app,
        viewport,
        surface: None,
        raster: Rasterizer::new(),
        info: egui::ViewportInfo::default(),
        repaint_at: None,
        proxy,
        log: FrameLog::from_environment(),
        error: None,
    };
    event_loop.run_app(&mut shell).map_err(|e| e.to_string())?;
    match shell.error {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

impl<A: WindowApp> Shell<A> {
    fn open(&mut self, event_loop: &ActiveEventLoop) -> Result<(), String> {
        // Hidden until the screen-reader bridge is attached, which must
        // happen before the window is first shown.
        let hidden = self.viewport.clone().with_visible(false);
        let window =
            egui_winit::create_window(&self.ctx, event_loop, &hidden).map_err(|e| e.to_string())?;
        let window = Rc::new(window);
        let context = softbuffer::Context::new(window.clone()).map_err(|e| e.to_string())?;
        let surface =
            softbuffer::Surface::new(&context, window.clone()).map_err(|e| e.to_string())?;
        let mut state = egui_winit::State::new(
            self.ctx.clone(),
            ViewportId::ROOT,
            event_loop,
            Some(window.scale_factor() as f32),
            window.theme(),
            None,
        );
        state.set_max_texture_side(8192);
        #[cfg(not(target_os = "illumos"))]
        state.init_accesskit(event_loop, &window, self.proxy.clone());
        window.set_visible(self.viewport.visible.unwrap_or(true));
        egui_winit::update_viewport_info(&mut self.info, &self.ctx, &window, true);
        let x_window = x_window(&window);
        let wire = x_window
            .as_ref()
            .filter(|(display, _)| super::display_host(display).is_some())
            .and_then(|(display, id)| super::wire::WirePresenter::connect(display, *id));
        if let Some((display, id)) = &x_window {
            let proxy = self.proxy.clone();
            super::expose::watch(display, *id, move |rects| {
                let _ = proxy.send_event(Wake::Exposed(rects));
            });
        }
        self.surface = Some(Surface {
            window,
            surface,
            wire,
            state,
            shown: None,
            shown_tiles: None,
            shown_ppp: 0.0,
            exposed: Vec::new(),
        });
        Ok(())
    }

    fn redraw(&mut self, event_loop: &ActiveEventLoop) {
        let Some(s) = &mut self.surface else { return };
        let started = Instant::now();
        let (mut output, close_requested) = run_frame(&self.ctx, &mut self.app, &mut self.info, s);
        let (close, repaint_at) =
            follow_viewport_output(&self.ctx, &mut self.info, s, &output, close_requested);
        self.repaint_at = repaint_at;
        if close {
            event_loop.exit();
            return;
        }
        if !self.info.events.is_empty() {
            s.window.request_redraw();
        }
        match paint_and_present(&self.ctx, &mut self.raster, s, &mut output) {
            Ok(None) => self.log.record(false, 0, started.elapsed()),
            Ok(Some(damaged)) => self.log.record(true, damaged, started.elapsed()),
            Err(e) => {
                self.error = Some(format!("cannot show the window's pixels: {e}"));
                event_loop.exit();
            }
        }
    }
}

/// Runs one frame of `app` on the input gathered since the last, and
/// hands its platform output (cursor, clipboard, links) to the window.
/// Returns the output and whether this frame's input asked to close.
fn run_frame<A: WindowApp>(
    ctx: &egui::Context,
    app: &mut A,
    info: &mut egui::ViewportInfo,
    s: &mut Surface,
) -> (egui::FullOutput, bool) {
    egui_winit::update_viewport_info(info, ctx, &s.window, false);
    let mut input = s.state.take_egui_input(&s.window);
    input.viewports.insert(ViewportId::ROOT, info.clone());
    // Given to this frame; a Close the app asks for below comes back
    // as an event of the next one.
    info.events.clear();
    let close_requested = input.viewport().close_requested();
    let mut output = ctx.run_ui(input, |ui| app.frame(ui));
    s.state
        .handle_platform_output(&s.window, std::mem::take(&mut output.platform_output));
    (output, close_requested)
}

/// Carries out what the frame asked of the window: its viewport commands,
/// the clipboard actions they turn into, and when to draw again. Returns
/// whether the window closes and when a delayed repaint falls due.
fn follow_viewport_output(
    ctx: &egui::Context,
    info: &mut egui::ViewportInfo,
    s: &mut Surface,
    output: &egui::FullOutput,
    close_requested: bool,
) -> (bool, Option<Instant>) {
    let Some(vp) = output.viewport_output.get(&ViewportId::ROOT) else {
        return (false, None);
    };
    let close = close_requested && !vp.commands.contains(&egui::ViewportCommand::CancelClose);
    let mut actions = Vec::new();
    egui_winit::process_viewport_commands(
        ctx,
        info,
        vp.commands.iter().cloned(),
        &s.window,
        &mut actions,
    );
    for action in actions {
        match action {
            egui_winit::ActionRequested::Cut => {
                s.state.egui_input_mut().events.push(egui::Event::Cut);
            }
            egui_winit::ActionRequested::Copy => {
                s.state.egui_input_mut().events.push(egui::Event::Copy);
            }
            egui_winit::ActionRequested::Paste => {
                if let Some(text) = s.state.clipboard_text() {
                    let text = text.replace("\r\n", "\n");
                    if !text.is_empty() {
                        s.state
                            .egui_input_mut()
                            .events
                            .push(egui::Event::Paste(text));
                    }
                }
            }
            // No screenshots are asked of this shell; painting
            // while hidden happens anyway, frames are cheap.
            _ => {}
        }
    }
    let mut repaint_at = None;
    if vp.repaint_delay.is_zero() {
        s.window.request_redraw();
    } else if vp.repaint_delay < Duration::from_secs(3600) {
        repaint_at = Some(Instant::now() + vp.repaint_delay);
    }
    (close, repaint_at)
}

/// Paints the tiles of the frame that changed and presents the pixels
/// that differ from what is on screen, with whatever the X server lost.
/// Returns how many pixels were sent, or `None` when nothing changed and
/// nothing was painted.
fn paint_and_present(
    ctx: &egui::Context,
    raster: &mut Rasterizer,
    s: &mut Surface,
    output: &mut egui::FullOutput,
) -> Result<Option<usize>, String> {
    let ppp = output.pixels_per_point;
    raster.set_textures(&output.textures_delta);
    let primitives = ctx.tessellate(std::mem::take(&mut output.shapes), ppp);
    let size = s.window.inner_size();
    let (w, h) = (size.width.max(1) as usize, size.height.max(1) as usize);
    let tiles = TileMap::of(&primitives, ppp, w, h, DAMAGE_TILE);
    // New glyphs go into unused parts of the font atlas, so a partial
    // update of it changes no pixel drawn before; any other texture
    // change may change pixels anywhere.
    let textures_changed = output.textures_delta.set.iter().any(|(id, deltas)| {
        *id != egui::TextureId::default() || deltas.iter().any(|d| d.pos.is_none())
    });
    let old = s.shown.take();
    let same_size = old.as_ref().is_some_and(|f| f.width == w && f.height == h);
    let changed = match &s.shown_tiles {
        Some(old_tiles) if same_size && s.shown_ppp == ppp && !textures_changed => {
            Some(tiles.changed(old_tiles))
        }
        _ => None,
    };
    let exposed: Vec<PixelRect> = std::mem::take(&mut s.exposed)
        .into_iter()
        .map(|r| r.clamp_to(w, h))
        .filter(|r| !r.is_empty())
        .collect();
    if exposed.is_empty() && changed.as_ref().is_some_and(|c| c.is_empty()) {
        s.shown = old;
        raster.free_textures(&mut output.textures_delta);
        s.shown_tiles = Some(tiles);
        return Ok(None);
    }
    let bg = ctx.global_style().visuals.panel_fill;
    let bg = ((bg.r() as u32) << 16) | ((bg.g() as u32) << 8) | bg.b() as u32;
    let scene = Scene {
        primitives: &primitives,
        ppp,
        bg,
    };
    let (frame, mut rects) = scene.repaint(raster, changed, old, same_size, (w, h));
    raster.free_textures(&mut output.textures_delta);
    // Whatever the X server lost goes again as painted now.
    rects.extend(exposed);
    let damaged: usize = rects.iter().map(|r| (r.x1 - r.x0) * (r.y1 - r.y0)).sum();
    match (&mut s.wire, rects.is_empty()) {
        (_, true) => Ok(()),
        (Some(wire), false) => wire.present(&frame, &rects),
        (None, false) => present(&mut s.surface, &frame, &rects).map_err(|e| e.to_string()),
    }?;
    s.shown = Some(frame);
    s.shown_tiles = Some(tiles);
    s.shown_ppp = ppp;
    Ok(Some(damaged))
}

/// What a frame draws, as the rasterizer paints it: its triangles, over
/// the panel's colour.
struct Scene<'a> {
    primitives: &'a [egui::ClippedPrimitive],
    ppp: f32,
    /// The panel colour as a frame's pixel.
    bg: u32,
}

impl Scene<'_> {
    /// The frame to show and the rectangles of it to send: the frame on
    /// screen painted over where its tiles `changed`, or a new frame
    /// painted whole when the tiles cannot say (a new size or scale, a
    /// changed texture, no frame yet).
    fn repaint(
        &self,
        raster: &Rasterizer,
        changed: Option<Vec<PixelRect>>,
        old: Option<Frame>,
        same_size: bool,
        (w, h): (usize, usize),
    ) -> (Frame, Vec<PixelRect>) {
        let full = PixelRect {
            x0: 0,
            y0: 0,
            x1: w,
            y1: h,
        };
        let mut rects = Vec::new();
        match (changed, old) {
            // The frame on screen is painted over where its tiles changed,
            // in place; only those rectangles are compared with what they
            // held, to send just the pixels that differ.
            (Some(repaint), Some(mut frame)) => {
                for r in repaint {
                    let before = frame.crop(r);
                    frame.fill(r, self.bg);
                    raster.paint(&mut frame, self.primitives, self.ppp, r);
                    rects.extend(
                        damage(&before, &frame.crop(r), DAMAGE_TILE)
                            .into_iter()
                            .map(|d| d.offset(r.x0, r.y0)),
                    );
                }
                (frame, rects)
            }
            (_, old) => {
                let mut frame = Frame::new(w, h);
                frame.fill(full, self.bg);
                raster.paint(&mut frame, self.primitives, self.ppp, full);
                rects = match old {
                    Some(old) if same_size => damage(&old, &frame, DAMAGE_TILE),
                    _ => vec![full],
                };
                (frame, rects)
            }
        }
    }
}

/// The DISPLAY and X window id when `window` is an X11 window.
fn x_window(window: &Window) -> Option<(String, u32)> {
    use winit::raw_window_handle::{HasWindowHandle, RawWindowHandle};
    let display = std::env::var("DISPLAY").ok()?;
    let id = match window.window_handle().ok()?.as_raw() {
        RawWindowHandle::Xlib(h) => u32::try_from(h.window).ok()?,
        RawWindowHandle::Xcb(h) => h.window.get(),
        _ => return None,
    };
    Some((display, id))
}

fn present(
    surface: &mut softbuffer::Surface<Rc<Window>, Rc<Window>>,
    frame: &Frame,
    rects: &[PixelRect],
) -> Result<(), softbuffer::SoftBufferError> {
    let (Some(w), Some(h)) = (
        NonZeroU32::new(frame.width as u32),
        NonZeroU32::new(frame.height as u32),
    ) else {
        return Ok(());
    };
    surface.resize(w, h)?;
    let mut buffer = surface.buffer_mut()?;
    // A buffer of age 1 holds the frame presented last, which differs
    // from this one only in `rects`; any other may hold an older frame or
    // nothing, and gets the whole frame.
    if buffer.age() == 1 {
        let width = frame.width;
        for r in rects {
            for y in r.y0..r.y1 {
                let row = y * width + r.x0..y * width + r.x1;
                buffer[row.clone()].copy_from_slice(&frame.pixels[row]);
            }
        }
    } else {
        buffer.copy_from_slice(&frame.pixels);
    }
    let damage: Vec<softbuffer::Rect> = rects
        .iter()
        .filter_map(|r| {
            Some(softbuffer::Rect {
                x: r.x0 as u32,
                y: r.y0 as u32,
                width: NonZeroU32::new((r.x1 - r.x0) as u32)?,
                height: NonZeroU32::new((r.y1 - r.y0) as u32)?,
            })
        })
        .collect();
    buffer.present_with_damage(&damage)
}

impl<A: WindowApp> ApplicationHandler<Wake> for Shell<A> {
    fn resumed(&mut self, event_loop: &ActiveEventLoop) {
        if self.surface.is_some() {
            return;
        }
        if let Err(e) = self.open(event_loop) {
            self.error = Some(e);
            event_loop.exit();
            return;
        }
        if let Some(s) = &self.surface {
            s.window.request_redraw();
        }
    }

    fn window_event(&mut self, event_loop: &ActiveEventLoop, _id: WindowId, event: WindowEvent) {
        let Some(s) = &mut self.surface else { return };
        if let WindowEvent::RedrawRequested = event {
            self.redraw(event_loop);
            return;
        }
        if let WindowEvent::Resized(_) | WindowEvent::ScaleFactorChanged { .. } = event {
            s.window.request_redraw();
        }
        if let WindowEvent::CloseRequested = event {
            // egui-winit turns this into the viewport's close request; the
            // app may cancel it (unsaved changes) in the next frame.
            self.info.events.push(egui::ViewportEvent::Close);
        }
        let response = s.state.on_window_event(&s.window, &event);
        if response.repaint || matches!(event, WindowEvent::CloseRequested) {
            s.window.request_redraw();
        }
    }

    fn user_event(&mut self, _event_loop: &ActiveEventLoop, event: Wake) {
        match event {
            Wake::Repaint => {
                if let Some(s) = &self.surface {
                    s.window.request_redraw();
                }
            }
            Wake::Exposed(rects) => {
                if let Some(s) = &mut self.surface {
                    s.exposed.extend(rects);
                    s.window.request_redraw();
                }
            }
            #[cfg(not(target_os = "illumos"))]
            Wake::AccessKit(event) => {
                use egui_winit::accesskit_winit::WindowEvent as A;
                let Some(s) = &mut self.surface else { return };
                match event.window_event {
                    A::InitialTreeRequested => {
                        // The tree goes out with the next frame's output.
                        self.ctx.enable_accesskit();
                        s.window.request_redraw();
                    }
                    A::ActionRequested(request) => {
                        s.state.on_accesskit_action_request(request);
                        s.window.request_redraw();
                    }
                    A::AccessibilityDeactivated => self.ctx.disable_accesskit(),
                }
            }
        }
    }

    fn about_to_wait(&mut self, event_loop: &ActiveEventLoop) {
        match self.repaint_at {
            Some(at) if at <= Instant::now() => {
                self.repaint_at = None;
                if let Some(s) = &self.surface {
                    s.window.request_redraw();
                }
                event_loop.set_control_flow(ControlFlow::Wait);
            }
            Some(at) => event_loop.set_control_flow(ControlFlow::WaitUntil(at)),
            None => event_loop.set_control_flow(ControlFlow::Wait),
        }
    }
}
