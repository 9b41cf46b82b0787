package app.vakt

import app.vakt.ffi.AddOutcome
import app.vakt.ffi.ImportFormat
import app.vakt.ffi.OtpType
import app.vakt.ffi.ScannedCode
import app.vakt.ffi.ScannedContent
import app.vakt.ffi.scanStillImage
import kotlin.test.assertEquals
import kotlin.test.assertTrue
import app.vakt.ffi.VaktException as FfiError

/** Other apps' export files in fixtures/imports/aegis: format, file, password, accounts. */
private val IMPORTS =
    listOf(
        Triple(ImportFormat.AEGIS, "aegis_plain.json", null) to 7,
        Triple(ImportFormat.AEGIS, "aegis_encrypted.json", "test") to 7,
        Triple(ImportFormat.TWO_FAS, "2fas_authenticator_encrypted_v4.2fas", "test") to 5,
        Triple(ImportFormat.AND_OTP, "andotp_encrypted.bin", "test") to 7,
        Triple(ImportFormat.FREE_OTP, "freeotp_plus.json", null) to 6,
        Triple(ImportFormat.FREE_OTP, "freeotp_v2_api34.xml", "test") to 6,
        Triple(ImportFormat.BITWARDEN, "bitwarden.csv", null) to 4,
        Triple(ImportFormat.AUTHY, "authy_encrypted.xml", "testtest") to 3,
        Triple(ImportFormat.ENTE, "ente_auth.txt", null) to 7,
        Triple(ImportFormat.URI_LIST, "plain.txt", null) to 7,
    )

/** Imports from other apps, and exports (Aegis, Google Authenticator QR codes, one account's QR). */
fun Tests.transferTests() =
    suite("transfer") {
        test("importAccounts reads every supported app's real export file") {
            for ((case, expected) in IMPORTS) {
                val (format, file, password) = case
                newVault(name = file).vault.unlock(PIN).use { s ->
                    val report = s.importAccounts(format, fixture("imports/aegis/$file"), password)
                    assertEquals(expected, report.added.size + report.skipped.size, "$file: $report")
                    assertEquals(report.added.map { it.id }, s.accounts().map { it.id }, file)
                    assertTrue(report.duplicates.isEmpty(), file)
                }
            }
        }

        test("importAccounts: duplicates named, skipped entries and notes reported") {
            newVault().vault.unlock(PIN).use { s ->
                val first = s.importAccounts(ImportFormat.URI_LIST, fixture("imports/aegis/plain.txt"), null)
                assertEquals(7, first.added.size)
                assertEquals("Deno (Mason)", first.added[0].label)
                val again = s.importAccounts(ImportFormat.AEGIS, fixture("imports/aegis/aegis_plain.json"), null)
                assertEquals(0, again.added.size)
                assertEquals(first.added.map { it.id }.toSet(), again.duplicates.map { it.id }.toSet())
                val twoFas = s.importAccounts(ImportFormat.TWO_FAS, fixture("imports/aegis/2fas_authenticator.json"), null)
                assertTrue(twoFas.notes.isNotEmpty(), "2FAS schema 1 records no algorithm: a note says so")
                val google = s.importAccounts(ImportFormat.URI_LIST, "$MIGRATION_URI\nnot a uri\n".toByteArray(), null)
                assertEquals(listOf("Example (alice@google.com)"), google.added.map { it.label })
                assertEquals(1, google.skipped.size)
                assertTrue(google.skipped[0].label.contains("line 2"))
            }
        }

        test("import errors: ImportPasswordNeeded, WrongImportPassword, ImportFailed; nothing added") {
            newVault().vault.unlock(PIN).use { s ->
                val encrypted = fixture("imports/aegis/aegis_encrypted.json")
                assertThrows<FfiError.ImportPasswordNeeded> { s.importAccounts(ImportFormat.AEGIS, encrypted, null) }
                assertThrows<FfiError.WrongImportPassword> { s.importAccounts(ImportFormat.AEGIS, encrypted, "wrong") }
                val failed = assertThrows<FfiError.ImportFailed> { s.importAccounts(ImportFormat.AEGIS, fixture("imports/aegis/plain.txt"), null) }
                assertTrue(failed.detail.contains("Aegis", ignoreCase = true), failed.detail)
                assertEquals(0, s.accounts().size)
            }
        }

        test("exportAegis, plain and encrypted, imports back") {
            newVault().vault.unlock(PIN).use { s ->
                s.importAccounts(ImportFormat.URI_LIST, fixture("imports/aegis/plain.txt"), null)
                val plain = s.exportAegis(PIN, null)
                val encrypted = s.exportAegis(PIN, "export password")
                assertTrue(plain.decodeToString().contains("4SJHB4GSD43FZBAI7C2HLRJGPQ"), "plain: the keys are in the clear")
                assertTrue(!encrypted.decodeToString().contains("4SJHB4GSD43FZBAI7C2HLRJGPQ"))
                assertThrows<FfiError.InvalidInput> { s.exportAegis(PIN, "") }
                // Keys leave the vault only with the PIN entered again; a wrong one counts.
                assertEquals(2u, assertThrows<FfiError.WrongPin> { s.exportAegis("1111", null) }.attemptsLeft)
                s.exportAegis(PIN, null)
                newVault(name = "other").vault.unlock(PIN).use { o ->
                    assertEquals(7, o.importAccounts(ImportFormat.AEGIS, plain, null).added.size)
                    assertEquals(7, o.importAccounts(ImportFormat.AEGIS, encrypted, "export password").duplicates.size)
                }
            }
        }

        test("exportMigrationQrCodes: codes that scan back; what the format cannot hold is listed") {
            newVault().vault.unlock(PIN).use { s ->
                s.importAccounts(ImportFormat.URI_LIST, fixture("imports/aegis/plain.txt"), null)
                val accounts = s.accounts()
                val export = s.exportMigrationQrCodes(PIN, emptyList())
                // SPDX (7 digits, 20 s), Airbnb (50 s), Air Canada (7 digits), Boeing (Steam).
                val left = export.notExportable.associate { accounts.first { a -> a.id == it.id }.issuer to it.field }
                assertEquals(mapOf("SPDX" to "period", "Airbnb" to "period", "Air Canada" to "digits", "Boeing" to "type"), left)
                assertEquals(1, export.codes.size)
                val code = export.codes.single()
                assertEquals(0u, code.batchIndex)
                assertEquals(1u, code.batchSize)
                assertEquals(3, code.accountIds.size)
                // Drawn as the app would (4 pixels a module), read back as a photo of it would be.
                val scanned = scanQrImage(code.image).single()
                val content = scanned.content() as ScannedContent.Migration
                assertEquals(code.batchIndex to code.batchSize, content.batch.index.toUInt() to content.batch.size)
                assertEquals(code.accountIds.map { id -> accounts.first { it.id == id }.issuer }, content.accounts.map { it.issuer })
                newVault(name = "other").vault.unlock(PIN).use { o ->
                    assertTrue(o.addScanned(scanned).all { it.outcome is AddOutcome.Added })
                }
                val chosen = s.exportMigrationQrCodes(PIN, listOf(accounts[3].id, accounts[0].id))
                assertEquals(listOf(accounts[3].id, accounts[0].id), chosen.codes.single().accountIds)
                assertEquals(99L, assertThrows<FfiError.NoSuchAccount> { s.exportMigrationQrCodes(PIN, listOf(accounts[0].id, 99L)) }.id)
            }
        }

        test("accountQr: one account's otpauth QR as modules, Steam included") {
            newVault().vault.unlock(PIN).use { s ->
                s.importAccounts(ImportFormat.URI_LIST, fixture("imports/aegis/plain.txt"), null)
                val steam = s.accounts().first { it.otpType == OtpType.STEAM }
                assertThrows<FfiError.WrongPin> { s.accountQr("1111", steam.id) }
                val image = s.accountQr(PIN, steam.id)
                assertEquals(image.side.toInt() * image.side.toInt(), image.luma.size)
                assertTrue(image.luma.all { it == 0.toByte() || it == 0xFF.toByte() }, "one byte a module: 0 or 255")
                assertTrue(image.luma.take(image.side.toInt() * 4).all { it == 0xFF.toByte() }, "a quiet zone of four light modules")
                val argb = image.toArgb(4)
                assertEquals(image.side.toInt() * 4 * image.side.toInt() * 4, argb.size)
                assertTrue(argb.all { it == -1 || it == 0xFF000000.toInt() }, "opaque black and white")
                val details = (scanQrImage(image).single().content() as ScannedContent.Account).details
                assertEquals(steam.issuer to steam.accountName, details.issuer to details.accountName)
                assertEquals(OtpType.STEAM, details.otpType)
                assertEquals(99L, assertThrows<FfiError.NoSuchAccount> { s.accountQr(PIN, 99L) }.id)
            }
        }
    }

/** A [QrImage] drawn 4 pixels a module ([toArgb]), to luma, read with [scanStillImage]. */
private fun scanQrImage(image: QrImage): List<ScannedCode> {
    val side = image.side.toInt() * 4
    val luma = argbToLuma(image.toArgb(4), side, side)
    return scanStillImage(luma, side.toUInt(), side.toUInt(), side.toUInt())
}
