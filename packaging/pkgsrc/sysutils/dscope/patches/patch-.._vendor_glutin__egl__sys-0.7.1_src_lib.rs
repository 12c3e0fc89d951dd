$NetBSD$

Compile the EGL bindings on illumos too.

--- ../vendor/glutin_egl_sys-0.7.1/src/lib.rs.orig
+++ ../vendor/glutin_egl_sys-0.7.1/src/lib.rs
@@ -5,7 +5,8 @@
     target_os = "dragonfly",
     target_os = "freebsd",
     target_os = "netbsd",
-    target_os = "openbsd"
+    target_os = "openbsd",
+    target_os = "illumos"
 ))]
 #![allow(non_camel_case_types)]
 #![allow(clippy::missing_safety_doc)]
