package app.vakt

import app.vakt.ffi.FakeContainer
import app.vakt.ffi.ScannedCode
import app.vakt.ffi.ScannedContent
import app.vakt.ffi.Session
import app.vakt.ffi.softwareKeystore
import java.io.File
import java.time.Instant
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertIs
import kotlin.test.assertNull
import kotlin.test.assertTrue
import kotlinx.coroutines.runBlocking
import app.vakt.ffi.ContainerState as FfiContainerState
import app.vakt.ffi.VaktException as FfiError

/** The container's serial in the fake server (bindings/src/test_support/fake_container.rs). */
private const val SERIAL = "SMPH000051AC"

/** A phone for containers: a vault with the software keystore (it makes P-384 keys) and the fake server. */
private class ContainerPhone(ctx: TestContext, name: String, val fake: FakeContainer) {
    val session: Session =
        app.vakt.ffi.createVault(ctx.path("$name/vault.sqlite3"), softwareKeystore(ctx.path("$name/device.key")), fixedClock(T0), PIN, FAST)
            .vault.unlock(PIN)
    val transport = fake.transport()

    fun register(passphrase: String? = null, uri: String = fake.registrationUri(null)) =
        session.registerContainer(ScannedCode.fromText(uri), passphrase, "Vakt", "jvm", transport, false)

    fun sync(id: Long) = session.syncContainer(id, transport, false, null)

    /** Every account's key as the vault would show it: name to code at [at]. */
    fun codes(at: Instant): Map<String, String> {
        return session.codesAt(at).filter { !it.counterBased }.associate { it.account.accountName to (it.code ?: "") }
    }
}

/** The TOTP code of a base32 [secret] at [at] (30 s, 6 digits, SHA-1: what the fake server issues). */
private fun totp(secret: String, at: Instant) = Otpauth.code("otpauth://totp/x?secret=$secret&period=30&digits=6", at)

/** privacyIDEA smartphone containers through the generated bindings, against the FakeContainer test door. */
fun Tests.containerTests() =
    suite("containers") {
        test("registerContainer from a scanned code, syncContainer adds TOTP and HOTP whose codes match the server, removals are reported and kept") {
            val fake = FakeContainer()
            fake.addToken("TOTP0001", "totp")
            fake.addToken("HOTP0001", "hotp")
            val phone = ContainerPhone(this, "a", fake)
            val uri = fake.registrationUri(null)
            val details = assertIs<ScannedContent.ContainerRegistration>(ScannedCode.fromText(uri).content()).details
            assertEquals(SERIAL, details.serial)
            assertEquals("http://127.0.0.1:41021", details.serverUrl)
            assertEquals(java.time.Duration.ofMinutes(10), details.ttl)
            assertNull(details.passphrasePrompt)
            assertFalse(fake.isRegistered())
            val c = phone.register(uri = uri)
            assertTrue(fake.isRegistered())
            assertEquals(SERIAL, c.serial)
            assertEquals(FfiContainerState.REGISTERED, c.state)
            assertEquals(T0, c.registeredAt?.epochSecond)
            assertNull(c.lastSync)
            assertEquals(c.id, assertThrows<FfiError.ContainerAlreadyRegistered> { phone.register() }.id)

            val report = phone.sync(c.id)
            assertEquals(c.id, report.containerId)
            assertEquals(setOf("TOTP0001", "HOTP0001"), report.added.map { it.serial }.toSet())
            assertTrue(report.removed.isEmpty() && report.failed.isEmpty())
            val at = Instant.ofEpochSecond(T0)
            val totpSecret = fake.secretOf("TOTP0001")!!
            assertEquals(totp(totpSecret, at), phone.codes(at)["TOTP0001"])
            val hotpId = report.added.single { it.serial == "HOTP0001" }.entryId
            val hotpSecret = fake.secretOf("HOTP0001")!!
            assertEquals(Otpauth.code("otpauth://hotp/x?secret=$hotpSecret&counter=1&digits=6", at), phone.session.nextCode(hotpId))
            assertNull(fake.secretOf("NOPE0001"))

            fake.removeToken("HOTP0001")
            val second = phone.sync(c.id)
            assertEquals(listOf("HOTP0001"), second.removed.map { it.serial })
            assertEquals(listOf("TOTP0001"), second.updated.map { it.serial })
            assertTrue(phone.session.accounts().any { it.id == hotpId }, "a removed token stays in the vault")
            val listed = phone.session.containers().single()
            assertEquals(T0, listed.lastSync?.epochSecond)
            assertTrue(listed.tokens.single { it.serial == "HOTP0001" }.removed)
            assertEquals(app.vakt.ffi.ContainerTokenKind.ACCOUNT, listed.tokens.single { it.serial == "TOTP0001" }.kind)

            assertThrows<FfiError.InvalidInput> {
                phone.session.registerContainer(ScannedCode.fromText(EXAMPLE_URI), null, null, null, phone.transport, false)
            }
        }

        test("forged, replayed and foreign answers change nothing; an unreachable server is a network error") {
            val fake = FakeContainer()
            fake.addToken("TOTP0001", "totp")
            val phone = ContainerPhone(this, "b", fake)
            val id = phone.register().id
            phone.sync(id)
            fake.addToken("TOTP0002", "totp")
            val before = phone.session.accounts() to phone.session.containers()
            for (fault in listOf("flip", "replay", "other_container")) {
                fake.setFault(fault)
                assertThrows<FfiError.UnexpectedPushReply> { phone.sync(id) }
                assertEquals(before, phone.session.accounts() to phone.session.containers(), fault)
            }
            fake.setFault("unreachable")
            assertThrows<FfiError.PushNetwork> { phone.sync(id) }
            fake.setFault("none")
            assertThrows<FfiError.InvalidInput> { fake.setFault("sideways") }
            assertEquals(listOf("TOTP0002"), phone.sync(id).added.map { it.serial })
        }

        test("rollover: a second vault registers with a new code, the first learns it is no longer registered there") {
            val fake = FakeContainer()
            fake.addToken("TOTP0001", "totp")
            val old = ContainerPhone(this, "old", fake)
            val oldId = old.register().id
            val oldAccount = old.sync(oldId).added.single().entryId
            val new = ContainerPhone(this, "new", fake)
            val newId = new.register().id
            fake.regenerateAll()
            assertEquals(listOf("TOTP0001"), new.sync(newId).added.map { it.serial })
            val at = Instant.ofEpochSecond(T0)
            assertEquals(totp(fake.secretOf("TOTP0001")!!, at), new.codes(at)["TOTP0001"])

            assertEquals(oldId, assertThrows<FfiError.ContainerNotRegisteredHere> { old.sync(oldId) }.id)
            assertEquals(FfiContainerState.NOT_REGISTERED_HERE, old.session.containers().single().state)
            assertTrue(old.session.accounts().any { it.id == oldAccount })
            old.session.unregisterContainer(oldId, old.transport, false)
            assertTrue(old.session.containers().isEmpty())
            assertTrue(fake.isRegistered(), "the new phone is still registered")
            new.sync(newId)
        }

        test("a passphrase prompt: PassphraseRequired without an answer, RegistrationRefused for a wrong one") {
            val fake = FakeContainer()
            val phone = ContainerPhone(this, "p", fake)
            val uri = fake.registrationUri("Your colour?")
            val details = assertIs<ScannedContent.ContainerRegistration>(ScannedCode.fromText(uri).content()).details
            assertEquals("Your colour?", details.passphrasePrompt)
            assertEquals("Your colour?", assertThrows<FfiError.PassphraseRequired> { phone.register(uri = uri) }.prompt)
            val refused = assertThrows<FfiError.RegistrationRefused> { phone.register("crimson-7", uri) }
            assertFalse(refused.toString().contains("crimson"))
            assertTrue(phone.session.containers().isEmpty())
            assertEquals(FfiContainerState.REGISTERED, phone.register("blue", uri).state)
        }

        test("policies: delete refused with DeletionNotAllowed, unregister with NotAllowedByServer; then unregister") {
            val fake = FakeContainer()
            fake.addToken("TOTP0001", "totp")
            val phone = ContainerPhone(this, "q", fake)
            val id = phone.register().id
            fake.setPolicies(true, true)
            val account = phone.sync(id).added.single().entryId
            val policies = phone.session.containers().single().policies
            assertTrue(policies.disableTokenDeletion && policies.disableUnregister)
            val refused = assertThrows<FfiError.DeletionNotAllowed> { phone.session.delete(account) }
            assertEquals(account to id, refused.id to refused.containerId)
            assertEquals("unregister", assertThrows<FfiError.NotAllowedByServer> { phone.session.unregisterContainer(id, phone.transport, false) }.action)
            assertTrue(fake.isRegistered())

            fake.setPolicies(false, false)
            phone.sync(id)
            phone.session.unregisterContainer(id, phone.transport, false)
            assertFalse(fake.isRegistered())
            assertTrue(phone.session.containers().isEmpty())
            assertTrue(phone.session.accounts().any { it.id == account }, "its tokens stay")
            assertEquals(id, assertThrows<FfiError.NoSuchContainer> { phone.sync(id) }.id)
            phone.session.delete(account)
        }
    }

/** The wrapper's container API: VaktSession.containers, VaktContainers, the VaktException cases. */
fun Tests.containerWrapperTests() =
    suite("container wrapper") {
        test("VaktContainers with a Kotlin JCA keystore: register (scanned and text), sync, list, unregister; errors as VaktException") {
            runBlocking {
                val fake = FakeContainer()
                fake.addToken("TOTP0001", "totp")
                val created = VaktVault.create(File(dir, "cw/vault.sqlite3"), JcaRsaKeystore(), PIN, fixedClock(T0), FAST_WRAPPER)
                created.vault.unlock(PIN).use { s ->
                    val containers = s.containers(fake.transport(), deviceBrand = "Google", deviceModel = "Pixel")
                    val prompt = fake.registrationUri("Your colour?")
                    assertEquals("Your colour?", assertThrows<VaktException.PassphraseRequired> { containers.register(prompt) }.prompt)
                    assertThrows<VaktException.RegistrationRefused> { containers.register(prompt, passphrase = "green") }
                    val c = containers.register(QrScanner.fromText(prompt), passphrase = "blue")
                    assertEquals(ContainerState.REGISTERED, c.state)
                    assertEquals(c.id, assertThrows<VaktException.ContainerAlreadyRegistered> { containers.register(fake.registrationUri(null)) }.id)
                    val report: ContainerSyncReport = containers.sync(c.id)
                    val token: SyncedToken = report.added.single()
                    assertEquals("TOTP0001", token.serial)
                    val at = Instant.ofEpochSecond(T0)
                    assertEquals(totp(fake.secretOf("TOTP0001")!!, at), s.codesAt(at).single().code)
                    val listed: List<Container> = containers.list()
                    assertEquals(listOf(token.entryId), listed.single().tokens.map { it.entryId })

                    fake.setFault("flip")
                    assertThrows<VaktException.UnexpectedPushReply> { containers.sync(c.id) }
                    fake.setPolicies(true, true)
                    containers.sync(c.id)
                    val refused = assertThrows<VaktException.DeletionNotAllowed> { s.delete(token.entryId) }
                    assertEquals(c.id, refused.containerId)
                    assertEquals("unregister", assertThrows<VaktException.NotAllowedByServer> { containers.unregister(c.id) }.action)
                    fake.setPolicies(false, false)
                    containers.sync(c.id)
                    containers.unregister(c.id)
                    assertTrue(containers.list().isEmpty())
                    assertEquals(c.id, assertThrows<VaktException.NoSuchContainer> { containers.sync(c.id) }.id)

                    // The first vault's container, moved to a second one by a rollover code.
                    val first = containers.register(fake.registrationUri(null))
                    containers.sync(first.id)
                    val other = VaktVault.create(File(dir, "cw2/vault.sqlite3"), JcaRsaKeystore(), PIN, fixedClock(T0), FAST_WRAPPER)
                    other.vault.unlock(PIN).use { s2 ->
                        val theirs = s2.containers(fake.transport())
                        val moved = theirs.register(fake.registrationUri(null))
                        fake.regenerateAll()
                        assertEquals(listOf("TOTP0001"), theirs.sync(moved.id).added.map { it.serial })
                    }
                    assertEquals(first.id, assertThrows<VaktException.ContainerNotRegisteredHere> { containers.sync(first.id) }.id)
                    assertEquals(ContainerState.NOT_REGISTERED_HERE, containers.list().single().state)
                }
            }
        }

        test("the container errors map to their VaktException, text from Rust") {
            val table: List<Pair<FfiError, (VaktException) -> Boolean>> =
                listOf(
                    FfiError.DeletionNotAllowed(3L, 1L) to { e -> e is VaktException.DeletionNotAllowed && e.id == 3L && e.containerId == 1L },
                    FfiError.PassphraseRequired("Q?") to { e -> e is VaktException.PassphraseRequired && e.prompt == "Q?" },
                    FfiError.RegistrationRefused() to { e -> e is VaktException.RegistrationRefused },
                    FfiError.ContainerAlreadyRegistered(2L) to { e -> e is VaktException.ContainerAlreadyRegistered && e.id == 2L },
                    FfiError.NoSuchContainer(4L) to { e -> e is VaktException.NoSuchContainer && e.id == 4L },
                    FfiError.ContainerNotRegisteredHere(5L) to { e -> e is VaktException.ContainerNotRegisteredHere && e.id == 5L },
                    FfiError.NotAllowedByServer("unregister") to { e -> e is VaktException.NotAllowedByServer && e.action == "unregister" },
                )
            for ((ffi, ok) in table) {
                val mapped = ffi.toVakt()
                assertTrue(ok(mapped), "${ffi::class.simpleName} → ${mapped::class.simpleName}")
                assertEquals(ffi.toString(), mapped.message)
                assertFalse(mapped.message!!.contains("="), "a sentence, not uniffi's field dump: ${mapped.message}")
            }
        }
    }
