package app.vakt

import app.vakt.ffi.UnreadableReason
import app.vakt.ffi.Vault
import app.vakt.ffi.createVault
import app.vakt.ffi.fixedClock
import app.vakt.ffi.softwareKeystore
import java.io.File
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertNotEquals
import kotlin.test.assertTrue
import app.vakt.ffi.VaktException as FfiError

/** The locked vault: create, open, status, unlock, unblock, change PIN, and their errors. */
fun Tests.vaultTests() =
    suite("vault") {
        test("createVault returns a locked vault and a grouped unblock code") {
            val created = newVault()
            val code = created.unblockCode.reveal()
            assertTrue(Regex("[0-9A-Z]{5}(-[0-9A-Z]{5}){3}").matches(code), "not grouped as XXXXX-XXXXX-XXXXX-XXXXX")
            // uniffi's generated toString prints every field of a record: the code is an object that prints nothing.
            for (shown in listOf(created.toString(), created.unblockCode.toString())) {
                assertTrue(code.split("-").none { shown.contains(it) }, "the unblock code is printed: $shown")
            }
            val status = created.vault.status()
            assertFalse(status.blocked)
            assertEquals(3u, status.attemptsLeft)
            assertEquals(0u, status.failedPinAttempts)
            assertEquals(0u, status.failedUnblockAttempts)
            assertEquals(java.time.Duration.ZERO, status.nextUnblockDelay)
            created.vault.unlock(PIN).use { assertFalse(it.isLocked()) }
        }

        test("Vault.open reopens what createVault wrote") {
            newVault().vault.unlock(PIN).use { it.addUri(EXAMPLE_URI) }
            val vault = Vault.open(path("vault/vault.sqlite3"), softwareKeystore(path("vault/device.key")), fixedClock(59u), FAST)
            vault.unlock(PIN).use { assertEquals(listOf("alice@example.com"), it.accounts().map { a -> a.accountName }) }
        }

        test("biometric unlock: enabled with the PIN; cancelled, locked out, invalidated; never when blocked") {
            val created = newVault()
            val vault = created.vault
            val finger = FakeBiometricKey(0x5a)
            assertFalse(vault.biometricEnabled())
            assertThrows<FfiError.BiometricNotEnabled> { vault.unlockBiometric(finger) }
            vault.unlock(PIN).use { s ->
                assertThrows<FfiError.WrongPin> { s.enableBiometric(OTHER_PIN, finger) }
                s.enableBiometric(PIN, finger)
            }
            assertTrue(vault.biometricEnabled())
            assertThrows<FfiError.WrongPin> { vault.unlock(OTHER_PIN) }
            vault.unlockBiometric(finger).use { s -> assertTrue(s.accounts().isEmpty()) }
            assertEquals(1u, vault.status().failedPinAttempts, "biometrics neither reset nor add to the PIN count")
            finger.failNext = app.vakt.ffi.UserAuthFailure.Cancelled()
            assertThrows<FfiError.BiometricCancelled> { vault.unlockBiometric(finger) }
            finger.failNext = app.vakt.ffi.UserAuthFailure.LockedOut()
            assertThrows<FfiError.BiometricLockedOut> { vault.unlockBiometric(finger) }
            finger.failNext = app.vakt.ffi.UserAuthFailure.Failed("hardware")
            assertThrows<FfiError.Keystore> { vault.unlockBiometric(finger) }
            assertThrows<FfiError.BiometricInvalidated> { vault.unlockBiometric(FakeBiometricKey(0x33)) }
            assertFalse(vault.biometricEnabled(), "an invalidated key turns it off")
            vault.unlock(PIN).use { s ->
                s.enableBiometric(PIN, finger)
                s.disableBiometric()
                assertFalse(vault.biometricEnabled())
                s.enableBiometric(PIN, finger)
            }
            repeat(3) { runCatching { vault.unlock(OTHER_PIN) } }
            val opens = finger.opens.get()
            assertThrows<FfiError.Blocked> { vault.unlockBiometric(finger) }
            assertEquals(opens, finger.opens.get(), "a blocked vault does not even ask")
        }

        test("InvalidPin: weak, malformed or too short PINs are refused, with the rule broken") {
            val rules =
                mapOf(
                    "1234" to app.vakt.ffi.PinProblem.Sequence,
                    "0000" to app.vakt.ffi.PinProblem.AllSame,
                    "1212" to app.vakt.ffi.PinProblem.Common,
                    "12a4" to app.vakt.ffi.PinProblem.NotDigits,
                    "12" to app.vakt.ffi.PinProblem.TooShort(4u),
                    "1234567890123" to app.vakt.ffi.PinProblem.TooLong(12u),
                )
            for ((pin, rule) in rules) {
                val e = assertThrows<FfiError.InvalidPin> { newVault(pin = pin, name = "v$pin") }
                assertEquals(rule, e.reason, pin)
                assertTrue(e.detail.isNotBlank(), "an English default text")
            }
            val vault = newVault().vault
            assertTrue(assertThrows<FfiError.InvalidPin> { vault.unlock("abcd") }.detail.isNotBlank())
            assertEquals(0u, vault.status().failedPinAttempts, "a malformed PIN is not an attempt")
            assertThrows<FfiError.InvalidPin> { vault.changePin(PIN, "1111") }
        }

        test("NotInitialized and AlreadyInitialized") {
            assertThrows<FfiError.NotInitialized> {
                Vault.open(path("none/vault.sqlite3"), softwareKeystore(path("none/device.key")), fixedClock(0u), FAST)
            }
            newVault()
            assertThrows<FfiError.AlreadyInitialized> { newVault() }
        }

        test("VaultUnreadable NotAVault: a garbage file is reported and left untouched") {
            val file = File(dir, "garbage.sqlite3")
            val garbage = ByteArray(4096) { (it * 31 + 7).toByte() }
            file.writeBytes(garbage)
            val e =
                assertThrows<FfiError.VaultUnreadable> {
                    Vault.open(file.path, softwareKeystore(path("device.key")), fixedClock(0u), FAST)
                }
            assertEquals(UnreadableReason.NOT_A_VAULT, e.reason)
            assertTrue(garbage.contentEquals(file.readBytes()), "the file is untouched")
        }

        test("VaultUnreadable WrongDevice: another keystore's key does not open it") {
            newVault()
            val vault = Vault.open(path("vault/vault.sqlite3"), softwareKeystore(path("other.key")), fixedClock(0u), FAST)
            val e = assertThrows<FfiError.VaultUnreadable> { vault.unlock(PIN) }
            assertEquals(UnreadableReason.WRONG_DEVICE, e.reason)
        }

        test("WrongPin counts down 2, 1, then Blocked refuses even the right PIN") {
            val vault = newVault().vault
            assertEquals(2u, assertThrows<FfiError.WrongPin> { vault.unlock(OTHER_PIN) }.attemptsLeft)
            assertEquals(1u, assertThrows<FfiError.WrongPin> { vault.unlock(OTHER_PIN) }.attemptsLeft)
            assertThrows<FfiError.Blocked> { vault.unlock(OTHER_PIN) }
            assertThrows<FfiError.Blocked> { vault.unlock(PIN) }
            val status = vault.status()
            assertTrue(status.blocked)
            assertEquals(0u, status.attemptsLeft)
            assertEquals(3u, status.failedPinAttempts)
        }

        test("a correct PIN resets the count") {
            val vault = newVault().vault
            assertThrows<FfiError.WrongPin> { vault.unlock(OTHER_PIN) }
            vault.unlock(PIN).close()
            assertEquals(3u, vault.status().attemptsLeft)
        }

        test("the lockout survives reopening the vault") {
            val vault = newVault().vault
            repeat(2) { assertThrows<FfiError.WrongPin> { vault.unlock(OTHER_PIN) } }
            vault.close()
            val again = Vault.open(path("vault/vault.sqlite3"), softwareKeystore(path("vault/device.key")), fixedClock(0u), FAST)
            assertThrows<FfiError.Blocked> { again.unlock(OTHER_PIN) }
            assertThrows<FfiError.Blocked> { again.unlock(PIN) }
        }

        test("unblock: MistypedUnblockCode, WrongUnblockCode, then the code opens it and is re-issued") {
            val created = newVault()
            val vault = created.vault
            repeat(3) { runCatching { vault.unlock(OTHER_PIN) } }
            assertEquals(
                app.vakt.ffi.UnblockCodeProblem.Length(5u, 20u),
                assertThrows<FfiError.MistypedUnblockCode> { vault.unblock("ABCDE", OTHER_PIN) }.reason,
            )
            // One character changed: the check character catches it before any attempt is counted.
            val typo = created.unblockCode.reveal().replaceRange(0, 1, if (created.unblockCode.reveal()[0] == '7') "8" else "7")
            assertEquals(app.vakt.ffi.UnblockCodeProblem.Check, assertThrows<FfiError.MistypedUnblockCode> { vault.unblock(typo, OTHER_PIN) }.reason)
            assertEquals(0u, vault.status().failedUnblockAttempts)
            // A well-formed code of another vault.
            val otherCode = newVault(name = "other").unblockCode.reveal()
            assertEquals(1u, assertThrows<FfiError.WrongUnblockCode> { vault.unblock(otherCode, OTHER_PIN) }.failedAttempts)
            assertEquals(2u, assertThrows<FfiError.WrongUnblockCode> { vault.unblock(otherCode, OTHER_PIN) }.failedAttempts)
            // A weak new PIN is refused before the code is checked.
            assertThrows<FfiError.InvalidPin> { vault.unblock(created.unblockCode.reveal(), "1111") }
            // Lower case and spaces are fine.
            val typed = created.unblockCode.reveal().lowercase().replace("-", " ")
            val unblocked = vault.unblock(typed, OTHER_PIN)
            assertFalse(unblocked.session.isLocked())
            assertNotEquals(created.unblockCode.reveal(), unblocked.unblockCode.reveal())
            unblocked.session.close()
            val status = vault.status()
            assertFalse(status.blocked)
            assertEquals(0u, status.failedUnblockAttempts)
            // The new PIN works, the old unblock code does not.
            vault.unlock(OTHER_PIN).close()
            assertThrows<FfiError.WrongUnblockCode> { vault.unblock(created.unblockCode.reveal(), PIN) }
            vault.unblock(unblocked.unblockCode.reveal(), PIN).session.close()
        }

        test("changePin: the old PIN counts as an attempt, the new one works") {
            val vault = newVault().vault
            assertEquals(2u, assertThrows<FfiError.WrongPin> { vault.changePin(OTHER_PIN, "9157") }.attemptsLeft)
            vault.changePin(PIN, OTHER_PIN)
            assertEquals(2u, assertThrows<FfiError.WrongPin> { vault.unlock(PIN) }.attemptsLeft)
            vault.unlock(OTHER_PIN).close()
        }

        test("Storage: a vault path that cannot be created") {
            File(dir, "file").writeText("not a directory")
            val e =
                assertThrows<FfiError.Storage> {
                    createVault(path("file/sub/vault.sqlite3"), softwareKeystore(path("k.key")), fixedClock(0u), PIN, FAST)
                }
            assertTrue(e.detail.isNotBlank())
        }
    }
