"""Checks of the generated bindings (run by 40-kotlin.sh and 41-swift.sh).

    python bindings_check.py coverage GENERATED_FILE TEST_DIR
        Fails unless every exported function, constructor and method (one
        `uniffi_vakt_ffi_checksum_*` each in the generated file) is called by
        name in some test under TEST_DIR: `func_parse_uri` → `parseUri(`,
        `method_session_codes_at` → `codesAt(`, `constructor_vault_open` → `open(`.
        A guard that new exports get tests in both languages, not a proof.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

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
    if len(argv) == 3 and argv[0] == "coverage":
        return 1 if coverage(*argv[1:]) else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
