package app.vakt

import app.vakt.ffi.Session
import app.vakt.ffi.createVault
import app.vakt.ffi.fixedClock
import app.vakt.ffi.softwareKeystore
import java.util.Collections
import java.util.concurrent.CountDownLatch
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit
import kotlin.test.assertEquals
import kotlin.test.assertTrue
import app.vakt.ffi.VaktException as FfiError

private const val THREADS = 8

/** Runs [body] on [THREADS] threads released at the same instant; returns each result or error. */
private fun <T> together(body: (Int) -> T): List<Result<T>> {
    val pool = Executors.newFixedThreadPool(THREADS)
    val start = CountDownLatch(1)
    try {
        val futures = (0 until THREADS).map { i -> pool.submit<Result<T>> { start.await(); runCatching { body(i) } } }
        start.countDown()
        return futures.map { it.get(60, TimeUnit.SECONDS) }
    } finally {
        pool.shutdownNow()
    }
}

/** Several threads in the same objects at once. */
fun Tests.concurrencyTests() =
    suite("threads") {
        test("8 threads listing, computing codes and adding on one session") {
            newVault().vault.unlock(PIN).use { s: Session ->
                s.addUri(rfcUri("SHA1"))
                val results =
                    together { i ->
                        repeat(25) {
                            assertEquals("94287082", s.codesAt(at(59))[0].code)
                            assertTrue(s.accounts().isNotEmpty())
                            assertEquals("94287082", s.codes()[0].code)
                        }
                        s.addUri("otpauth://totp/T:thread$i?secret=JBSWY3DPEHPK3PXP")
                    }
                results.forEach { it.getOrThrow() }
                assertEquals(THREADS + 1, s.accounts().size)
                assertEquals(THREADS, results.map { it.getOrThrow() }.toSet().size, "every add got its own id")
            }
        }

        test("8 concurrent wrong PINs: exactly 2, 1 attempts left, the rest Blocked") {
            val vault = newVault().vault
            val outcomes = together { vault.unlock(OTHER_PIN) }.map { it.exceptionOrNull() }
            val left = outcomes.filterIsInstance<FfiError.WrongPin>().map { it.attemptsLeft }.sorted()
            assertEquals(listOf(1u, 2u), left, "every attempt counted once, none lost: $outcomes")
            assertEquals(THREADS - 2, outcomes.count { it is FfiError.Blocked })
            val status = vault.status()
            assertTrue(status.blocked)
            assertEquals(3u, status.failedPinAttempts)
        }

        test("8 concurrent correct PINs all open, never a spurious Blocked") {
            val vault = newVault().vault
            repeat(5) { round ->
                val outcomes = together { vault.unlock(PIN).also { it.close() } }
                assertTrue(outcomes.all { it.isSuccess }, "round $round: ${outcomes.map { it.exceptionOrNull() }}")
            }
            assertEquals(3u, vault.status().attemptsLeft)
        }

        test("a correct PIN racing 7 wrong ones after 2 failures: no fourth guess is ever checked") {
            val vault = newVault().vault
            repeat(2) { assertThrows<FfiError.WrongPin> { vault.unlock(OTHER_PIN) } }
            val outcomes = together { i -> vault.unlock(if (i == 0) PIN else OTHER_PIN).also { it.close() } }
            val opened = outcomes.count { it.isSuccess }
            val left = outcomes.mapNotNull { (it.exceptionOrNull() as? FfiError.WrongPin)?.attemptsLeft }
            val blocked = outcomes.count { it.exceptionOrNull() is FfiError.Blocked }
            assertEquals(THREADS, opened + left.size + blocked, "nothing but these outcomes: $outcomes")
            if (opened == 0) {
                // A wrong PIN got the third attempt: blocked, the right PIN included.
                assertEquals(THREADS, blocked)
                assertTrue(vault.status().blocked)
            } else {
                // The right PIN got the third attempt and reset the count; wrong PINs
                // after it count again from zero (2, 1, then blocked).
                assertEquals(1, opened)
                assertEquals(listOf(2u, 1u).take(left.size), left.sortedDescending(), "$outcomes")
            }
        }

        test("8 threads unlocking through one Kotlin keystore and clock at once") {
            val clock = ManualClock(59)
            val keystore = AesGcmKeystore(newAesKey())
            val vault = createVault(path("v/vault.sqlite3"), keystore, clock, PIN, FAST).vault
            vault.unlock(PIN).use { it.addUri(rfcUri("SHA256")) }
            val codes =
                together {
                    vault.unlock(PIN).use { s -> s.codes()[0].code }
                }.map { it.getOrThrow() }
            assertEquals(List(THREADS) { "46119246" }, codes)
            assertEquals(3u, vault.status().attemptsLeft)
        }

        test("threads creating their own vaults in parallel") {
            val unblockCodes = Collections.synchronizedSet(mutableSetOf<String>())
            together { i ->
                val created =
                    createVault(path("v$i/vault.sqlite3"), softwareKeystore(path("v$i/k")), fixedClock(0u), PIN, FAST)
                unblockCodes += created.unblockCode.reveal()
                created.vault.unlock(PIN).use { it.addUri(EXAMPLE_URI) }
            }.forEach { it.getOrThrow() }
            assertEquals(THREADS, unblockCodes.size)
        }
    }
