package app.vakt

import java.io.File
import java.lang.reflect.InvocationTargetException
import java.lang.reflect.Modifier
import java.util.concurrent.ExecutionException
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit
import java.util.concurrent.TimeoutException
import java.util.jar.JarFile
import kotlin.system.exitProcess

/*
 * A small test runner for the JVM tests of the bindings: no JUnit, no Gradle,
 * just kotlinc and java (scripts/test.d/40-kotlin.sh). It prints the suites it
 * found, one line per test, and closes with `N passed, M failed`; the exit
 * status is 1 if any failed.
 *
 * Adding tests: write `fun Tests.somethingTests() = suite("something") { test("…") { … } }`
 * in a new file. Suites are found, not listed: every top-level function of
 * this package taking a `Tests` (compiled to a static method of its file's
 * class) is one, and runs — a suite cannot compile and then be skipped. They
 * run in the order of their names. Each test body runs with a fresh temporary
 * directory (`dir`), deleted afterwards.
 *
 *   java … app.vakt.HarnessKt [NAME_FILTER…]   runs the tests whose "suite: name" contains a filter
 */

/**
 * Every suite in the jar or directory this class was loaded from: the static
 * methods taking only a [Tests], of this package's file classes (`…Kt`).
 */
internal fun discoverSuites(): List<Pair<String, (Tests) -> Unit>> {
    val location = File(Tests::class.java.protectionDomain.codeSource.location.toURI())
    val prefix = Tests::class.java.`package`.name.replace('.', '/') + "/"
    val classNames =
        if (location.isDirectory) {
            location.walkTopDown().filter { it.isFile }.map { it.relativeTo(location).invariantSeparatorsPath }.toList()
        } else {
            JarFile(location).use { jar -> jar.entries().asSequence().map { it.name }.toList() }
        }.filter { it.startsWith(prefix) && it.endsWith("Kt.class") && '$' !in it }
            .map { it.removeSuffix(".class").replace('/', '.') }
    return classNames
        .flatMap { name ->
            Class.forName(name, false, Tests::class.java.classLoader).declaredMethods.filter { m ->
                Modifier.isStatic(m.modifiers) && m.parameterTypes.toList() == listOf(Tests::class.java)
            }
        }.sortedBy { it.name }
        .map { m ->
            m.isAccessible = true
            m.name to { tests: Tests ->
                try {
                    m.invoke(null, tests)
                } catch (e: InvocationTargetException) {
                    throw e.targetException
                }
                Unit
            }
        }
}

/** Longest a single test may take before it counts as failed (hung). */
private const val TEST_TIMEOUT_SECONDS = 120L

/** What a test body gets: a fresh directory of its own. */
class TestContext(val dir: File) {
    /** A path inside [dir]; its parent directory is created. */
    fun path(name: String): String = File(dir, name).also { it.parentFile.mkdirs() }.path
}

/** The registry the suites add their tests to. */
class Tests {
    internal class Case(val name: String, val body: TestContext.() -> Unit)

    internal val cases = mutableListOf<Case>()

    /** A group of tests named [name]. */
    inner class Suite(private val name: String) {
        /** Registers one test. */
        fun test(title: String, body: TestContext.() -> Unit) {
            cases += Case("$name: $title", body)
        }
    }

    /** Declares the tests of one suite. */
    fun suite(name: String, block: Suite.() -> Unit) = Suite(name).block()
}

fun main(args: Array<String>) {
    val tests = Tests()
    val suites = discoverSuites()
    check(suites.isNotEmpty()) { "no suite found next to ${Tests::class.java.name}" }
    println("${suites.size} suites: ${suites.joinToString { it.first }}")
    suites.forEach { (_, declare) -> declare(tests) }
    val selected = tests.cases.filter { c -> args.isEmpty() || args.any { c.name.contains(it) } }
    // Daemon threads: a hung test is reported and does not keep the JVM alive.
    val runner =
        Executors.newCachedThreadPool { r -> Thread(r, "test").apply { isDaemon = true } }
    var passed = 0
    var failed = 0
    for (case in selected) {
        val dir = kotlin.io.path.createTempDirectory("vakt-test-").toFile()
        val started = System.nanoTime()
        val error: Throwable? =
            try {
                runner.submit { case.body(TestContext(dir)) }.get(TEST_TIMEOUT_SECONDS, TimeUnit.SECONDS)
                null
            } catch (e: ExecutionException) {
                e.cause ?: e
            } catch (e: TimeoutException) {
                AssertionError("timed out after $TEST_TIMEOUT_SECONDS s")
            }
        val ms = (System.nanoTime() - started) / 1_000_000
        dir.deleteRecursively()
        if (error == null) {
            passed++
            println("PASS  ${case.name} ($ms ms)")
        } else {
            failed++
            println("FAIL  ${case.name} ($ms ms)")
            println("      ${error::class.qualifiedName}: ${error.message}")
            error.stackTrace.take(6).forEach { println("        at $it") }
        }
    }
    if (selected.isEmpty()) println("no test matches ${args.joinToString()}")
    println("$passed passed, $failed failed")
    System.out.flush()
    exitProcess(if (failed == 0 && selected.isNotEmpty()) 0 else 1)
}
