//! Which renderer dscope picks for which display.

use dscope::render::{Environment, Renderer, choose_from, display_host};

fn env(display: Option<&str>, gpu: bool) -> Environment {
    Environment {
        display: display.map(str::to_owned),
        wayland_display: None,
        gpu,
        software_gl_forced: false,
    }
}

#[test]
fn display_names_with_a_host() {
    assert_eq!(display_host(":0"), None);
    assert_eq!(display_host(":0.0"), None);
    assert_eq!(display_host("unix:1"), None);
    assert_eq!(display_host("localhost:10.0"), Some("localhost"));
    assert_eq!(display_host("127.0.0.1:5"), Some("127.0.0.1"));
    assert_eq!(display_host("box.example/unix:0"), Some("box.example"));
    assert_eq!(display_host("[::1]:0"), Some("[::1]"));
}

#[test]
fn remote_or_gpu_less_displays_get_the_software_renderer() {
    let pick = |e: &Environment| choose_from(None, e).renderer;
    assert_eq!(pick(&env(Some("localhost:10.0"), true)), Renderer::Software);
    assert_eq!(pick(&env(Some("10.0.0.5:0"), true)), Renderer::Software);
    assert_eq!(pick(&env(Some(":0"), false)), Renderer::Software);
    assert_eq!(pick(&env(Some(":0"), true)), Renderer::Gl);
    let mut forced = env(Some(":0"), true);
    forced.software_gl_forced = true;
    assert_eq!(pick(&forced), Renderer::Software);
    // Wayland with a GPU, and a DISPLAY for XWayland that is local.
    let mut wayland = env(None, true);
    wayland.wayland_display = Some("wayland-0".into());
    assert_eq!(pick(&wayland), Renderer::Gl);
}

#[test]
fn the_option_wins_and_the_reason_is_told() {
    let remote = env(Some("localhost:10.0"), true);
    let c = choose_from(Some(Renderer::Gl), &remote);
    assert_eq!(c.renderer, Renderer::Gl);
    assert!(c.describe().contains("--renderer"), "{}", c.describe());
    let c = choose_from(None, &remote);
    assert!(c.describe().contains("localhost"), "{}", c.describe());
    assert!(c.describe().starts_with("Software"), "{}", c.describe());
}
