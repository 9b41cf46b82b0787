// The `vakt` Android library (AAR): libvakt_ffi.so for three ABIs (cargo-ndk),
// the uniffi-generated Kotlin (package app.vakt.ffi, generated at build time,
// never committed) and the wrapper in src/main/kotlin (package app.vakt).
//
// Needs: the Android SDK, the NDK (ANDROID_NDK_HOME or Android Studio's default
// location), `cargo install cargo-ndk`, and
// `rustup target add aarch64-linux-android armv7-linux-androideabi x86_64-linux-android`.
//
// src/jvmTest is not a Gradle source set: those tests run on the desktop JVM
// against the host build of the library (scripts/test.d/40-kotlin.sh).
plugins {
    id("com.android.library")
    id("org.jetbrains.kotlin.android")
}

/** The Cargo workspace: the repository root, one level above android/. */
val repoRoot: File = rootDir.parentFile

/** Android ABIs built; each maps to a Rust target cargo-ndk knows. */
val rustAbis = listOf("arm64-v8a", "armeabi-v7a", "x86_64")

/** Cargo profile of the shipped library (`-Pvakt.rustProfile=release-small` for size). */
val rustProfile: String = (findProperty("vakt.rustProfile") as String?) ?: "release"

val rustJniLibs = layout.buildDirectory.dir("rust/jniLibs")
val uniffiOut = layout.buildDirectory.dir("generated/uniffi")

android {
    namespace = "app.vakt"
    compileSdk = 35

    defaultConfig {
        minSdk = 26
        consumerProguardFiles("consumer-rules.pro")
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }

    sourceSets["main"].apply {
        java.srcDirs("src/main/kotlin", uniffiOut.map { it.dir("kotlin") })
        jniLibs.srcDir(rustJniLibs)
    }
}

kotlin {
    compilerOptions {
        jvmTarget.set(org.jetbrains.kotlin.gradle.dsl.JvmTarget.JVM_17)
    }
}

dependencies {
    // The generated bindings call the library through JNA; the AAR carries
    // libjnidispatch.so for every ABI.
    implementation("net.java.dev.jna:jna:5.13.0@aar")
    implementation("org.jetbrains.kotlinx:kotlinx-coroutines-android:1.8.0")
}

/** libvakt_ffi.so for every ABI, laid out as jniLibs/<abi>/libvakt_ffi.so. */
val cargoNdk by tasks.registering(Exec::class) {
    group = "rust"
    description = "Builds libvakt_ffi.so for $rustAbis with cargo-ndk ($rustProfile profile)."
    workingDir(repoRoot)
    val out = rustJniLibs.get().asFile
    commandLine(
        buildList {
            addAll(listOf("cargo", "ndk", "--platform", "26"))
            rustAbis.forEach { addAll(listOf("-t", it)) }
            addAll(listOf("-o", out.path, "build", "--locked", "-p", "vakt-ffi", "--profile", rustProfile))
        },
    )
    inputs.files(fileTree(repoRoot) { include("Cargo.lock", "Cargo.toml", "core/**", "bindings/**") })
    outputs.dir(out)
}

/** The Kotlin bindings, generated from the host build by the pinned uniffi-bindgen. */
val uniffiBindings by tasks.registering(Exec::class) {
    group = "rust"
    description = "Generates the uniffi Kotlin bindings (scripts/bindings)."
    workingDir(repoRoot)
    val out = uniffiOut.get().asFile
    commandLine("scripts/bindings", "--release", "--out-dir", out.path, "--language", "kotlin")
    inputs.files(fileTree(repoRoot) { include("Cargo.lock", "core/src/**", "bindings/**") })
    outputs.dir(out)
}

tasks.named("preBuild") {
    dependsOn(cargoNdk, uniffiBindings)
}
