//! The uniffi-bindgen command, pinned to the same uniffi version as the library.

fn main() {
    uniffi::uniffi_bindgen_main()
}
