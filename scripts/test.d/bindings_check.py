"""Checks of the generated bindings that need no Swift compiler (run by
40-kotlin.sh and 41-swift.sh).

    python bindings_check.py parse FILE...
        Parses each file with tree-sitter-swift and fails on any ERROR or MISSING
        node. Only in uniffi's generated file (name ending in `FFI.swift`), two
        constructs the grammar cannot read are first rewritten, keeping every line
        and column in place:
          1. `#if swift(>=5.8)` / one attribute line / `#endif` → the attribute
             alone (the branch a Swift ≥ 5.8 compiler takes);
          2. the closure `{ () }` → `{    }` (both are `() -> ()`).

    python bindings_check.py contract LIBRARY SWIFT_FILE KOTLIN_FILE
        Checks that the generated Swift matches the built library: the uniffi
        contract version and every `uniffi_vakt_ffi_checksum_*` value it expects
        equal what the library's functions return (called through ctypes), the
        library exports no checksum the Swift file does not check, every
        `uniffi_vakt_ffi_fn_*` / `ffi_vakt_ffi_*` function the Swift file calls is
        exported, and the Kotlin file expects the same values.

    python bindings_check.py coverage GENERATED_FILE TEST_DIR
        Fails unless every exported function, constructor and method (one
        `uniffi_vakt_ffi_checksum_*` each in the generated file) is called by
        name in some test under TEST_DIR: `func_parse_uri` → `parseUri(`,
        `method_session_codes_at` → `codesAt(`, `constructor_vault_open` → `open(`.
        A guard that new exports get tests in both languages, not a proof.
"""

from __future__ import annotations

import ctypes
import re
import subprocess
import sys
from pathlib import Path

IF_SWIFT_ATTRIBUTE = re.compile(
    r"^(?P<if>[ \t]*#if swift\([^)\n]*\)[ \t]*)\n"
    r"(?P<attr>[ \t]*@[A-Za-z_]\w*(?:\([^()\n]*\))?[ \t]*)\n"
    r"(?P<endif>[ \t]*#endif[ \t]*)$",
    re.M,
)
UNIT_CLOSURE = "{ () }"


def work_around_grammar_gaps(text: str) -> tuple[str, int, int]:
    """Rewrites the two known gaps; returns the text and how many of each."""

    def blank_directives(m: re.Match[str]) -> str:
        return " " * len(m["if"]) + "\n" + m["attr"] + "\n" + " " * len(m["endif"])

    text, attributes = IF_SWIFT_ATTRIBUTE.subn(blank_directives, text)
    closures = text.count(UNIT_CLOSURE)
    text = text.replace(UNIT_CLOSURE, "{" + " " * (len(UNIT_CLOSURE) - 2) + "}")
    return text, attributes, closures


def parse(files: list[str]) -> int:
    import tree_sitter_swift
    from tree_sitter import Language, Parser

    parser = Parser(Language(tree_sitter_swift.language()))
    failed = 0
    for name in files:
        text = Path(name).read_text(encoding="utf-8")
        note = ""
        if name.endswith("FFI.swift"):
            text, attributes, closures = work_around_grammar_gaps(text)
            note = f" (generated; grammar gaps rewritten: {attributes} #if-attribute, {closures} {UNIT_CLOSURE})"
        tree = parser.parse(text.encode("utf-8"))
        problems = []

        def walk(node) -> None:
            if node.is_error or node.is_missing:
                problems.append(node)
                return
            if node.has_error:
                for child in node.children:
                    walk(child)

        walk(tree.root_node)
        lines = text.splitlines()
        if problems:
            failed += 1
            print(f"FAIL  {name}: {len(problems)} syntax error(s){note}")
            for node in problems[:20]:
                row, col = node.start_point
                kind = "MISSING " + node.type if node.is_missing else "ERROR"
                print(f"      {name}:{row + 1}:{col + 1}: {kind}: {lines[row].strip()[:100] if row < len(lines) else ''}")
        else:
            print(f"ok    {name}: {len(lines)} lines{note}")
    return failed


def exported_symbols(library: str) -> set[str]:
    out = subprocess.run(
        ["nm", "-D", "--defined-only", library], check=True, capture_output=True, text=True
    ).stdout
    return {line.split()[-1] for line in out.splitlines() if line.strip()}


def contract(library: str, swift_file: str, kotlin_file: str) -> int:
    swift = Path(swift_file).read_text(encoding="utf-8")
    kotlin = Path(kotlin_file).read_text(encoding="utf-8")
    lib = ctypes.CDLL(str(Path(library).resolve()))
    errors: list[str] = []

    # The contract version.
    m = re.search(r"let bindings_contract_version = (\d+)", swift)
    if not m:
        errors.append("no bindings_contract_version in the Swift file")
    else:
        fn = lib.ffi_vakt_ffi_uniffi_contract_version
        fn.restype, fn.argtypes = ctypes.c_uint32, []
        if int(m[1]) != fn():
            errors.append(f"contract version: Swift expects {m[1]}, the library is {fn()}")
        k = re.search(r"val bindings_contract_version = (\d+)", kotlin)
        if not k or k[1] != m[1]:
            errors.append(f"contract version: Kotlin expects {k and k[1]}, Swift {m[1]}")

    # Every checksum the Swift file checks, against the library and the Kotlin file.
    swift_sums = {
        name: int(value)
        for name, value in re.findall(r"\b(uniffi_vakt_ffi_checksum_\w+)\(\) != (\d+)\)", swift)
    }
    kotlin_sums = {
        name: int(value)
        for name, value in re.findall(
            r"lib\.(uniffi_vakt_ffi_checksum_\w+)\(\) and 0xFFFF\) != (\d+)\)", kotlin
        )
    }
    if not swift_sums:
        errors.append("no checksums found in the Swift file")
    for name, expected in sorted(swift_sums.items()):
        try:
            fn = getattr(lib, name)
        except AttributeError:
            errors.append(f"{name}: expected by Swift, not exported by the library")
            continue
        fn.restype, fn.argtypes = ctypes.c_uint16, []
        actual = fn()
        if actual != expected:
            errors.append(f"{name}: Swift expects {expected}, the library returns {actual}")
        if kotlin_sums.get(name) != expected:
            errors.append(f"{name}: Kotlin expects {kotlin_sums.get(name)}, Swift {expected}")

    exported = exported_symbols(library)
    for name in sorted(s for s in exported if s.startswith("uniffi_vakt_ffi_checksum_")):
        if name not in swift_sums:
            errors.append(f"{name}: exported by the library, not checked by the Swift file")
    # Every scaffolding function the Swift file calls exists in the library.
    called = set(re.findall(r"\b((?:uniffi_vakt_ffi_fn|ffi_vakt_ffi)_\w+)\(", swift))
    for name in sorted(called - exported):
        errors.append(f"{name}: called by Swift, not exported by the library")

    for e in errors:
        print(f"FAIL  {e}")
    print(
        f"contract: version {m[1] if m else '?'}, {len(swift_sums)} checksums, "
        f"{len(called)} scaffolding functions checked against {library}"
    )
    return len(errors)


def coverage(generated: str, test_dir: str) -> int:
    text = Path(generated).read_text(encoding="utf-8")
    tests = "\n".join(
        p.read_text(encoding="utf-8")
        for p in sorted(Path(test_dir).rglob("*"))
        if p.suffix in (".kt", ".swift")
    )
    symbols = sorted(set(re.findall(r"\buniffi_vakt_ffi_checksum_(\w+?)\(", text)))
    missing = []
    for rest in symbols:
        if rest.startswith("func_"):
            name = rest[len("func_"):]
        else:  # method_<object>_<name>, constructor_<object>_<name>
            name = rest.split("_", 2)[2]
        camel = re.sub(r"_([a-z0-9])", lambda m: m[1].upper(), name)
        if not re.search(r"(?<![A-Za-z0-9_])" + re.escape(camel) + r"\(", tests):
            missing.append(f"{camel} ({rest})")
    for m in missing:
        print(f"FAIL  exported but called by no test in {test_dir}: {m}")
    if not symbols:
        print(f"FAIL  no exports found in {generated}")
        return 1
    if not missing:
        print(f"all {len(symbols)} exported functions and methods are called by the tests in {test_dir}")
    return len(missing)


def main(argv: list[str]) -> int:
    if len(argv) >= 2 and argv[0] == "parse":
        return 1 if parse(argv[1:]) else 0
    if len(argv) == 3 and argv[0] == "coverage":
        return 1 if coverage(*argv[1:]) else 0
    if len(argv) == 4 and argv[0] == "contract":
        return 1 if contract(*argv[1:]) else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
