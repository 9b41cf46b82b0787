package app.vakt

import app.vakt.ffi.ChallengeRefusal
import app.vakt.ffi.DeclineReason
import app.vakt.ffi.PushChallengeState
import app.vakt.ffi.PushDecision
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertNull
import kotlin.test.assertTrue
import app.vakt.ffi.VaktException as FfiError

/**
 * Push on a locked vault through the generated bindings (what a
 * FirebaseMessagingService and the lock screen call): no PIN to receive,
 * poll, list and decline; approving needs the PIN unless turned on.
 */
fun Tests.lockedPushTests() =
    suite("push while locked") {
        test("receive, list, forged refused, approve refused, decline signed; PIN count untouched") {
            val p = PushPhone(this)
            val token = p.enrol()
            val vault = p.created.vault
            assertThrows<FfiError.WrongPin> { vault.unlock(OTHER_PIN) }
            val status = vault.status()
            assertEquals(listOf(token), vault.pushTokens())

            val c = p.fake.trigger()
            val shown = vault.receivePush(c.item())
            assertEquals("DemoIdP", shown.title)
            assertEquals("privacyIDEA: PIPU0000TEST", shown.account)
            assertEquals(PushChallengeState.Open, shown.state)
            assertEquals(listOf(shown), vault.pushChallenges())
            assertEquals(shown, vault.pushChallenge(shown.id))
            assertEquals(listOf(shown), p.session.pushChallenges(), "the session sees the same")

            p.fake.setTamper(true)
            val forged = p.fake.trigger()
            assertEquals(ChallengeRefusal.FORGED, assertThrows<FfiError.ChallengeRefused> { vault.receivePush(forged.item()) }.reason)
            p.fake.setTamper(false)
            assertEquals(1, vault.pushChallenges().size, "nothing of it stored")

            val posts = p.fake.requests().size
            assertThrows<FfiError.Locked> { vault.approvePushLocked(shown.id, p.transport, false, null) }
            assertEquals(posts, p.fake.requests().size, "nothing sent")
            assertFalse(vault.pushApproveWhenLocked())

            vault.declinePush(shown.id, p.transport, false, DeclineReason.UNKNOWN_TRIGGER)
            assertEquals(false, c.answered())
            assertEquals("unknown_trigger", c.declineReason())
            assertThrows<FfiError.AlreadyAnswered> { vault.receivePush(c.item()) }
            assertEquals(status, vault.status(), "the PIN count is as it was")
        }

        test("received locked, approved after the PIN; polled locked; approve while locked when turned on") {
            val p = PushPhone(this)
            p.enrol()
            val vault = p.created.vault
            val a = p.fake.trigger(displayCode = "42")
            val shown = vault.receivePush(a.item())
            assertEquals("42", p.session.approvePush(shown.id, p.transport, false, null))
            assertEquals(true, a.answered())
            val answered = vault.pushChallenge(shown.id)
            assertEquals(PushChallengeState.Answered(PushDecision.Approve(null)), answered.state)
            assertNull(answered.displayCode, "the display code stays under the vault key")

            val b = p.fake.trigger()
            val report = vault.pollPush(p.transport, false)
            assertEquals(1u, report.newCount)
            assertTrue(report.problems.isEmpty())
            p.session.setPushApproveWhenLocked(true)
            assertTrue(vault.pushApproveWhenLocked())
            vault.approvePushLocked(report.challenges.single().id, p.transport, false, null)
            assertEquals(true, b.answered())
            p.session.setPushApproveWhenLocked(false)
            assertFalse(vault.pushApproveWhenLocked())
            p.session.upgradePushRecords()
        }
    }
