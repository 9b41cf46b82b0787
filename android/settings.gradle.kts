// The Android library (AAR) of Vakt: the Rust core built with cargo-ndk, its
// uniffi Kotlin bindings, and the idiomatic wrapper in package app.vakt.
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}

dependencyResolutionManagement {
    repositoriesMode.set(RepositoriesMode.FAIL_ON_PROJECT_REPOS)
    repositories {
        google()
        mavenCentral()
    }
}

rootProject.name = "vakt-android"
include(":vakt")
