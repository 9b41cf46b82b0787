package app.vakt

import java.io.File
import java.util.jar.JarFile
import kotlin.system.exitProcess
import org.junit.runner.Description
import org.junit.runner.JUnitCore
import org.junit.runner.notification.Failure
import org.junit.runner.notification.RunListener

/*
 * Runs the Robolectric tests without Gradle (scripts/test.d/42-android.sh):
 * every class of this jar with a JUnit `@Test` method, found rather than
 * listed. Prints one line per test (Robolectric appends `[SDK]` to all but the
 * last SDK a test runs on) and closes with `N passed, M failed`; the exit
 * status is 1 if any failed or none ran.
 *
 *   java … app.vakt.RobolectricMainKt [CLASS_NAME_FILTER…]
 */
fun main(args: Array<String>) {
    val classes = testClasses().filter { c -> args.isEmpty() || args.any { c.name.contains(it) } }
    println("${classes.size} test classes: ${classes.joinToString { it.simpleName }}")
    var passed = 0
    var failed = 0
    val core = JUnitCore()
    core.addListener(
        object : RunListener() {
            private val failures = mutableSetOf<Description>()

            override fun testFailure(failure: Failure) {
                failures += failure.description
                failed++
                val e = failure.exception
                println("FAIL  ${failure.description.displayName}")
                println("      ${e::class.qualifiedName}: ${e.message}")
                e.stackTrace.take(8).forEach { println("        at $it") }
            }

            override fun testFinished(description: Description) {
                if (description !in failures) {
                    passed++
                    println("PASS  ${description.displayName}")
                }
            }
        },
    )
    core.run(*classes.toTypedArray())
    println("$passed passed, $failed failed")
    System.out.flush()
    exitProcess(if (failed == 0 && passed > 0) 0 else 1)
}

/** The classes next to this one (same jar or directory) that declare a JUnit test. */
private fun testClasses(): List<Class<*>> {
    val anchor = Class.forName("app.vakt.RobolectricMainKt")
    val location = File(anchor.protectionDomain.codeSource.location.toURI())
    val names =
        if (location.isDirectory) {
            location.walkTopDown().filter { it.isFile }.map { it.relativeTo(location).invariantSeparatorsPath }.toList()
        } else {
            JarFile(location).use { jar -> jar.entries().asSequence().map { it.name }.toList() }
        }
    return names
        .filter { it.endsWith(".class") && '$' !in it }
        .map { Class.forName(it.removeSuffix(".class").replace('/', '.'), false, anchor.classLoader) }
        .filter { c -> c.declaredMethods.any { it.isAnnotationPresent(org.junit.Test::class.java) } }
        .sortedBy { it.name }
}
