$NetBSD$

Compile the GLX bindings on illumos too.

--- ../vendor/glutin_glx_sys-0.6.1/src/lib.rs.orig
+++ ../vendor/glutin_glx_sys-0.6.1/src/lib.rs
@@ -3,7 +3,8 @@
     target_os = "dragonfly",
     target_os = "freebsd",
     target_os = "netbsd",
-    target_os = "openbsd"
+    target_os = "openbsd",
+    target_os = "illumos"
 ))]
 #![allow(clippy::missing_safety_doc)]
 #![allow(clippy::manual_non_exhaustive)]
