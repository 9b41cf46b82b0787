"""Checks that native libraries load on devices with 16 KB memory pages.

    python3 elf_page_size.py ARCHIVE_OR_SO...

For every 64-bit ELF shared library given (or inside a given .aar/.jar/.zip),
prints the smallest alignment of its PT_LOAD segments and fails unless it is
at least 16 KB: Android on 16 KB pages cannot map a library whose segments are
aligned to 4 KB (Google Play requires 16 KB alignment for 64-bit libraries).
32-bit libraries are listed and not checked (16 KB pages are 64-bit only).
"""

from __future__ import annotations

import struct
import sys
import zipfile
from pathlib import Path

PT_LOAD = 1
REQUIRED = 16 * 1024


def load_alignment(data: bytes) -> tuple[int, int] | None:
    """(ELF class: 32 or 64, smallest PT_LOAD alignment), or None if not ELF."""
    if data[:4] != b"\x7fELF":
        return None
    bits = 64 if data[4] == 2 else 32
    endian = "<" if data[5] == 1 else ">"
    if bits == 64:
        phoff, = struct.unpack_from(endian + "Q", data, 0x20)
        phentsize, phnum = struct.unpack_from(endian + "HH", data, 0x36)
    else:
        phoff, = struct.unpack_from(endian + "I", data, 0x1C)
        phentsize, phnum = struct.unpack_from(endian + "HH", data, 0x2A)
    aligns = []
    for i in range(phnum):
        off = phoff + i * phentsize
        p_type, = struct.unpack_from(endian + "I", data, off)
        if p_type != PT_LOAD:
            continue
        if bits == 64:
            p_align, = struct.unpack_from(endian + "Q", data, off + 0x30)
        else:
            p_align, = struct.unpack_from(endian + "I", data, off + 0x1C)
        aligns.append(p_align)
    return bits, min(aligns) if aligns else 0


def libraries(path: str):
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            for name in sorted(z.namelist()):
                if name.endswith(".so"):
                    yield f"{Path(path).name}!{name}", z.read(name)
    else:
        yield path, Path(path).read_bytes()


def main(paths: list[str]) -> int:
    bad = checked = 0
    for path in paths:
        for name, data in libraries(path):
            found = load_alignment(data)
            if found is None:
                continue
            bits, align = found
            if bits == 32:
                print(f"  {name}: 32-bit, LOAD alignment {align} (not checked)")
                continue
            checked += 1
            ok = align >= REQUIRED
            bad += not ok
            print(f"  {name}: LOAD alignment {align} {'ok' if ok else f'< {REQUIRED}: does not load with 16 KB pages'}")
    if checked == 0:
        print("no 64-bit library found", file=sys.stderr)
        return 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
