package app.vakt.bench

import app.vakt.ffi.VaultOptions
import app.vakt.ffi.createVault
import app.vakt.ffi.fixedClock
import app.vakt.ffi.softwareKeystore
import app.vakt.ffi.testSupportUseFastKdf
import java.io.File

/*
 * The Kotlin side of the FFI cost measurement (scripts/bench-ffi): Session.codesAt
 * on a vault of 100 accounts through the generated bindings (JNA), against the
 * same call made in Rust by bindings/examples/ffi_bench.rs. Same accounts, same
 * time, same statistics; the codes' digest must match the Rust one.
 *
 *   java … app.vakt.bench.FfiBenchKt [RUNS] [CALLS_PER_RUN]
 */

private const val ACCOUNTS = 100
private const val AT = 1_700_000_000uL
private val AT_INSTANT: java.time.Instant = java.time.Instant.ofEpochSecond(AT.toLong())

private fun base32(bytes: ByteArray): String {
    val alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    val out = StringBuilder()
    var buffer = 0
    var bits = 0
    for (b in bytes) {
        buffer = (buffer shl 8) or (b.toInt() and 0xff)
        bits += 8
        while (bits >= 5) {
            bits -= 5
            out.append(alphabet[(buffer shr bits) and 31])
        }
    }
    if (bits > 0) out.append(alphabet[(buffer shl (5 - bits)) and 31])
    return out.toString()
}

/** The i-th account's URI: the same list as ffi_bench.rs. */
private fun uri(i: Int): String {
    val (algorithm, keyLen) = listOf("SHA1" to 20, "SHA256" to 32, "SHA512" to 64)[i % 3]
    val secret = base32(ByteArray(keyLen) { j -> ((i * 31 + j * 7) % 251).toByte() })
    val digits = if (i % 2 == 0) 6 else 8
    return if (i % 4 == 3) {
        "otpauth://hotp/Bench:hotp$i?secret=$secret&algorithm=$algorithm&digits=$digits&counter=$i"
    } else {
        val period = if (i % 5 == 0) 60 else 30
        "otpauth://totp/Bench:totp$i?secret=$secret&algorithm=$algorithm&digits=$digits&period=$period"
    }
}

/** Median over [runs] of the mean time of [calls] calls, in nanoseconds (after a JIT warm-up). */
private fun measure(runs: Int, calls: Int, f: () -> Unit): Double {
    repeat(calls * 20) { f() }
    val perRun =
        (0 until runs).map {
            val start = System.nanoTime()
            repeat(calls) { f() }
            (System.nanoTime() - start).toDouble() / calls
        }
    return perRun.sorted()[runs / 2]
}

fun main(args: Array<String>) {
    val runs = args.getOrNull(0)?.toInt() ?: 41
    val calls = args.getOrNull(1)?.toInt() ?: 50
    val dir = kotlin.io.path.createTempDirectory("vakt-ffi-bench-").toFile()
    try {
        val created =
            createVault(
                File(dir, "vault.sqlite3").path,
                softwareKeystore(File(dir, "device.key").path),
                fixedClock(AT),
                "4829",
                VaultOptions(minPinLength = 4u).also { testSupportUseFastKdf() },
            )
        created.vault.unlock("4829").use { session ->
            repeat(ACCOUNTS) { session.addUri(uri(it)) }
            val rows = session.codesAt(AT_INSTANT)
            check(rows.size == ACCOUNTS)
            val digest =
                rows.mapNotNull { it.code }.joinToString("").fold(0uL) { h, c -> h * 31uL + c.code.toULong() }
            var sink = 0
            val codesNs = measure(runs, calls) { sink += session.codesAt(AT_INSTANT).size }
            val trivialNs = measure(runs, calls * 100) { if (session.isLocked()) sink++ }
            // What every call allocates twice (clone the handle, then the method):
            // the JNA Structure that receives Rust's call status.
            val statusNs = measure(runs, calls * 100) { sink += app.vakt.ffi.UniffiRustCallStatus().size() }
            println("kotlin codes_at($ACCOUNTS accounts): ${"%.0f".format(codesNs)} ns/call")
            println("kotlin is_locked: ${"%.1f".format(trivialNs)} ns/call")
            println("kotlin one JNA call-status Structure: ${"%.1f".format(statusNs)} ns")
            println("kotlin codes digest: $digest")
            if (sink == 42) println()
        }
    } finally {
        dir.deleteRecursively()
    }
}
