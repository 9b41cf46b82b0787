//! Link options for the phone library's size profile.
//!
//! Under an opt-level for size (`release-small`), the shared library packs its
//! relative relocations — a quarter of a megabyte of `.rela.dyn` otherwise:
//! DT_RELR on Linux (glibc 2.36 or later loads it) and Android's packed format
//! on Android (API 23 or later; the AAR's minSdk is 26). Other builds link as
//! usual, so a host release or debug library loads on older glibc too. iOS
//! links a static library into the app; its linker applies its own
//! (chained-fixup) compression.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let size_profile = matches!(std::env::var("OPT_LEVEL").as_deref(), Ok("s") | Ok("z"));
    if !size_profile {
        return;
    }
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    match (os.as_str(), env.as_str()) {
        ("android", _) => println!("cargo:rustc-cdylib-link-arg=-Wl,--pack-dyn-relocs=android"),
        ("linux", "gnu") => println!("cargo:rustc-cdylib-link-arg=-Wl,-z,pack-relative-relocs"),
        _ => {}
    }
}
