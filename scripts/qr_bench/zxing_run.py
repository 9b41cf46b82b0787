#!/usr/bin/env python3
"""Run zxing-cpp (the PyPI wheel) on every image of a manifest.

Writes one JSON object a line to --out: {"path", "texts", "ms", "cpu_ms", "panic"}, the
same shape the Rust bench (core/examples/qr_bench.rs) writes, so that
compare.py can put the two side by side. The image is converted to 8-bit luma
first and only the decode call is timed (wall and thread CPU time).
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np
import zxingcpp
from PIL import Image


# QR Code only (Model 1 and 2), as ours: zxing-cpp's "QRCode" also reads
# Micro QR, whose weak error detection yields false texts on busy scenes.
FORMATS = [zxingcpp.BarcodeFormat.QRCodeModel2, zxingcpp.BarcodeFormat.QRCodeModel1]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("manifest")
    ap.add_argument("--out", required=True)
    ap.add_argument("--repeat", type=int, default=1, help="decode each frame N times: texts of the first run, time of the fastest (as the Rust bench)")
    args = ap.parse_args()
    zxingcpp.read_barcodes(np.zeros((64, 64), np.uint8), formats=FORMATS)  # warm-up
    with open(args.manifest) as f, open(args.out, "w") as out:
        for line in f:
            entry = json.loads(line)
            img = Image.open(entry["path"])
            img.load()
            luma = np.ascontiguousarray(np.asarray(img.convert("L")))
            ms = cpu_ms = float("inf")
            found = None
            for _ in range(args.repeat if entry.get("frame") else 1):
                t0, c0 = time.perf_counter(), time.thread_time()
                result = zxingcpp.read_barcodes(luma, formats=FORMATS, text_mode=zxingcpp.TextMode.Plain)
                t1, c1 = time.perf_counter(), time.thread_time()
                found = result if found is None else found
                if (t1 - t0) * 1000.0 < ms:
                    ms, cpu_ms = (t1 - t0) * 1000.0, (c1 - c0) * 1000.0
            texts = []
            for b in found:
                if b.text not in texts:
                    texts.append(b.text)
            out.write(json.dumps({"path": entry["path"], "texts": texts, "ms": ms, "cpu_ms": cpu_ms, "panic": False}, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
