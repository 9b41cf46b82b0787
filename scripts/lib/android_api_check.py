"""The run-time guards of code that 42-android.sh compiles above minSdk.

    python3 android_api_check.py guarded-file FILE LEVEL
        FILE (src/main/kotlin/app/vakt/ApiNN.kt) is compiled against API LEVEL
        only because every call into it needs an `ApiNN` in hand: checks that
        the class's constructor is private, that its only factory returns one
        exactly when `Build.VERSION.SDK_INT >= LEVEL`, and that every other
        top-level function of the file is an extension of it (or private).

    python3 android_api_check.py generated FILE
        uniffi's generated Kotlin names `java.lang.ref.Cleaner` (API 33): it is
        compiled against API 26 with a stub of that class alone. Checks that
        every use is inside its `JavaLangRefCleaner` / `JavaLangRefCleanable`
        classes, and that the one place constructing `JavaLangRefCleaner` does
        so right after `Class.forName("java.lang.ref.Cleaner")` succeeded (the
        class loads only on API 33+; before, the JNA cleaner is used).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path


def fail(message: str) -> int:
    print(f"android_api_check: {message}", file=sys.stderr)
    return 1


def guarded_file(path: str, level: int) -> int:
    text = Path(path).read_text(encoding="utf-8")
    name = f"Api{level}"
    if not re.search(rf"^internal class {name} private constructor\(\)", text, re.M):
        return fail(f"{path}: no `internal class {name} private constructor()`")
    factories = re.findall(rf"fun orNull\(\): {name}\? = (.*)", text)
    expected = f"if (Build.VERSION.SDK_INT >= {level}) instance else null"
    if factories != [expected]:
        return fail(f"{path}: the factory must be `fun orNull(): {name}? = {expected}`, found {factories}")
    for m in re.finditer(r"^(?P<vis>internal |public |private )?fun (?P<receiver>[\w.]+\.)?(?P<fn>\w+)", text, re.M):
        if m["vis"] == "private ":
            continue
        if m["receiver"] != f"{name}.":
            return fail(f"{path}: `{m['fn']}` is callable without an {name} (make it `{name}.{m['fn']}` or private)")
    for m in re.finditer(r"^(?P<vis>internal |public |private )?(?P<kind>val|var|class|object|interface|typealias) (?P<what>\w+)", text, re.M):
        if m["vis"] != "private " and m["what"] != name:
            return fail(f"{path}: top-level {m['kind']} `{m['what']}` is reachable without an {name}: make it private")
    print(f"{Path(path).name}: every entry point needs an {name}, made only when SDK_INT >= {level}")
    return 0


def generated(path: str) -> int:
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    allowed_classes = ("JavaLangRefCleaner", "JavaLangRefCleanable")
    inside = None
    uses = 0
    guard_line = None
    for number, line in enumerate(lines, 1):
        code = line.split("//", 1)[0]
        m = re.match(r"^(private |internal )?class (\w+)", code)
        if m:
            inside = m[2]
        elif re.match(r"^\S", code):
            inside = None
        if 'Class.forName("java.lang.ref.Cleaner")' in code:
            guard_line = number
            continue
        if "java.lang.ref.Cleaner" in code:
            uses += 1
            if inside not in allowed_classes:
                return fail(f"{path}:{number}: java.lang.ref.Cleaner (API 33) used outside {allowed_classes}")
    constructions = [n for n, line in enumerate(lines, 1) if re.search(r"\bJavaLangRefCleaner\(\)", line.split("//", 1)[0])]
    if guard_line is None or constructions != [guard_line + 1]:
        return fail(f"{path}: JavaLangRefCleaner() must be constructed once, right after the Class.forName guard "
                    f"(guard at {guard_line}, constructed at {constructions})")
    print(f"{Path(path).name}: java.lang.ref.Cleaner (API 33) named {uses} times, all behind uniffi's Class.forName guard")
    return 0


def main(args: list[str]) -> int:
    if len(args) == 3 and args[0] == "guarded-file":
        return guarded_file(args[1], int(args[2]))
    if len(args) == 2 and args[0] == "generated":
        return generated(args[1])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
