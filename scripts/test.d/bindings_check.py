"""Checks that every export of the generated bindings is exercised by the tests
(run by 40-kotlin.sh and 41-swift.sh).

    python bindings_check.py executed COVERAGE_JSON GENERATED[=LOCAL_COPY] WRAPPER_DIR
        Swift, from what actually ran. COVERAGE_JSON is `llvm-cov export` of a
        `swift test --enable-code-coverage` run; GENERATED is uniffi's
        VaktFFI.swift as the compiler saw it (LOCAL_COPY: where to read that
        same file here, when the build ran elsewhere). Fails unless
          - for every export (one `uniffi_vakt_ffi_checksum_*` each: function,
            constructor, method), the line of VaktFFI.swift that calls its Rust
            scaffolding function (`uniffi_vakt_ffi_fn_<export>(`) executed at
            least once: some test called that export across the FFI (a
            foreign trait's method only if some export returns a Rust
            implementation of that trait: otherwise Swift cannot call it); and
          - for every method of a foreign trait (Clock, DeviceKeystore,
            HttpTransport), the vtable entry through which Rust calls a Swift
            implementation (`uniffiObj.<method>(`) executed at least once:
            Rust called a Swift implementation of it.
        The count of a position is that of the innermost coverage region
        holding it (llvm-cov's segments), as `llvm-cov show` reports it.
        Also prints, for information, how much of the wrapper under
        WRAPPER_DIR ran.

    python bindings_check.py coverage GENERATED_FILE TEST_DIR
        Kotlin, a text search only: fails unless every export's name is
        called somewhere in the tests under TEST_DIR (`func_parse_uri` →
        `parseUri(`, `method_session_codes_at` → `codesAt(`,
        `constructor_vault_open` → `open(`, a primary constructor
        `constructor_fakeprivacyidea_new` → `FakePrivacyIdea(`). It cannot tell a call that runs
        from one that does not (a test that never runs, a call in a comment):
        a guard that new exports get Kotlin tests, not a proof that they ran.
"""

from __future__ import annotations

import bisect
import json
import re
import sys
from pathlib import Path

CHECKSUM = re.compile(r"\buniffi_vakt_ffi_checksum_(\w+?)\(")


def exports_of(text: str) -> list[str]:
    """`func_parse_uri`, `method_session_codes_at`, … (one per checksum)."""
    return sorted(set(CHECKSUM.findall(text)))


def camel(rest: str) -> str:
    """`func_parse_uri` → `parseUri`; `method_session_codes_at` → `codesAt`."""
    name = rest[len("func_"):] if rest.startswith("func_") else rest.split("_", 2)[2]
    return re.sub(r"_([a-z0-9])", lambda m: m[1].upper(), name)


class Counts:
    """Execution counts at source positions of one file of an llvm-cov export."""

    def __init__(self, segments: list[list]) -> None:
        # [line, column, count, has_count, is_region_entry, is_gap_region], sorted.
        self.segments = segments
        self.keys = [(s[0], s[1]) for s in segments]

    def at(self, line: int, column: int) -> int | None:
        i = bisect.bisect_right(self.keys, (line, column)) - 1
        if i < 0 or not self.segments[i][3]:
            return None  # not in any code region
        return int(self.segments[i][2])


def positions(lines: list[str], needle: str) -> list[tuple[int, int]]:
    """1-based (line, column) of every occurrence of `needle`."""
    found = []
    for number, line in enumerate(lines, 1):
        start = line.find(needle)
        while start >= 0:
            found.append((number, start + 1))
            start = line.find(needle, start + 1)
    return found


def callback_sites(lines: list[str]) -> dict[str, list[tuple[int, int]]]:
    """`Clock.nowUnix` → where the vtable of a foreign trait calls the Swift object."""
    sites: dict[str, list[tuple[int, int]]] = {}
    trait = None
    for number, line in enumerate(lines, 1):
        m = re.match(r"\s*fileprivate struct UniffiCallbackInterface(\w+)\s*\{", line)
        if m:
            trait = m[1]
        elif re.match(r"^\S", line):
            trait = None  # a top-level declaration ends the struct
        if trait:
            for call in re.finditer(r"\buniffiObj\.(\w+)\(", line):
                sites.setdefault(f"{trait}.{call[1]}", []).append((number, call.start() + 1))
    return sites


def rust_implementation_reaches_swift(lines: list[str], trait: str) -> bool:
    """Whether any generated code lifts a Rust-made `trait` object into Swift
    (a function returning one, or a record or option holding one)."""
    lift, read = f"FfiConverterType{trait}_lift(", f"FfiConverterType{trait}.read("
    return any(
        (lift in line and not line.lstrip().startswith("public func ")) or read in line for line in lines
    )


def executed(coverage_json: str, generated: str, wrapper_dir: str) -> int:
    compiled_path, _, local_copy = generated.partition("=")
    text = Path(local_copy or compiled_path).read_text(encoding="utf-8")
    lines = text.splitlines()
    export = json.loads(Path(coverage_json).read_text(encoding="utf-8"))
    files = {f["filename"]: f for data in export["data"] for f in data["files"]}
    if compiled_path not in files:
        print(f"FAIL  the coverage export has no counts for {compiled_path} (files: {sorted(files)})")
        return 1
    counts = Counts(files[compiled_path]["segments"])
    name = Path(compiled_path).name
    failures: list[str] = []

    exports = exports_of(text)
    if not exports:
        failures.append(f"no exports (uniffi_vakt_ffi_checksum_*) found in {name}")
    sites_by_method = callback_sites(lines)
    traits = {method.split(".")[0] for method in sites_by_method}
    # A foreign trait's method also has a Swift → Rust wrapper (its `…Impl` class),
    # reachable only if some export hands Swift a Rust implementation of the trait.
    unreachable = [
        rest
        for rest in exports
        for trait in traits
        if rest.startswith(f"method_{trait.lower()}_") and not rust_implementation_reaches_swift(lines, trait)
    ]
    calls: dict[str, int] = {}
    for rest in exports:
        if rest in unreachable:
            continue
        sites = positions(lines, f"uniffi_vakt_ffi_fn_{rest}(")
        if not sites:
            failures.append(f"{camel(rest)} ({rest}): no call of uniffi_vakt_ffi_fn_{rest} in {name}")
            continue
        found = [counts.at(*site) for site in sites]
        if all(c is None for c in found):
            failures.append(f"{camel(rest)} ({rest}): {name}:{sites[0][0]} is in no coverage region")
            continue
        calls[rest] = sum(c or 0 for c in found)
        if calls[rest] == 0:
            failures.append(
                f"{camel(rest)} ({rest}): never called from Swift into Rust by any test "
                f"({name}:{sites[0][0]} executed 0 times)"
            )

    callbacks: dict[str, int] = {}
    for method, sites in sorted(sites_by_method.items()):
        total = sum(counts.at(*site) or 0 for site in sites)
        callbacks[method] = total
        if total == 0:
            failures.append(
                f"{method}: Rust never called a Swift implementation of it in any test "
                f"({name}:{sites[0][0]} executed 0 times)"
            )
    if not callbacks:
        failures.append(f"no foreign-trait vtable (UniffiCallbackInterface*) found in {name}")

    for failure in failures:
        print(f"FAIL  {failure}")
    ran = [r for r in calls if calls[r] > 0]
    print(
        f"exports executed across the FFI: {len(ran)} of {len(calls)} functions, methods and "
        f"constructors called from Swift into Rust"
        + (f" (fewest: {camel(min(calls, key=calls.get))}, {min(calls.values())} calls)" if calls else "")
        + (
            f"; not reachable from Swift, no export returns a Rust implementation of the trait: "
            f"{', '.join(unreachable)}"
            if unreachable
            else ""
        )
    )
    hit = [m for m in callbacks if callbacks[m] > 0]
    print(
        f"foreign-trait methods executed: {len(hit)} of {len(callbacks)} called from Rust into "
        f"a Swift implementation ({', '.join(sorted(callbacks))})"
    )

    # For information: how much of the wrapper ran (Apple-only code is not compiled here).
    wrapper = sorted(f for f in files if f.startswith(wrapper_dir.rstrip("/") + "/"))
    covered = sum(files[f]["summary"]["lines"]["covered"] for f in wrapper)
    total = sum(files[f]["summary"]["lines"]["count"] for f in wrapper)
    if total:
        per_file = ", ".join(
            f"{Path(f).name} {files[f]['summary']['lines']['percent']:.0f}%" for f in wrapper
        )
        print(f"wrapper lines executed (information): {covered} of {total} ({100 * covered / total:.0f}%): {per_file}")
    return len(failures)


def coverage(generated: str, test_dir: str) -> int:
    text = Path(generated).read_text(encoding="utf-8")
    tests = "\n".join(
        p.read_text(encoding="utf-8")
        for p in sorted(Path(test_dir).rglob("*"))
        if p.suffix in (".kt", ".swift")
    )
    symbols = exports_of(text)
    missing = []
    for rest in symbols:
        name = camel(rest)
        pattern = r"(?<![A-Za-z0-9_])" + re.escape(name) + r"\("
        primary = re.fullmatch(r"constructor_([a-z0-9]+)_new", rest)
        if primary:
            # The primary constructor (`new`) is called by the class name:
            # `constructor_fakeprivacyidea_new` → `FakePrivacyIdea(`.
            name = primary[1]
            pattern = r"(?i)(?<![A-Za-z0-9_])" + re.escape(name) + r"\("
        if not re.search(pattern, tests):
            missing.append(f"{name} ({rest})")
    for m in missing:
        print(f"FAIL  exported but named in no test in {test_dir}: {m}")
    if not symbols:
        print(f"FAIL  no exports found in {generated}")
        return 1
    if not missing:
        print(f"all {len(symbols)} exports are named in calls in {test_dir} (a text search, not execution)")
    return len(missing)


def main(argv: list[str]) -> int:
    if len(argv) == 4 and argv[0] == "executed":
        return 1 if executed(*argv[1:]) else 0
    if len(argv) == 3 and argv[0] == "coverage":
        return 1 if coverage(*argv[1:]) else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
