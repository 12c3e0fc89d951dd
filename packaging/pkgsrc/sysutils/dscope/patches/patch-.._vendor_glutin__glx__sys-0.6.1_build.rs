$NetBSD$

Generate the GLX bindings on illumos too.

--- ../vendor/glutin_glx_sys-0.6.1/build.rs.orig
+++ ../vendor/glutin_glx_sys-0.6.1/build.rs
@@ -14,6 +14,7 @@
         || target.contains("freebsd")
         || target.contains("netbsd")
         || target.contains("openbsd")
+        || target.contains("illumos")
     {
         let mut file = File::create(dest.join("glx_bindings.rs")).unwrap();
         Registry::new(Api::Glx, (1, 4), Profile::Core, Fallbacks::All, [])
