//! dscope's app as a [`WindowApp`]: the one place where the software
//! shell meets [`DscopeApp`], so that the shell depends on the trait and
//! the app needs to know nothing of the shell.

use super::WindowApp;
use crate::DscopeApp;

impl WindowApp for DscopeApp {
    /// The guarded frame: a panic in a frame is reported and the scripts
    /// are rescued, instead of unwinding through winit's event loop.
    fn frame(&mut self, ui: &mut egui::Ui) {
        DscopeApp::guarded_frame(self, ui);
    }
}
