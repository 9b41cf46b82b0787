// swift-tools-version:5.9
// Vakt for iOS: the Rust core as a static library in an XCFramework, its
// uniffi-generated Swift (module VaktFFI), and the Swift wrapper (module Vakt).
//
// Run ./build-xcframework.sh first (on a Mac with Xcode): it builds
// VaktFFIFFI.xcframework and writes Sources/VaktFFI/VaktFFI.swift. Neither is
// committed.
import PackageDescription

let package = Package(
    name: "Vakt",
    platforms: [.iOS(.v15), .macOS(.v12)],
    products: [
        .library(name: "Vakt", targets: ["Vakt"]),
    ],
    targets: [
        // libvakt_ffi.a for iPhone and the simulators, with its C header and
        // module map (module VaktFFIFFI).
        .binaryTarget(name: "VaktFFIFFI", path: "VaktFFIFFI.xcframework"),
        // The generated bindings: the whole FFI surface, one-to-one.
        .target(name: "VaktFFI", dependencies: ["VaktFFIFFI"], path: "Sources/VaktFFI", exclude: ["README.md"]),
        // The idiomatic wrapper apps use: async/await, VaktError, AsyncStream of codes,
        // the Secure Enclave keystore.
        .target(name: "Vakt", dependencies: ["VaktFFI"], path: "Sources/Vakt"),
        .testTarget(name: "VaktTests", dependencies: ["Vakt", "VaktFFI"], path: "Tests/VaktTests"),
    ]
)
