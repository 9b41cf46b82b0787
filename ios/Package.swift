// swift-tools-version:5.9
// Vakt for iOS: the Rust core as a static library in an XCFramework, its
// uniffi-generated Swift (module VaktFFI), and the Swift wrapper (module Vakt).
//
// Apple platforms: run ./build-xcframework.sh first (on a Mac with Xcode): it
// builds VaktFFIFFI.xcframework and writes Sources/VaktFFI/VaktFFI.swift.
// Neither is committed.
//
// Linux (how the test command compiles and runs all of this without a Mac:
// scripts/test.d/41-swift.sh): the host build of libvakt_ffi.so through a
// system library module. The generated Swift, C header and module map are
// mounted over Sources/VaktFFI and Sources/VaktFFIFFI for the build only (the
// tree is not written), and the library's folder is passed to the linker
// (`-Xlinker -L…`). The tests then also use a small C target for what Apple's
// frameworks do on Apple platforms (RSA and AES-GCM with OpenSSL's libcrypto,
// PNG decoding with libpng): test code only, never part of the library.
import PackageDescription

#if os(Linux)
/// libvakt_ffi.so's C header and module map (with `link "vakt_ffi"`), generated at build time.
let ffiLibrary: Target = .systemLibrary(name: "VaktFFIFFI", path: "Sources/VaktFFIFFI")
let testSupport: [Target] = [
    .target(
        name: "VaktTestSupportC",
        path: "Tests/VaktTestSupportC",
        linkerSettings: [.linkedLibrary("crypto"), .linkedLibrary("png")]
    ),
]
#else
/// libvakt_ffi.a for iPhone and the simulators (and a Mac with --macos), with
/// its C header and module map (module VaktFFIFFI).
let ffiLibrary: Target = .binaryTarget(name: "VaktFFIFFI", path: "VaktFFIFFI.xcframework")
let testSupport: [Target] = []
#endif

let package = Package(
    name: "Vakt",
    platforms: [.iOS(.v15), .macOS(.v12)],
    products: [
        .library(name: "Vakt", targets: ["Vakt"]),
    ],
    targets: [
        ffiLibrary,
        // The generated bindings: the whole FFI surface, one-to-one.
        .target(name: "VaktFFI", dependencies: ["VaktFFIFFI"], path: "Sources/VaktFFI", exclude: ["README.md"]),
        // The idiomatic wrapper apps use: async/await, VaktError, AsyncStream of codes,
        // the Secure Enclave keystore (Apple platforms).
        .target(name: "Vakt", dependencies: ["VaktFFI"], path: "Sources/Vakt"),
        .testTarget(
            name: "VaktTests",
            dependencies: ["Vakt", "VaktFFI"] + testSupport.map { .target(name: $0.name) },
            path: "Tests/VaktTests"
        ),
    ] + testSupport
)
