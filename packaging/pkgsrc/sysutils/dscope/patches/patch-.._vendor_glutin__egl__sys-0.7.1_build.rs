$NetBSD$

Generate the EGL bindings on illumos too.

--- ../vendor/glutin_egl_sys-0.7.1/build.rs.orig
+++ ../vendor/glutin_egl_sys-0.7.1/build.rs
@@ -14,6 +14,7 @@
         || target.contains("freebsd")
         || target.contains("netbsd")
         || target.contains("openbsd")
+        || target.contains("illumos")
         || target.contains("windows")
         || target.contains("android")
         || target.contains("ios")
