$NetBSD$

illumos has no is_main_thread: use the one NetBSD uses, which asks std
for the name it gives the main thread.

--- ../vendor/winit-0.30.13/src/platform_impl/linux/mod.rs.orig
+++ ../vendor/winit-0.30.13/src/platform_impl/linux/mod.rs
@@ -1038,7 +1038,7 @@
     unsafe { pthread_main_np() == 1 }
 }
 
-#[cfg(target_os = "netbsd")]
+#[cfg(any(target_os = "netbsd", target_os = "illumos"))]
 fn is_main_thread() -> bool {
     std::thread::current().name() == Some("main")
 }
