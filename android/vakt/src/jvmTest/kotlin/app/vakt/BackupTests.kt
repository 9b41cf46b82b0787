package app.vakt

import app.vakt.ffi.BackupSecretKind
import app.vakt.ffi.BackupUnreadableReason
import app.vakt.ffi.fixedClock
import app.vakt.ffi.inspectBackup
import app.vakt.ffi.restoreBackup
import app.vakt.ffi.softwareKeystore
import java.io.File
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertNotEquals
import kotlin.test.assertTrue
import app.vakt.ffi.VaktException as FfiError

/** The unblock code of the saved vaults in fixtures/vaults (see its README). */
private const val FIXTURE_UNBLOCK_CODE = "0B97X-KEN0D-Y3XSD-BPK35"

/** A 12+ character backup passphrase. */
private const val PASSPHRASE = "correct horse battery"

/** Restores [backup] into a new vault `name` of the test directory. */
private fun TestContext.restore(
    backup: ByteArray,
    kind: BackupSecretKind,
    secret: String,
    name: String = "restored",
    newPin: String = OTHER_PIN,
) = restoreBackup(
    path("$name/vault.sqlite3"),
    softwareKeystore(path("$name/device.key")),
    fixedClock(59u),
    backup,
    kind,
    secret,
    newPin,
    FAST,
)

/** Backups: make, inspect, passphrase, restore on a new device, and their errors. */
fun Tests.backupTests() =
    suite("backup") {
        test("backup, changeCount and inspectBackup; restore with the unblock code") {
            val created = newVault()
            val (bytes, accounts) =
                created.vault.unlock(PIN).use { s ->
                    val before = s.changeCount()
                    s.addUri(rfcUri("SHA1"))
                    s.addUri(HOTP_URI)
                    s.nextCode(s.accounts()[1].id)
                    assertTrue(s.changeCount() > before, "a change makes a backup due")
                    s.backup() to s.accounts()
                }
            val info = inspectBackup(bytes)
            assertEquals(1u, info.formatVersion)
            assertEquals(1u, info.generation)
            assertFalse(info.hasPassphrase)
            assertEquals(32, info.backupId.length)
            val restored = restore(bytes, BackupSecretKind.UNBLOCK_CODE, created.unblockCode.reveal())
            assertEquals(2u, restored.restored)
            assertTrue(restored.needsReenrolment.isEmpty())
            assertNotEquals(created.unblockCode.reveal(), restored.unblockCode.reveal())
            assertEquals(accounts.map { it.accountName to it.counter }, restored.session.accounts().map { it.accountName to it.counter })
            restored.session.lock()
            restored.vault.unlock(OTHER_PIN).use { assertEquals("94287082", it.codesAt(at(59))[0].code) }
        }

        test("the saved v2 vault's backup restores with its unblock code (real file)") {
            val bytes = fixture("vaults/v2/backup.vaktbkp")
            assertEquals(1u, inspectBackup(bytes).generation)
            val restored = restore(bytes, BackupSecretKind.UNBLOCK_CODE, FIXTURE_UNBLOCK_CODE.lowercase())
            assertEquals(4u, restored.restored)
            assertEquals(listOf("GitHub", "Bank", "日本", "Steam"), restored.session.accounts().map { it.issuer })
        }

        test("set and remove the backup passphrase; restore with it") {
            val created = newVault()
            val (withPhrase, without) =
                created.vault.unlock(PIN).use { s ->
                    s.addUri(EXAMPLE_URI)
                    assertThrows<FfiError.InvalidInput> { s.setBackupPassphrase("too short") }
                    s.setBackupPassphrase(PASSPHRASE)
                    val withPhrase = s.backup()
                    assertTrue(s.removeBackupPassphrase())
                    assertFalse(s.removeBackupPassphrase())
                    withPhrase to s.backup()
                }
            assertTrue(inspectBackup(withPhrase).hasPassphrase)
            assertFalse(inspectBackup(without).hasPassphrase)
            assertEquals(1u, restore(withPhrase, BackupSecretKind.PASSPHRASE, PASSPHRASE).restored)
            assertThrows<FfiError.BackupHasNoPassphrase> { restore(without, BackupSecretKind.PASSPHRASE, PASSPHRASE, name = "b") }
        }

        test("restore errors: WrongBackupSecret counted, MistypedUnblockCode, InvalidPin, AlreadyInitialized") {
            val created = newVault()
            val bytes = created.vault.unlock(PIN).use { it.backup() }
            val wrong = "00000-00000-00000-00000"
            assertEquals(1u, assertThrows<FfiError.WrongBackupSecret> { restore(bytes, BackupSecretKind.UNBLOCK_CODE, wrong) }.failedAttempts)
            assertEquals(2u, assertThrows<FfiError.WrongBackupSecret> { restore(bytes, BackupSecretKind.UNBLOCK_CODE, wrong) }.failedAttempts)
            assertThrows<FfiError.MistypedUnblockCode> { restore(bytes, BackupSecretKind.UNBLOCK_CODE, "nope") }
            assertThrows<FfiError.InvalidPin> { restore(bytes, BackupSecretKind.UNBLOCK_CODE, created.unblockCode.reveal(), newPin = "12") }
            restore(bytes, BackupSecretKind.UNBLOCK_CODE, created.unblockCode.reveal()).session.lock()
            assertThrows<FfiError.AlreadyInitialized> { restore(bytes, BackupSecretKind.UNBLOCK_CODE, created.unblockCode.reveal()) }
        }

        test("BackupUnreadable: not a backup, truncated, damaged; NoBackupKey on a pre-backup vault") {
            val bytes = newVault().vault.unlock(PIN).use { it.backup() }
            val reason = { b: ByteArray -> assertThrows<FfiError.BackupUnreadable> { inspectBackup(b) }.reason }
            assertEquals(BackupUnreadableReason.NOT_A_BACKUP, reason(fixture("imports/aegis/aegis_plain.json")))
            assertEquals(BackupUnreadableReason.TRUNCATED, reason(bytes.copyOf(bytes.size - 10)))
            val damaged = bytes.copyOf().also { it[it.size - 1] = (it[it.size - 1].toInt() xor 1).toByte() }
            assertEquals(BackupUnreadableReason.DAMAGED, reason(damaged))
            val newer = bytes.copyOf().also { it[7] = 2 } // the byte after the magic "VAKTBKP"
            assertEquals(BackupUnreadableReason.NEWER_VERSION, reason(newer))
            assertThrows<FfiError.BackupUnreadable> { restore(damaged, BackupSecretKind.UNBLOCK_CODE, FIXTURE_UNBLOCK_CODE) }
            // The v1 vault was made before backups existed (copied: opening migrates it).
            File("fixtures/vaults/v1").copyRecursively(File(dir, "v1"))
            val v1 = app.vakt.ffi.Vault.open(path("v1/vault.sqlite3"), softwareKeystore(path("v1/device.key")), fixedClock(59u), FAST)
            v1.unlock(PIN).use { s ->
                assertThrows<FfiError.NoBackupKey> { s.backup() }
                s.reissueUnblockCode()
                assertTrue(inspectBackup(s.backup()).generation >= 1u, "a new unblock code made a backup key")
            }
        }
    }
