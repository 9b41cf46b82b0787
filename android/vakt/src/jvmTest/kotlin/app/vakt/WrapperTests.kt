package app.vakt

import app.vakt.ffi.AddOutcome
import app.vakt.ffi.FakePrivacyIdea
import app.vakt.ffi.ScannedContent
import java.io.File
import java.time.Instant
import java.time.ZoneOffset
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertIs
import kotlin.test.assertNotEquals
import kotlin.test.assertNull
import kotlin.test.assertSame
import kotlin.test.assertTrue
import kotlin.time.Duration.Companion.milliseconds
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.flow.take
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import app.vakt.ffi.VaktException as FfiError

/** What an app would show; a `when` that must stay exhaustive over [VaktException]. */
private fun describe(e: VaktException): String =
    when (e) {
        is VaktException.BadInput -> "fix: ${e.message}"
        is VaktException.WrongPin -> "wrong PIN, ${e.attemptsLeft} left"
        is VaktException.Blocked -> "blocked"
        is VaktException.WrongUnblockCode -> "wrong unblock code #${e.failedAttempts}"
        is VaktException.NotInitialized -> "create a vault"
        is VaktException.AlreadyInitialized -> "open the vault"
        is VaktException.VaultUnreadable -> "unreadable: ${e.reason}"
        is VaktException.VaultDamaged -> "restore a backup (the damaged file is at ${e.movedTo})"
        is VaktException.Biometric -> "use the PIN: ${e.message}"
        is VaktException.Duplicate -> "already there: ${e.existingId}"
        is VaktException.NoSuchAccount -> "gone: ${e.id}"
        is VaktException.NotCounterBased -> "time-based: ${e.id}"
        is VaktException.Locked -> "locked"
        is VaktException.NoQrCode -> "take another picture"
        is VaktException.NotAnAuthenticatorQr -> "not ours: ${e.scheme}"
        is VaktException.BackupUnreadable -> "bad backup: ${e.reason}"
        is VaktException.BackupHasNoPassphrase -> "use the unblock code"
        is VaktException.NoBackupKey -> "reissue the unblock code"
        is VaktException.WrongBackupSecret -> "wrong backup secret #${e.failedAttempts}"
        is VaktException.ImportPasswordNeeded -> "ask for the password"
        is VaktException.WrongImportPassword -> "wrong password"
        is VaktException.Failure -> "failed: ${e.message}"
        is VaktException.PresenceRequired -> "pick one of ${e.options}"
        is VaktException.WrongPresenceAnswer -> "wrong option, ask again"
        is VaktException.InsecureServer -> "https only"
        is VaktException.ChallengeRefused -> "refused: ${e.reason}"
        is VaktException.UnknownPushToken -> "not our token"
        is VaktException.NeedsReenrolment -> "enrol ${e.tokenId} again"
        is VaktException.ChallengeGone -> "drop it: ${e.message}"
        is VaktException.DeletionNotAllowed -> "container ${e.containerId} keeps ${e.id}"
        is VaktException.PassphraseRequired -> "ask: ${e.prompt}"
        is VaktException.RegistrationRefused -> "scan a new code"
        is VaktException.ContainerAlreadyRegistered -> "already registered: ${e.id}"
        is VaktException.NoSuchContainer -> "gone: container ${e.id}"
        is VaktException.ContainerNotRegisteredHere -> "moved away: ${e.id}"
        is VaktException.NotAllowedByServer -> "not allowed: ${e.action}"
    }

private suspend fun TestContext.wrapperVault(at: Long = 59): VaktVault.Created =
    VaktVault.create(File(dir, "w/vault.sqlite3"), AesGcmKeystore(KEY), PIN, fixedClock(at), FAST_WRAPPER)

private suspend fun TestContext.wrapperVaultAt(name: String): VaktVault.Created =
    VaktVault.create(File(dir, "$name/vault.sqlite3"), AesGcmKeystore(KEY), PIN, fixedClock(59), FAST_WRAPPER)

/** One device key for the wrapper tests (as the Android Keystore would keep it). */
private val KEY = newAesKey()

/** The pure-Kotlin wrapper: VaktVault/VaktSession, VaktException, the code Flow, Otpauth. */
fun Tests.wrapperTests() =
    suite("wrapper") {
        test("every generated error maps to its VaktException, cause kept") {
            val reasons = UnreadableReason.WRONG_DEVICE
            val table: List<Pair<FfiError, (VaktException) -> Boolean>> =
                listOf(
                    FfiError.InvalidUri("digits", "d") to { e -> e is VaktException.InvalidUri && e.field == "digits" && e.message == "d" },
                    FfiError.InvalidKey("k") to { e -> e is VaktException.InvalidKey && e.message == "k" },
                    FfiError.InvalidOrgKey("o") to { e -> e is VaktException.InvalidOrgKey && e.message == "o" },
                    FfiError.InvalidParameter("p") to { e -> e is VaktException.InvalidParameter },
                    FfiError.InvalidPin(app.vakt.ffi.PinProblem.TooShort(6u), "p") to { e -> e is VaktException.InvalidPin && e.reason == app.vakt.ffi.PinProblem.TooShort(6u) && e.message == "p" },
                    FfiError.MistypedUnblockCode(app.vakt.ffi.UnblockCodeProblem.Check, "m") to { e -> e is VaktException.MistypedUnblockCode && e.reason == app.vakt.ffi.UnblockCodeProblem.Check },
                    FfiError.InvalidInput("i") to { e -> e is VaktException.InvalidInput },
                    FfiError.WrongPin(2u) to { e -> e is VaktException.WrongPin && e.attemptsLeft == 2 },
                    FfiError.Blocked() to { e -> e is VaktException.Blocked },
                    FfiError.WrongUnblockCode(4u) to { e -> e is VaktException.WrongUnblockCode && e.failedAttempts == 4 },
                    FfiError.NotInitialized() to { e -> e is VaktException.NotInitialized },
                    FfiError.AlreadyInitialized() to { e -> e is VaktException.AlreadyInitialized },
                    FfiError.VaultUnreadable(reasons) to { e -> e is VaktException.VaultUnreadable && e.reason == reasons },
                    FfiError.Duplicate(7L) to { e -> e is VaktException.Duplicate && e.existingId == 7L },
                    FfiError.NoSuchAccount(8L) to { e -> e is VaktException.NoSuchAccount && e.id == 8L },
                    FfiError.NotCounterBased(9L) to { e -> e is VaktException.NotCounterBased && e.id == 9L },
                    FfiError.Locked() to { e -> e is VaktException.Locked },
                    FfiError.NoQrCode() to { e -> e is VaktException.NoQrCode },
                    FfiError.NotAnAuthenticatorQr("wifi") to { e -> e is VaktException.NotAnAuthenticatorQr && e.scheme == "wifi" },
                    FfiError.NotAnAuthenticatorQr(null) to { e -> e is VaktException.NotAnAuthenticatorQr && e.scheme == null },
                    FfiError.BackupUnreadable(BackupUnreadableReason.TRUNCATED) to { e -> e is VaktException.BackupUnreadable && e.reason == BackupUnreadableReason.TRUNCATED },
                    FfiError.BackupHasNoPassphrase() to { e -> e is VaktException.BackupHasNoPassphrase },
                    FfiError.NoBackupKey() to { e -> e is VaktException.NoBackupKey },
                    FfiError.WrongBackupSecret(3u) to { e -> e is VaktException.WrongBackupSecret && e.failedAttempts == 3 },
                    FfiError.ImportPasswordNeeded() to { e -> e is VaktException.ImportPasswordNeeded },
                    FfiError.WrongImportPassword() to { e -> e is VaktException.WrongImportPassword },
                    FfiError.ImportFailed("f") to { e -> e is VaktException.ImportFailed && e.message == "f" },
                    FfiError.VaultDamaged("/v.damaged-1") to { e -> e is VaktException.VaultDamaged && e.movedTo == "/v.damaged-1" },
                    FfiError.StorageFull() to { e -> e is VaktException.StorageFull && e is VaktException.Failure },
                    FfiError.StorageNotWritable() to { e -> e is VaktException.StorageNotWritable },
                    FfiError.StorageUnavailable() to { e -> e is VaktException.StorageUnavailable },
                    FfiError.BiometricNotEnabled() to { e -> e is VaktException.BiometricNotEnabled && e is VaktException.Biometric },
                    FfiError.BiometricCancelled() to { e -> e is VaktException.BiometricCancelled },
                    FfiError.BiometricLockedOut() to { e -> e is VaktException.BiometricLockedOut },
                    FfiError.BiometricInvalidated() to { e -> e is VaktException.BiometricInvalidated },
                    FfiError.Storage("s") to { e -> e is VaktException.Storage && e.message == "s" },
                    FfiError.Keystore("k") to { e -> e is VaktException.Keystore },
                    FfiError.Internal("i") to { e -> e is VaktException.Internal },
                    FfiError.InsecureServer() to { e -> e is VaktException.InsecureServer },
                    FfiError.PushNetwork(PushNetworkKind.TLS, "t") to { e -> e is VaktException.PushNetwork && e.kind == PushNetworkKind.TLS && e.message!!.contains("t") },
                    FfiError.PushServer(404u, 601L) to { e -> e is VaktException.PushServer && e.status == 404 && e.code == 601L },
                    FfiError.UnexpectedPushReply() to { e -> e is VaktException.UnexpectedPushReply },
                    FfiError.ChallengeRefused(ChallengeRefusal.MALFORMED, "nonce") to { e -> e is VaktException.ChallengeRefused && e.reason == ChallengeRefusal.MALFORMED && e.field == "nonce" },
                    FfiError.UnknownPushToken() to { e -> e is VaktException.UnknownPushToken },
                    FfiError.NeedsReenrolment(5L) to { e -> e is VaktException.NeedsReenrolment && e.tokenId == 5L },
                    FfiError.NoSuchChallenge(6L) to { e -> e is VaktException.NoSuchChallenge && e.id == 6L },
                    FfiError.ChallengeExpired() to { e -> e is VaktException.ChallengeExpired },
                    FfiError.AlreadyAnswered() to { e -> e is VaktException.AlreadyAnswered },
                    FfiError.PresenceRequired(listOf("A", "B")) to { e -> e is VaktException.PresenceRequired && e.options == listOf("A", "B") },
                    FfiError.NotAnOption() to { e -> e is VaktException.NotAnOption },
                    FfiError.WrongPresenceAnswer() to { e -> e is VaktException.WrongPresenceAnswer },
                    FfiError.ChallengeClosed() to { e -> e is VaktException.ChallengeClosed },
                )
            for ((ffi, ok) in table) {
                val mapped = ffi.toVakt()
                assertTrue(ok(mapped), "${ffi::class.simpleName} → ${mapped::class.simpleName}")
                assertSame(ffi, mapped.cause)
                assertTrue(describe(mapped).isNotEmpty())
                // One English text for every platform: Rust's, never re-worded here.
                assertEquals(ffi.toString(), mapped.message, "${ffi::class.simpleName}'s text comes from Rust")
                assertFalse(mapped.message!!.contains("="), "a sentence, not uniffi's field dump: ${mapped.message}")
            }
            assertEquals("wrong PIN: 1 attempt left before the vault is blocked", FfiError.WrongPin(1u).toVakt().message)
            assertEquals("wrong PIN: 2 attempts left before the vault is blocked", FfiError.WrongPin(2u).toVakt().message)
            assertIs<VaktException.BadInput>(FfiError.InvalidKey("k").toVakt())
            assertIs<VaktException.Failure>(FfiError.Storage("s").toVakt())
            assertIs<VaktException.Failure>(FfiError.PushNetwork(PushNetworkKind.TIMEOUT, "").toVakt())
            assertIs<VaktException.BadInput>(FfiError.NotAnOption().toVakt())
            assertIs<VaktException.ChallengeGone>(FfiError.ChallengeClosed().toVakt())
        }

        test("create, unlock with use {}, add, codes; errors arrive as VaktException") {
            runBlocking {
                val created = wrapperVault()
                assertEquals(23, created.unblockCode.reveal().length)
                created.vault.use { vault ->
                    assertEquals(LockState(false, 3u, 0u, 0u, java.time.Duration.ZERO), vault.status())
                    vault.unlock(PIN).use { s ->
                        val id = s.addUri(rfcUri("SHA1"))
                        val hotp = s.addManual(ManualKey("Hotp", "bob", RFC_SHA1, type = OtpType.HOTP))
                        val rows = s.codesAt(at(59))
                        assertEquals(CodeRow(s.accounts()[0], false, "94287082", java.time.Duration.ofSeconds(1), at(60), rows[0].nextCode), rows[0])
                        assertTrue(rows[1].counterBased)
                        assertEquals("755224", s.nextCode(hotp))
                        assertEquals(1uL, s.accounts()[1].counter)
                        assertEquals(id, assertThrows<VaktException.Duplicate> { s.addUri(rfcUri("SHA1")) }.existingId)
                        val bad = assertThrows<VaktException.InvalidUri> { s.addUri("otpauth://totp/x?digits=6") }
                        assertEquals("secret", bad.field)
                        assertEquals("fix: ${bad.message}", describe(bad))
                        s.rename(id, "rfc", issuer = "IETF")
                        s.reorder(listOf(hotp, id))
                        assertEquals(listOf("bob", "rfc"), s.accounts().map { it.accountName })
                        s.delete(hotp)
                        assertEquals(1, s.codes().size)
                        assertEquals(created.unblockCode.reveal().length, s.reissueUnblockCode().reveal().length)
                    }
                    val wrong = assertThrows<VaktException.WrongPin> { vault.unlock(OTHER_PIN) }
                    assertEquals("wrong PIN, 2 left", describe(wrong))
                }
            }
        }

        test("lockout and unblock through the wrapper") {
            runBlocking {
                val created = wrapperVault()
                val vault = created.vault
                repeat(2) { assertThrows<VaktException.WrongPin> { vault.unlock(OTHER_PIN) } }
                assertThrows<VaktException.Blocked> { vault.unlock(OTHER_PIN) }
                assertTrue(vault.status().blocked)
                assertThrows<VaktException.MistypedUnblockCode> { vault.unblock("nope", OTHER_PIN) }
                val unblocked = vault.unblock(created.unblockCode.reveal(), OTHER_PIN)
                unblocked.session.close()
                assertFalse(vault.status().blocked)
                vault.changePin(OTHER_PIN, "5092")
                vault.unlock("5092").close()
                vault.close()
                assertThrows<IllegalStateException> { vault.status() }
            }
        }

        test("open: NotInitialized, VaultUnreadable(WRONG_DEVICE) with another key") {
            runBlocking {
                val file = File(dir, "w/vault.sqlite3")
                assertThrows<VaktException.NotInitialized> { VaktVault.open(file, AesGcmKeystore(KEY)) }
                wrapperVault().vault.close()
                assertThrows<VaktException.AlreadyInitialized> { wrapperVault() }
                VaktVault.open(file, AesGcmKeystore(newAesKey()), options = FAST_WRAPPER).use { vault ->
                    val e = assertThrows<VaktException.VaultUnreadable> { vault.unlock(PIN) }
                    assertEquals(UnreadableReason.WRONG_DEVICE, e.reason)
                }
            }
        }

        test("lifecycle: a cancelled call stops waiting; close() never waits; idle and background locks") {
            runBlocking {
                // A clock that blocks once armed: a native call stuck in a callback, as a slow request would be.
                val entered = java.util.concurrent.CountDownLatch(1)
                val release = java.util.concurrent.CountDownLatch(1)
                val armed = java.util.concurrent.atomic.AtomicBoolean(false)
                val manual = ManualClock(1_000)
                val blocking =
                    object : app.vakt.ffi.Clock {
                        override fun nowUnix(): ULong {
                            if (armed.get()) {
                                entered.countDown()
                                release.await()
                            }
                            return manual.nowUnix()
                        }
                    }
                val created = VaktVault.create(File(dir, "life/vault.sqlite3"), AesGcmKeystore(KEY), PIN, blocking, FAST_WRAPPER)
                val session = created.vault.unlock(PIN)
                armed.set(true)
                val stuck = async(kotlinx.coroutines.Dispatchers.Default) { session.codes() }
                assertTrue(entered.await(10, java.util.concurrent.TimeUnit.SECONDS), "the native call started")
                stuck.cancel()
                withTimeout(10_000) { stuck.join() } // returns although the native call is still blocked
                assertTrue(stuck.isCancelled)
                session.close() // returns at once, the call still in progress
                assertTrue(session.isLocked)
                armed.set(false)
                release.countDown()
                assertThrows<VaktException.Locked> { session.accounts() }

                val idle = created.vault.unlock(PIN)
                idle.idleTimeout = kotlin.time.Duration.parse("60s")
                manual.set(1_059)
                idle.accounts()
                manual.set(1_118)
                assertFalse(idle.isLocked, "59 s after the last call")
                manual.set(1_119)
                assertTrue(idle.isLocked, "60 s without a call")
                assertThrows<VaktException.Locked> { idle.accounts() }

                val away = created.vault.unlock(PIN)
                away.enteredBackground(kotlin.time.Duration.parse("30s"))
                manual.set(1_148)
                assertTrue(away.enteredForeground(), "back within 30 s")
                away.enteredBackground(kotlin.time.Duration.parse("30s"))
                manual.set(1_178)
                assertFalse(away.enteredForeground(), "away 30 s: locked")
                assertThrows<VaktException.Locked> { away.accounts() }
                val now = created.vault.unlock(PIN)
                now.enteredBackground()
                assertTrue(now.isLocked, "no grace: at once")

                // The clock offset through the wrapper, measured from a server's Date.
                val timed = created.vault.unlock(PIN)
                val sent = java.time.Instant.ofEpochSecond(784_111_650)
                val offset = measureClockOffset("Sun, 06 Nov 1994 08:49:37 GMT", sent, sent.plusSeconds(2))
                assertEquals(kotlin.time.Duration.parse("126s"), offset)
                assertNull(measureClockOffset("not a date", sent, sent))
                timed.setClockOffset(offset!!)
                assertEquals(offset, timed.clockOffset())
                timed.close()
                created.vault.close()
            }
        }

        test("biometrics through the wrapper: enable, unlock, errors as VaktException.Biometric") {
            runBlocking {
                val created = wrapperVaultAt("bio")
                val finger = FakeBiometricKey(0x21)
                created.vault.unlock(PIN).use { it.enableBiometrics(PIN, finger) }
                assertTrue(created.vault.biometricEnabled())
                created.vault.unlockWithBiometrics(finger).use { assertTrue(it.accounts().isEmpty()) }
                finger.failNext = app.vakt.ffi.UserAuthFailure.Cancelled()
                assertIs<VaktException.Biometric>(assertThrows<VaktException.BiometricCancelled> { created.vault.unlockWithBiometrics(finger) })
                created.vault.unlock(PIN).use { it.disableBiometrics() }
                assertThrows<VaktException.BiometricNotEnabled> { created.vault.unlockWithBiometrics(finger) }
                created.vault.close()
            }
        }

        test("a closed session: Locked, isLocked, and the flow completes") {
            runBlocking {
                val vault = wrapperVault().vault
                val session = vault.unlock(PIN)
                assertFalse(session.isLocked)
                session.close()
                session.close() // idempotent
                assertTrue(session.isLocked)
                assertThrows<VaktException.Locked> { session.codes() }
                assertThrows<VaktException.Locked> { session.accounts() }
                assertEquals(emptyList(), withTimeout(5_000) { session.codeRows().toList() })
            }
        }

        test("codeRows: the first emission has the codes of the vault's clock, then it ticks") {
            runBlocking {
                wrapperVault(at = 59).vault.use { vault ->
                    vault.unlock(PIN).use { s ->
                        s.addUri(rfcUri("SHA1"))
                        s.addUri(rfcUri("SHA256", label = "RFC:sha256"))
                        s.addUri(HOTP_URI)
                        val first = withTimeout(5_000) { s.codeRows().first() }
                        assertEquals(listOf("94287082", "46119246", null), first.map { it.code })
                        assertEquals(listOf(1, 1, null), first.map { it.timeLeft?.seconds?.toInt() })
                        assertNull(first[2].nextCode)
                        val started = System.nanoTime()
                        val ticks = withTimeout(5_000) { s.codeRows(tick = 100.milliseconds).take(3).toList() }
                        assertEquals(3, ticks.size)
                        assertTrue(System.nanoTime() - started >= 100_000_000, "it waited between ticks")
                        assertTrue(ticks.all { it == first }, "a fixed clock gives the same rows")
                    }
                }
            }
        }

        test("sessions used from many coroutines at once") {
            runBlocking {
                wrapperVault().vault.use { vault ->
                    vault.unlock(PIN).use { s ->
                        s.addUri(rfcUri("SHA512"))
                        val codes = (1..32).map { async { s.codesAt(at(1111111111))[0].code } }.awaitAll()
                        assertEquals(List(32) { "99943326" }, codes)
                    }
                }
            }
        }

        test("QrScanner and ScannedQr: images, CameraX-style planes, text; errors as VaktException") {
            runBlocking {
                val qr = scanWithWrapper(fixture("privacyidea/totp_qr.png")).single()
                assertEquals("TOTP0000F42C", assertIs<ScannedContent.Account>(qr.content).details.accountName)
                assertEquals("ScannedQr", qr.toString())
                val plane = lumaOf(fixture("qr/generated/clean.png"), padding = 16)
                val buffer = java.nio.ByteBuffer.allocateDirect(plane.data.size).put(plane.data).also { it.flip() }
                val framed = QrScanner.scanFrame(buffer, plane.width, plane.height, plane.stride).single()
                assertEquals(0, buffer.position(), "the plane's buffer is left as it was")
                assertIs<ScannedContent.Account>(framed.content)
                val export = assertIs<ScannedContent.Migration>(QrScanner.fromText(MIGRATION_URI).content)
                assertEquals(listOf("alice@google.com"), export.accounts.map { it.accountName })
                assertEquals(1u to 0, export.batch.size to export.batch.index)
                assertEquals("PIPU0000668B", assertIs<ScannedContent.PushEnrolment>(QrScanner.fromText(fixtureText("privacyidea/push_enroll_url.txt")).content).details.serial)
                MigrationScanProgress().use { progress ->
                    assertTrue(progress.feed(scanWithWrapper(fixture("migration/vakt-export-1-of-2.png")).single()))
                    assertEquals(listOf(listOf(1)), progress.missing.map { m -> m.missing.map { it.toInt() } })
                    assertFalse(progress.isComplete)
                    assertThrows<VaktException.InvalidInput> { progress.feed(qr) }
                }
                assertThrows<VaktException.NoQrCode> { scanWithWrapper(blankPng()) }
                val luma = plane.data
                assertIs<ScannedContent.Account>(QrScanner.scanImage(luma, plane.width, plane.height, plane.stride).single().content)
                assertThrows<VaktException.InvalidInput> { QrScanner.scanImage(IntArray(10), 120, 120) }
                assertThrows<VaktException.InvalidInput> { QrScanner.scanImage(IntArray(0), 10_000, 10_000) }
                assertThrows<VaktException.InvalidInput> { QrScanner.scanImage(ByteArray(10), 120, 120, 120) }
                assertThrows<VaktException.InvalidInput> { QrScanner.scanImage(ByteArray(100), 10, 10, 9) }
                assertEquals("https", assertThrows<VaktException.NotAnAuthenticatorQr> { QrScanner.fromText("https://x.example").content }.scheme)
                wrapperVault().vault.use { vault ->
                    vault.unlock(PIN).use { s ->
                        val added = s.addScanned(scanWithWrapper(fixture("migration/vakt-export-2-of-2.png")).single())
                        assertTrue(added.isNotEmpty() && added.none { it.outcome is AddOutcome.Duplicate })
                        val again = s.addScanned(scanWithWrapper(fixture("migration/vakt-export-2-of-2.png")).single())
                        assertEquals(added.map { it.id to true }, again.map { it.id to (it.outcome is AddOutcome.Duplicate) })
                        assertThrows<VaktException.InvalidInput> { s.addScanned(QrScanner.fromText(fixtureText("privacyidea/push_enroll_url.txt"))) }
                        assertThrows<VaktException.InvalidInput> { s.push(FakePrivacyIdea().transport()).enrol(qr) }
                    }
                }
                qr.close()
            }
        }

        test("backups, imports and exports through the wrapper; restore on a new device") {
            runBlocking {
                val created = wrapperVault()
                val (backup, count) =
                    created.vault.use { vault ->
                        vault.unlock(PIN).use { s ->
                            val report = s.importAccounts(ImportFormat.AEGIS, fixture("imports/aegis/aegis_encrypted.json"), "test")
                            assertEquals(7, report.added.size)
                            assertThrows<VaktException.ImportPasswordNeeded> { s.importAccounts(ImportFormat.AEGIS, fixture("imports/aegis/aegis_encrypted.json")) }
                            assertThrows<VaktException.WrongImportPassword> { s.importAccounts(ImportFormat.AEGIS, fixture("imports/aegis/aegis_encrypted.json"), "nope") }
                            assertThrows<VaktException.ImportFailed> { s.importAccounts(ImportFormat.AUTHY, fixture("imports/aegis/plain.txt")) }
                            assertTrue(s.exportAegis(PIN).isNotEmpty())
                            assertEquals(1, s.exportMigrationQrCodes(PIN).codes.size)
                            assertEquals(2, assertThrows<VaktException.WrongPin> { s.accountQr("1111", s.accounts()[0].id) }.attemptsLeft)
                            val image = s.accountQr(PIN, s.accounts()[0].id)
                            val side = image.side.toInt() * 3
                            assertIs<ScannedContent.Account>(QrScanner.scanImage(image.toArgb(3), side, side).single().content)
                            val before = s.changeCount()
                            s.setBackupPassphrase("correct horse battery")
                            assertTrue(s.changeCount() > before)
                            val backup = s.backup()
                            assertTrue(s.removeBackupPassphrase())
                            backup to s.accounts().size
                        }
                    }
                val info = VaktVault.inspectBackup(backup)
                assertTrue(info.hasPassphrase)
                assertEquals(BackupUnreadableReason.NOT_A_BACKUP, assertThrows<VaktException.BackupUnreadable> { VaktVault.inspectBackup(ByteArray(40)) }.reason)
                val file = File(dir, "new-device/vault.sqlite3")
                val secret = VaktVault.BackupSecret.Passphrase("correct horse battery")
                assertEquals("Passphrase", secret.toString(), "toString never shows the secret")
                val wrong = VaktVault.BackupSecret.UnblockCode("00000-00000-00000-00000")
                val keystore = AesGcmKeystore(newAesKey())
                assertEquals(1, assertThrows<VaktException.WrongBackupSecret> { VaktVault.restore(file, keystore, backup, wrong, OTHER_PIN, options = FAST_WRAPPER) }.failedAttempts)
                val restored = VaktVault.restore(file, keystore, backup, secret, OTHER_PIN, fixedClock(59), FAST_WRAPPER)
                assertEquals(count, restored.restored)
                assertNotEquals(created.unblockCode.reveal(), restored.unblockCode.reveal())
                restored.session.use { assertEquals(count, it.accounts().size) }
                restored.vault.use { it.unlock(OTHER_PIN).close() }
                val noPhrase = VaktVault.BackupSecret.Passphrase("x")
                assertThrows<VaktException.BackupHasNoPassphrase> {
                    val plain = wrapperVaultAt("plain").vault.use { v -> v.unlock(PIN).use { it.backup() } }
                    VaktVault.restore(File(dir, "third/vault.sqlite3"), keystore, plain, noPhrase, OTHER_PIN, options = FAST_WRAPPER)
                }
            }
        }

        test("NoBackupKey through the wrapper (a vault made before backups existed)") {
            runBlocking {
                File("fixtures/vaults/v1").copyRecursively(File(dir, "v1"))
                val keystore = app.vakt.ffi.softwareKeystore(File(dir, "v1/device.key").path)
                VaktVault.open(File(dir, "v1/vault.sqlite3"), keystore, options = FAST_WRAPPER).use { vault ->
                    vault.unlock(PIN).use { assertThrows<VaktException.NoBackupKey> { it.backup() } }
                }
            }
        }

        test("Otpauth and clocks") {
            assertEquals(40_000_000uL, app.vakt.ffi.maxImagePixels(), "the image limit the wrappers check is Rust's")
            assertEquals(40_000_000L, MAX_IMAGE_PIXELS)
            assertEquals("RFC", Otpauth.parse(rfcUri("SHA1")).issuer)
            assertEquals(OtpType.TOTP, Otpauth.parse(rfcUri("SHA1")).otpType)
            assertEquals("89005924", Otpauth.code(rfcUri("SHA1"), Instant.ofEpochSecond(1234567890)))
            assertEquals("digits", assertThrows<VaktException.InvalidUri> { Otpauth.parse("otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&digits=99") }.field)
            val javaClock = java.time.Clock.fixed(Instant.ofEpochSecond(2000000000), ZoneOffset.UTC)
            assertEquals(2000000000uL, clockOf(javaClock).nowUnix())
            assertEquals(77uL, fixedClock(77).nowUnix())
            assertTrue(systemClock().nowUnix() > 1_700_000_000uL)
        }
    }

/** An image file through the wrapper as an app passes one: decoded by the platform (ImageIO here), ARGB. */
private fun scanWithWrapper(image: ByteArray): List<ScannedQr> {
    val argb = argbOf(image)
    return QrScanner.scanImage(argb.pixels, argb.width, argb.height)
}
