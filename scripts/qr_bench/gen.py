#!/usr/bin/env python3
"""Generate the QR decoding benchmark set and its manifest.

Synthetic images (deterministic: every image has its own seed) go to
OUT/synthetic/<category>/; real photos are listed from the directories given
with --real (each image NAME.ext next to NAME.txt, its expected text). The
manifest OUT/manifest.jsonl has one JSON object a line:

    {"path": ..., "category": ..., "expected": [text, ...], "also": [text, ...], "frame": bool}

`expected` lists every code that must be found (order does not matter);
`also` lists codes that are really in the image but not in its .txt (a found
text in neither list is a wrong text). `frame` marks the 1280x720 camera
frames (with or without a code) that are timed.

Needs numpy, Pillow and segno (scripts/qr-bench installs them in a venv).
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import math
import os
import random
import string
import sys
from pathlib import Path

import numpy as np
import segno
from PIL import Image, ImageDraw, ImageFilter, ImageFont

ISSUERS = [
    "GitHub", "Google", "Microsoft", "Amazon Web Services", "Dropbox", "Proton",
    "Mastodon", "GitLab", "Bitwarden", "Cloudflare", "Discord", "Slack",
    "Example Bank", "Acme Corp", "Nextcloud", "Fastmail", "Kraken", "Coinbase",
    "Hetzner", "OVH", "Atlassian", "Zoom", "Twitch", "npm", "PyPI",
]
USERS = ["alice", "bob", "carol.smith", "dave+2fa", "erin", "frank.o", "grace_h", "heidi"]
DOMAINS = ["example.com", "mail.example.org", "corp.example.net", "gmail.com", "proton.me"]


# ---------------------------------------------------------------- payloads

def b32(data: bytes) -> str:
    return base64.b32encode(data).decode().rstrip("=")


def pct(s: str) -> str:
    out = []
    for ch in s:
        if ch.isalnum() or ch in "-._~@+":
            out.append(ch)
        else:
            out.extend("%%%02X" % b for b in ch.encode())
    return "".join(out)


def otpauth(rng: random.Random) -> str:
    issuer = rng.choice(ISSUERS)
    user = rng.choice(USERS) + "@" + rng.choice(DOMAINS)
    kind = "hotp" if rng.random() < 0.1 else "totp"
    secret = b32(rng.randbytes(rng.choice([10, 16, 20, 20, 20, 32, 64])))
    params = [f"secret={secret}", f"issuer={pct(issuer)}"]
    if rng.random() < 0.4:
        params.append("algorithm=" + rng.choice(["SHA1", "SHA256", "SHA512"]))
    if rng.random() < 0.4:
        params.append("digits=" + rng.choice(["6", "8"]))
    if kind == "totp" and rng.random() < 0.3:
        params.append("period=" + rng.choice(["30", "60"]))
    if kind == "hotp":
        params.append(f"counter={rng.randrange(0, 1000)}")
    rng.shuffle(params)
    label = pct(issuer) + ":" + pct(user) if rng.random() < 0.8 else pct(user)
    return f"otpauth://{kind}/{label}?" + "&".join(params)


def varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def field_bytes(num: int, data: bytes) -> bytes:
    return varint(num << 3 | 2) + varint(len(data)) + data


def field_int(num: int, value: int) -> bytes:
    return varint(num << 3) + varint(value)


def migration(rng: random.Random, accounts: int) -> str:
    """An otpauth-migration://offline URI (Google Authenticator export)."""
    payload = b""
    for _ in range(accounts):
        issuer = rng.choice(ISSUERS)
        user = rng.choice(USERS) + "@" + rng.choice(DOMAINS)
        param = field_bytes(1, rng.randbytes(rng.choice([10, 20, 20, 32])))
        param += field_bytes(2, f"{issuer}:{user}".encode())
        param += field_bytes(3, issuer.encode())
        param += field_int(4, 1) + field_int(5, 1) + field_int(6, 2)
        payload += field_bytes(1, param)
    payload += field_int(2, 1) + field_int(3, 1) + field_int(4, 0)
    payload += field_int(5, rng.randrange(1, 1 << 31))
    data = base64.b64encode(payload).decode()
    return "otpauth-migration://offline?data=" + pct(data)


def plain_text(rng: random.Random) -> str:
    return "".join(rng.choice(string.ascii_letters + string.digits + " ") for _ in range(rng.randrange(10, 60)))


# ---------------------------------------------------------------- rendering

def code_matrix(text: str, ecl: str) -> np.ndarray:
    """The module matrix (True = dark), with a 4-module quiet zone."""
    qr = segno.make_qr(text, error=ecl, boost_error=False)
    m = np.array([[bool(v) for v in row] for row in qr.matrix], dtype=bool)
    return np.pad(m, 4, constant_values=False)


def render(m: np.ndarray, module: float, dark=0, light=255, supersample=4) -> Image.Image:
    """The code with a (possibly fractional) module size, anti-aliased."""
    n = m.shape[0]
    size = max(1, int(round(n * module)))
    big = np.where(m, dark, light).astype(np.uint8)
    img = Image.fromarray(big, "L")
    if abs(module - round(module)) < 1e-6:
        return img.resize((size, size), Image.NEAREST)
    hi = img.resize((size * supersample, size * supersample), Image.NEAREST)
    return hi.resize((size, size), Image.BOX)


def homography(src, dst) -> list[float]:
    """Coefficients for PIL's PERSPECTIVE transform mapping dst -> src."""
    a = []
    b = []
    for (x, y), (u, v) in zip(dst, src):
        a.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        a.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        b.extend([u, v])
    return list(np.linalg.solve(np.array(a, float), np.array(b, float)))


def warp_onto(bg: Image.Image, code: Image.Image, quad, fill_bg=True) -> Image.Image:
    """Paste `code` onto `bg` so that its corners land on `quad` (tl, tr, br, bl)."""
    w, h = code.size
    src = [(0, 0), (w, 0), (w, h), (0, h)]
    coeffs = homography(src, quad)
    ss = 2
    big_bg = bg.resize((bg.width * ss, bg.height * ss), Image.BILINEAR)
    quad2 = [(x * ss, y * ss) for x, y in quad]
    coeffs2 = homography(src, quad2)
    warped = code.transform(big_bg.size, Image.PERSPECTIVE, coeffs2, Image.BICUBIC, fillcolor=0)
    mask = Image.new("L", code.size, 255).transform(big_bg.size, Image.PERSPECTIVE, coeffs2, Image.BILINEAR, fillcolor=0)
    big_bg.paste(warped, (0, 0), mask)
    del coeffs
    return big_bg.resize(bg.size, Image.BOX)


def background(rng: np.random.Generator, w: int, h: int, busy=True) -> Image.Image:
    """A cluttered scene: gradient, blobs, lines and some text-like marks."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    base = rng.uniform(60, 200)
    gx, gy = rng.uniform(-0.08, 0.08, 2)
    arr = base + gx * (xx - w / 2) + gy * (yy - h / 2)
    img = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "L")
    if busy:
        d = ImageDraw.Draw(img)
        for _ in range(int(rng.integers(10, 40))):
            x0, y0 = rng.uniform(0, w), rng.uniform(0, h)
            x1, y1 = x0 + rng.uniform(10, w / 3), y0 + rng.uniform(10, h / 3)
            shade = int(rng.integers(0, 256))
            kind = rng.integers(0, 3)
            if kind == 0:
                d.rectangle([x0, y0, x1, y1], fill=shade)
            elif kind == 1:
                d.ellipse([x0, y0, x1, y1], fill=shade)
            else:
                d.line([x0, y0, x1, y1], fill=shade, width=int(rng.integers(1, 6)))
        for _ in range(int(rng.integers(3, 12))):
            x, y = rng.uniform(0, w - 200), rng.uniform(0, h - 20)
            d.text((x, y), "".join(chr(int(c)) for c in rng.integers(65, 91, 20)), fill=int(rng.integers(0, 80)))
        img = img.filter(ImageFilter.GaussianBlur(rng.uniform(0.5, 2.0)))
    return img


def add_noise(img: Image.Image, rng: np.random.Generator, sigma: float, salt=0.0) -> Image.Image:
    a = np.asarray(img, dtype=np.float32)
    a = a + rng.normal(0, sigma, a.shape)
    if salt > 0:
        r = rng.random(a.shape)
        a[r < salt / 2] = 0
        a[r > 1 - salt / 2] = 255
    return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8), "L")


def lighting(img: Image.Image, rng: np.random.Generator, strength: float) -> Image.Image:
    """Uneven illumination: a smooth multiplicative field (vignetting, a lamp)."""
    w, h = img.size
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    cx, cy = rng.uniform(0, w), rng.uniform(0, h)
    r = np.sqrt((xx - cx) ** 2 + (yy - cy) ** 2) / max(w, h)
    field = 1.0 - strength * np.clip(r, 0, 1.2)
    a = np.asarray(img, dtype=np.float32) * field
    return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8), "L")


def on_canvas(code: Image.Image, rng: np.random.Generator, margin_mod=0, light=255) -> Image.Image:
    pad = int(rng.integers(8, 40))
    canvas = Image.new("L", (code.width + 2 * pad, code.height + 2 * pad), light)
    canvas.paste(code, (pad, pad))
    return canvas


def jpeg(img: Image.Image, q: int) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=q)
    return buf.getvalue()


# ---------------------------------------------------------------- categories

ECLS = ["L", "M", "M", "Q", "H"]


def payload(rng: random.Random) -> str:
    return otpauth(rng) if rng.random() < 0.9 else plain_text(rng)


def cat_clean(rng, nrng):
    text = payload(rng)
    m = code_matrix(text, rng.choice(ECLS))
    img = render(m, rng.choice([3, 4, 5, 6, 8]))
    return [text], on_canvas(img, nrng)


def cat_small(rng, nrng):
    text = payload(rng)
    m = code_matrix(text, rng.choice(ECLS))
    img = render(m, nrng.uniform(1.5, 2.0))
    # a little optical blur: a real display or print never has razor edges at this size
    img = img.filter(ImageFilter.GaussianBlur(nrng.uniform(0.2, 0.45)))
    return [text], on_canvas(img, nrng)


def cat_rotated(rng, nrng):
    text = payload(rng)
    m = code_matrix(text, rng.choice(ECLS))
    img = render(m, nrng.uniform(3, 6))
    angle = rng.choice([90, 180, 270]) if rng.random() < 0.25 else nrng.uniform(5, 355)
    canvas = on_canvas(img, nrng)
    rot = canvas.rotate(angle, Image.BICUBIC, expand=True, fillcolor=int(nrng.integers(150, 256)))
    return [text], rot


def cat_perspective(rng, nrng):
    text = payload(rng)
    m = code_matrix(text, rng.choice(ECLS))
    code = render(m, 8)
    w, h = 800, 800
    bg = background(nrng, w, h)
    s = nrng.uniform(220, 420)
    cx, cy = w / 2 + nrng.uniform(-100, 100), h / 2 + nrng.uniform(-100, 100)
    # tilt: shrink one side, as a camera looking at a screen or paper from an angle
    tilt = nrng.uniform(0.55, 0.85)
    side = int(nrng.integers(0, 4))
    quad = [(-s / 2, -s / 2), (s / 2, -s / 2), (s / 2, s / 2), (-s / 2, s / 2)]
    if side == 0:
        quad[1] = (quad[1][0], quad[1][1] * tilt); quad[2] = (quad[2][0], quad[2][1] * tilt)
    elif side == 1:
        quad[0] = (quad[0][0] * tilt, quad[0][1]); quad[1] = (quad[1][0] * tilt, quad[1][1])
    elif side == 2:
        quad[0] = (quad[0][0], quad[0][1] * tilt); quad[3] = (quad[3][0], quad[3][1] * tilt)
    else:
        quad[2] = (quad[2][0] * tilt, quad[2][1]); quad[3] = (quad[3][0] * tilt, quad[3][1])
    ang = nrng.uniform(0, 2 * math.pi)
    ca, sa = math.cos(ang), math.sin(ang)
    quad = [(cx + x * ca - y * sa + nrng.uniform(-8, 8), cy + x * sa + y * ca + nrng.uniform(-8, 8)) for x, y in quad]
    img = warp_onto(bg, on_canvas(code, nrng), quad)
    return [text], add_noise(img, nrng, 3)


def cat_blur(rng, nrng):
    text = payload(rng)
    m = code_matrix(text, rng.choice(ECLS))
    module = nrng.uniform(4, 8)
    img = on_canvas(render(m, module), nrng)
    sigma = module * nrng.uniform(0.3, 0.55)
    return [text], img.filter(ImageFilter.GaussianBlur(sigma))


def cat_low_contrast(rng, nrng):
    text = payload(rng)
    m = code_matrix(text, rng.choice(ECLS))
    mid = nrng.uniform(70, 190)
    diff = nrng.uniform(18, 45)
    dark, light = int(mid - diff / 2), int(mid + diff / 2)
    img = render(m, nrng.uniform(3, 6), dark=dark, light=light)
    pad = int(nrng.integers(8, 40))
    canvas = Image.new("L", (img.width + 2 * pad, img.height + 2 * pad), light)
    canvas.paste(img, (pad, pad))
    canvas = lighting(canvas, nrng, nrng.uniform(0.0, 0.25))
    return [text], add_noise(canvas, nrng, 1.5)


def cat_jpeg(rng, nrng):
    text = payload(rng)
    m = code_matrix(text, rng.choice(ECLS))
    img = on_canvas(render(m, nrng.uniform(2.5, 5)), nrng)
    if rng.random() < 0.5:
        img = img.rotate(nrng.uniform(-20, 20), Image.BICUBIC, expand=True, fillcolor=255)
    return [text], jpeg(img, 30)


def cat_noise(rng, nrng):
    text = payload(rng)
    m = code_matrix(text, rng.choice(ECLS))
    img = on_canvas(render(m, nrng.uniform(3, 6)), nrng)
    img = img.filter(ImageFilter.GaussianBlur(0.6))
    return [text], add_noise(img, nrng, nrng.uniform(15, 40), salt=nrng.uniform(0, 0.03))


def cat_inverted(rng, nrng):
    text = payload(rng)
    m = code_matrix(text, rng.choice(ECLS))
    img = render(m, nrng.uniform(2.5, 6), dark=255, light=0)
    pad = int(nrng.integers(8, 40))
    canvas = Image.new("L", (img.width + 2 * pad, img.height + 2 * pad), 0)
    canvas.paste(img, (pad, pad))
    if rng.random() < 0.5:
        canvas = canvas.rotate(nrng.uniform(0, 360), Image.BICUBIC, expand=True, fillcolor=0)
    return [text], add_noise(canvas, nrng, nrng.uniform(0, 8))


def cat_screenshot(rng, nrng):
    """A 1920x1080 web page or app window with a small setup code on it."""
    text = otpauth(rng)
    m = code_matrix(text, rng.choice(["L", "M", "M", "Q"]))
    w, h = 1920, 1080
    page = Image.new("L", (w, h), int(nrng.integers(225, 256)))
    d = ImageDraw.Draw(page)
    d.rectangle([0, 0, w, 60], fill=int(nrng.integers(20, 90)))
    for i in range(int(nrng.integers(10, 30))):
        y = int(nrng.integers(80, h - 20))
        x = int(nrng.integers(20, w - 600))
        d.text((x, y), "Scan this code with your authenticator app " * 2, fill=int(nrng.integers(0, 120)))
    for _ in range(int(nrng.integers(2, 8))):
        x, y = int(nrng.integers(0, w - 300)), int(nrng.integers(70, h - 100))
        d.rectangle([x, y, x + int(nrng.integers(80, 300)), y + int(nrng.integers(20, 90))],
                    outline=int(nrng.integers(100, 200)), fill=int(nrng.integers(200, 250)))
    module = float(rng.choice([2, 2, 3, 3, 4, 2.5]))
    code = render(m, module)
    x, y = int(nrng.integers(40, w - code.width - 40)), int(nrng.integers(100, h - code.height - 20))
    page.paste(code, (x, y))
    return [text], page


def cat_camera(rng, nrng):
    """A 1280x720 camera frame: code on paper or a screen, tilted, lit unevenly, a bit blurred and noisy."""
    text = otpauth(rng)
    m = code_matrix(text, rng.choice(ECLS))
    w, h = 1280, 720
    bg = background(nrng, w, h)
    light = int(nrng.integers(170, 256))
    code = on_canvas(render(m, 8, dark=int(nrng.integers(0, 60)), light=light), nrng, light=light)
    s = nrng.uniform(150, 480)
    cx, cy = nrng.uniform(s / 2 + 20, w - s / 2 - 20), nrng.uniform(s / 2 + 20, h - s / 2 - 20)
    ang = nrng.uniform(-0.6, 0.6) if rng.random() < 0.8 else nrng.uniform(0, 2 * math.pi)
    ca, sa = math.cos(ang), math.sin(ang)
    corners = [(-1, -1), (1, -1), (1, 1), (-1, 1)]
    jit = s * 0.08
    quad = [(cx + (x * ca - y * sa) * s / 2 + nrng.uniform(-jit, jit),
             cy + (x * sa + y * ca) * s / 2 + nrng.uniform(-jit, jit)) for x, y in corners]
    img = warp_onto(bg, code, quad)
    img = lighting(img, nrng, nrng.uniform(0.1, 0.45))
    img = img.filter(ImageFilter.GaussianBlur(nrng.uniform(0.4, 1.6)))
    img = add_noise(img, nrng, nrng.uniform(2, 8))
    return [text], img


def cat_nocode(rng, nrng):
    """A 1280x720 camera frame without a code (timing only)."""
    w, h = 1280, 720
    img = background(nrng, w, h)
    if rng.random() < 0.5:
        # a checkerboard-ish or grid pattern: hard negatives for a finder-pattern search
        d = ImageDraw.Draw(img)
        step = int(nrng.integers(6, 30))
        x0, y0 = int(nrng.integers(0, w // 2)), int(nrng.integers(0, h // 2))
        for i in range(int(nrng.integers(5, 25))):
            for j in range(int(nrng.integers(5, 25))):
                if (i + j) % 2 == 0 or nrng.random() < 0.2:
                    d.rectangle([x0 + i * step, y0 + j * step, x0 + (i + 1) * step, y0 + (j + 1) * step], fill=20)
    img = lighting(img, nrng, nrng.uniform(0.1, 0.4))
    return [], add_noise(img, nrng, nrng.uniform(2, 8))


def cat_long(rng, nrng):
    text = migration(rng, int(rng.choice([3, 5, 8, 10, 12])))
    m = code_matrix(text, rng.choice(["L", "M", "M", "Q"]))
    module = nrng.uniform(2.5, 5)
    img = on_canvas(render(m, module), nrng)
    if rng.random() < 0.5:
        img = img.filter(ImageFilter.GaussianBlur(module * 0.25))
        img = add_noise(img, nrng, 4)
    return [text], img


def cat_multi(rng, nrng):
    n = int(rng.choice([2, 2, 3, 4]))
    texts = [otpauth(rng) for _ in range(n)]
    tiles = [on_canvas(render(code_matrix(t, rng.choice(ECLS)), nrng.uniform(3, 5)), nrng) for t in texts]
    cols = 2
    cw = max(t.width for t in tiles) + 20
    ch = max(t.height for t in tiles) + 20
    page = Image.new("L", (cw * cols, ch * ((n + 1) // 2)), 255)
    for i, t in enumerate(tiles):
        page.paste(t, ((i % cols) * cw + int(nrng.integers(0, 15)), (i // cols) * ch + int(nrng.integers(0, 15))))
    return texts, page


# ---------------------------------------------------------------- realistic empty frames

def fractal(nrng: np.random.Generator, w: int, h: int, octaves=5, base=4, falloff=0.55) -> np.ndarray:
    """Smooth 1/f-like noise in [-1, 1] (upsampled random grids, octave by octave)."""
    out = np.zeros((h, w), np.float32)
    amp, total = 1.0, 0.0
    for o in range(octaves):
        gw, gh = base * 2 ** o + 1, max(2, int(base * 2 ** o * h / w) + 1)
        grid = nrng.uniform(-1, 1, (gh, gw)).astype(np.float32)
        layer = Image.fromarray(grid, "F").resize((w, h), Image.BICUBIC)
        out += amp * np.asarray(layer, np.float32)
        total += amp
        amp *= falloff
    return out / total


def gray(a: np.ndarray) -> Image.Image:
    return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8), "L")


def font(size: int):
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow without FreeType: the fixed bitmap font
        return ImageFont.load_default()


WORDS = ("the of and to in is you that it he was for on are as with his they at be this "
         "from have or by one had not but what all were when we there can an your which "
         "their said if do will each about how up out them then she many some so these "
         "would other into has more her two like him see time could no make than first "
         "account security code password login settings device backup").split()


def words(nrng: np.random.Generator, n: int) -> str:
    return " ".join(WORDS[int(i)] for i in nrng.integers(0, len(WORDS), n))


def scene_desk(nrng, w, h):
    """A wooden desk seen from above: grain, a mug, a pen, a sheet of paper, shadows."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    ang = nrng.uniform(0, math.pi)
    u = xx * math.cos(ang) + yy * math.sin(ang)
    warp = fractal(nrng, w, h, 4, 3) * nrng.uniform(20, 60)
    grain = np.sin((u + warp) * nrng.uniform(0.05, 0.2))
    tone = nrng.uniform(70, 170)
    a = tone + grain * nrng.uniform(8, 25) + fractal(nrng, w, h, 6, 8) * 15
    img = gray(a)
    d = ImageDraw.Draw(img)
    for _ in range(int(nrng.integers(0, 3))):  # a sheet of paper with a few lines
        x, y = nrng.uniform(-200, w - 100), nrng.uniform(-200, h - 100)
        pw, ph = nrng.uniform(200, 500), nrng.uniform(250, 600)
        d.rectangle([x, y, x + pw, y + ph], fill=int(nrng.integers(200, 245)))
        f = font(int(nrng.integers(9, 18)))
        for k in range(int(ph // 30)):
            d.text((x + 15, y + 15 + 25 * k), words(nrng, 8), fill=int(nrng.integers(20, 90)), font=f)
    for _ in range(int(nrng.integers(0, 3))):  # a mug or a coaster
        r = nrng.uniform(40, 110)
        x, y = nrng.uniform(0, w), nrng.uniform(0, h)
        d.ellipse([x - r * 1.1, y - r * 1.1, x + r * 1.1, y + r * 1.1], fill=int(nrng.integers(20, 80)))
        d.ellipse([x - r, y - r, x + r, y + r], fill=int(nrng.integers(120, 240)))
        d.ellipse([x - r * 0.8, y - r * 0.8, x + r * 0.8, y + r * 0.8], fill=int(nrng.integers(30, 120)))
    for _ in range(int(nrng.integers(0, 4))):  # pens, cables
        x0, y0 = nrng.uniform(0, w), nrng.uniform(0, h)
        x1, y1 = x0 + nrng.uniform(-300, 300), y0 + nrng.uniform(-300, 300)
        d.line([x0, y0, x1, y1], fill=int(nrng.integers(0, 255)), width=int(nrng.integers(4, 14)))
    return img


def scene_screen(nrng, w, h):
    """A monitor or laptop screen: windows, text lines, icons, thumbnails, a bezel, moiré."""
    dark = nrng.random() < 0.35
    bgv = int(nrng.integers(20, 50)) if dark else int(nrng.integers(215, 250))
    fg = (200, 240) if dark else (10, 80)
    img = Image.new("L", (w, h), bgv)
    d = ImageDraw.Draw(img)
    d.rectangle([0, 0, w, int(nrng.integers(25, 50))], fill=int(nrng.integers(30, 200)))
    for _ in range(int(nrng.integers(1, 4))):  # windows
        x, y = nrng.uniform(0, w * 0.6), nrng.uniform(40, h * 0.5)
        ww, wh = nrng.uniform(300, 800), nrng.uniform(200, 500)
        d.rectangle([x, y, x + ww, y + wh], fill=int(nrng.integers(180, 255)) if not dark else int(nrng.integers(30, 70)),
                    outline=int(nrng.integers(80, 160)))
        d.rectangle([x, y, x + ww, y + 28], fill=int(nrng.integers(100, 220)))
        f = font(int(nrng.integers(11, 22)))
        for k in range(int((wh - 40) // 26)):
            d.text((x + 12, y + 40 + 26 * k), words(nrng, int(nrng.integers(3, 12))), fill=int(nrng.integers(*fg)), font=f)
    for _ in range(int(nrng.integers(2, 12))):  # icons and buttons
        x, y = nrng.uniform(0, w - 60), nrng.uniform(0, h - 60)
        s = nrng.uniform(24, 64)
        d.rounded_rectangle([x, y, x + s, y + s], radius=s / 5, fill=int(nrng.integers(0, 256)))
    for _ in range(int(nrng.integers(0, 3))):  # photo thumbnails
        x, y = int(nrng.uniform(0, w - 240)), int(nrng.uniform(0, h - 180))
        tw, th = int(nrng.uniform(120, 240)), int(nrng.uniform(90, 180))
        img.paste(gray(128 + 90 * fractal(nrng, tw, th, 5, 2)), (x, y))
    a = np.asarray(img, np.float32)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    a = a + nrng.uniform(2, 8) * np.sin(xx * nrng.uniform(0.3, 1.2) + yy * nrng.uniform(-0.3, 0.3))  # moiré
    img = gray(a)
    # the bezel and the desk around it: the screen fills most of the frame, slightly tilted
    outer = Image.fromarray(np.full((h, w), nrng.uniform(10, 60), np.float32).astype(np.uint8), "L")
    m = nrng.uniform(30, 140)
    quad = [(m + nrng.uniform(-30, 30), m + nrng.uniform(-30, 30)), (w - m + nrng.uniform(-30, 30), m + nrng.uniform(-30, 30)),
            (w - m + nrng.uniform(-30, 30), h - m + nrng.uniform(-30, 30)), (m + nrng.uniform(-30, 30), h - m + nrng.uniform(-30, 30))]
    return warp_onto(outer, img, quad)


def scene_face(nrng, w, h):
    """A face in front of the camera (a scanner raised too early): smooth shading, hair, a blurred room."""
    room = gray(120 + 70 * fractal(nrng, w, h, 4, 3)).filter(ImageFilter.GaussianBlur(nrng.uniform(4, 12)))
    d = ImageDraw.Draw(room)
    cx, cy = nrng.uniform(w * 0.3, w * 0.7), nrng.uniform(h * 0.4, h * 0.65)
    fw, fh = nrng.uniform(180, 320), nrng.uniform(240, 400)
    hair = int(nrng.integers(10, 120))
    d.ellipse([cx - fw * 1.15, cy - fh * 1.2, cx + fw * 1.15, cy + fh * 0.6], fill=hair)  # hair
    d.rectangle([cx - fw * 1.6, min(h - 1, cy + fh * 0.8), cx + fw * 1.6, h], fill=int(nrng.integers(20, 230)))  # shoulders
    d.rectangle([cx - fw * 0.35, cy + fh * 0.5, cx + fw * 0.35, max(cy + fh * 0.5, cy + fh)], fill=int(nrng.integers(110, 200)))  # neck
    img = room
    skin = nrng.uniform(110, 210)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    r = ((xx - cx) / fw) ** 2 + ((yy - cy) / fh) ** 2
    shade = skin * (1.0 - 0.25 * np.clip(r, 0, 1) - 0.15 * (xx - cx) / fw)
    a = np.asarray(img, np.float32)
    a = np.where(r < 1, shade, a)
    img = gray(a)
    d = ImageDraw.Draw(img)
    for sx in (-1, 1):  # eyes, brows
        ex, ey = cx + sx * fw * 0.38, cy - fh * 0.15
        d.ellipse([ex - fw * 0.16, ey - fh * 0.05, ex + fw * 0.16, ey + fh * 0.05], fill=int(nrng.integers(180, 240)))
        d.ellipse([ex - fw * 0.07, ey - fh * 0.05, ex + fw * 0.07, ey + fh * 0.05], fill=int(nrng.integers(10, 60)))
        d.line([ex - fw * 0.2, ey - fh * 0.15, ex + fw * 0.2, ey - fh * 0.17], fill=hair, width=int(fh * 0.03) + 1)
    d.arc([cx - fw * 0.3, cy + fh * 0.2, cx + fw * 0.3, cy + fh * 0.5], 20, 160, fill=int(skin * 0.5), width=int(fh * 0.025) + 1)
    if nrng.random() < 0.4:  # glasses
        for sx in (-1, 1):
            ex, ey = cx + sx * fw * 0.38, cy - fh * 0.15
            d.rectangle([ex - fw * 0.25, ey - fh * 0.11, ex + fw * 0.25, ey + fh * 0.11], outline=int(nrng.integers(0, 60)), width=5)
    return img.filter(ImageFilter.GaussianBlur(nrng.uniform(1.0, 2.5)))


def scene_keyboard(nrng, w, h):
    """A keyboard seen at an angle: rows of keys with letters, gaps, shadows."""
    base = int(nrng.integers(15, 70))
    key = int(nrng.integers(130, 230)) if nrng.random() < 0.4 else int(nrng.integers(30, 80))
    label = 240 - key // 2 if key < 100 else int(nrng.integers(0, 60))
    bw, bh = int(w * 1.4), int(h * 1.4)
    img = Image.new("L", (bw, bh), base)
    d = ImageDraw.Draw(img)
    pitch = nrng.uniform(60, 110)
    f = font(int(pitch * 0.3))
    letters = "QWERTYUIOPASDFGHJKLZXCVBNM1234567890"
    for row in range(int(bh / pitch) + 1):
        off = (row % 4) * pitch * 0.25
        for col in range(int(bw / pitch) + 1):
            x, y = col * pitch + off, row * pitch
            d.rounded_rectangle([x + 5, y + 8, x + pitch - 3, y + pitch], radius=pitch / 8, fill=max(0, base - 10))  # shadow
            d.rounded_rectangle([x + 3, y + 3, x + pitch - 5, y + pitch - 6], radius=pitch / 8, fill=key)
            d.text((x + pitch * 0.25, y + pitch * 0.2), letters[int(nrng.integers(0, len(letters)))], fill=label, font=f)
    img = img.rotate(nrng.uniform(-25, 25), Image.BICUBIC, fillcolor=base)
    x0, y0 = int(nrng.integers(0, bw - w)), int(nrng.integers(0, bh - h))
    img = img.crop((x0, y0, x0 + w, y0 + h))
    # perspective: the far rows smaller
    t = nrng.uniform(0.05, 0.25)
    quad = [(-w * t, 0), (w * (1 + t), 0), (w, h), (0, h)]
    outer = Image.new("L", (w, h), base)
    return warp_onto(outer, img, [(x, y) for x, y in quad])


def scene_page(nrng, w, h):
    """A printed page or a book: paragraphs of text, a heading, a table, seen at a slight angle."""
    pw, ph = int(w * 1.2), int(h * 1.2)
    paper = gray(nrng.uniform(200, 245) + 4 * fractal(nrng, pw, ph, 6, 8))
    d = ImageDraw.Draw(paper)
    size = int(nrng.integers(12, 30))
    f, fh = font(size), font(int(size * 1.6))
    y = nrng.uniform(10, 60)
    d.text((40, y), words(nrng, 4).title(), fill=int(nrng.integers(0, 50)), font=fh)
    y += size * 2.5
    while y < ph - size:
        if nrng.random() < 0.1:  # a small table
            rows, cols = int(nrng.integers(2, 6)), int(nrng.integers(2, 5))
            cw = (pw - 80) / cols
            for r_ in range(rows + 1):
                d.line([40, y + r_ * size * 1.6, pw - 40, y + r_ * size * 1.6], fill=60, width=2)
            for c_ in range(cols + 1):
                d.line([40 + c_ * cw, y, 40 + c_ * cw, y + rows * size * 1.6], fill=60, width=2)
            y += rows * size * 1.6 + size
            continue
        for _ in range(int(nrng.integers(2, 8))):
            d.text((40, y), words(nrng, int(pw / (size * 3.2))), fill=int(nrng.integers(0, 60)), font=f)
            y += size * 1.4
        y += size
    outer = gray(np.full((h, w), nrng.uniform(30, 120), np.float32))
    quad = [(nrng.uniform(-150, 40), nrng.uniform(-150, 40)), (w + nrng.uniform(-40, 150), nrng.uniform(-150, 40)),
            (w + nrng.uniform(-40, 150), h + nrng.uniform(-40, 150)), (nrng.uniform(-150, 40), h + nrng.uniform(-40, 150))]
    return warp_onto(outer, paper, quad)


def scene_texture(nrng, w, h):
    """Fabric, carpet, a wall or a floor: fine, anisotropic texture and a soft shadow."""
    a = 128 + 60 * fractal(nrng, w, h, 7, 6, nrng.uniform(0.5, 0.8))
    if nrng.random() < 0.5:  # woven: two crossing fine sinusoids
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        p = nrng.uniform(3, 9)
        a += 15 * np.sin(xx * 2 * math.pi / p) * np.sin(yy * 2 * math.pi / p)
    else:  # speckle (carpet, concrete)
        a += nrng.normal(0, nrng.uniform(8, 25), (h, w))
    img = gray(a).filter(ImageFilter.GaussianBlur(nrng.uniform(0.5, 1.5)))
    return img


SCENES = [scene_desk, scene_screen, scene_face, scene_keyboard, scene_page, scene_texture]


def cat_scene(rng, nrng):
    """A realistic 1280x720 camera frame without a code: what a scanner sees before the
    code is in view (a desk, a screen, a face, a keyboard, a page, fabric), through a
    camera: uneven light, defocus, sensor noise (timing only)."""
    w, h = 1280, 720
    img = SCENES[int(rng.randrange(len(SCENES)))](nrng, w, h)
    img = lighting(img, nrng, nrng.uniform(0.1, 0.45))
    img = img.filter(ImageFilter.GaussianBlur(nrng.uniform(0.4, 1.6)))
    return [], add_noise(img, nrng, nrng.uniform(2, 8))


def cat_camera_long(rng, nrng):
    """A 1280x720 camera frame of another phone's screen showing an export
    (otpauth-migration) code: a dense code, bright on a dark bezel, tilted, a bit blurred."""
    text = migration(rng, int(rng.choice([3, 5, 8, 10])))
    m = code_matrix(text, rng.choice(["L", "M", "M"]))
    w, h = 1280, 720
    bg = background(nrng, w, h)
    light = int(nrng.integers(190, 256))
    code = on_canvas(render(m, 8, dark=int(nrng.integers(0, 50)), light=light), nrng, light=light)
    bezel = int(nrng.integers(0, 40))
    framed = Image.new("L", (code.width + 80, code.height + 240), bezel)
    framed.paste(code, (40, 120))
    s = nrng.uniform(330, 560)
    sx, sy = s * framed.width / framed.height, s
    cx, cy = nrng.uniform(sx / 2 + 10, w - sx / 2 - 10), h / 2 + nrng.uniform(-10, 10)
    ang = nrng.uniform(-0.4, 0.4)
    ca, sa = math.cos(ang), math.sin(ang)
    jit = s * 0.06
    corners = [(-1, -1), (1, -1), (1, 1), (-1, 1)]
    quad = [(cx + (x * sx * ca - y * sy * sa) / 2 + nrng.uniform(-jit, jit),
             cy + (x * sx * sa + y * sy * ca) / 2 + nrng.uniform(-jit, jit)) for x, y in corners]
    img = warp_onto(bg, framed, quad)
    img = lighting(img, nrng, nrng.uniform(0.1, 0.4))
    img = img.filter(ImageFilter.GaussianBlur(nrng.uniform(0.4, 1.2)))
    img = add_noise(img, nrng, nrng.uniform(2, 6))
    return [text], img


CATEGORIES = {
    "clean": (cat_clean, 40),
    "small_modules": (cat_small, 40),
    "rotated": (cat_rotated, 40),
    "perspective": (cat_perspective, 40),
    "blur": (cat_blur, 40),
    "low_contrast": (cat_low_contrast, 40),
    "jpeg_q30": (cat_jpeg, 40),
    "noise": (cat_noise, 40),
    "inverted": (cat_inverted, 40),
    "screenshot_1080p": (cat_screenshot, 40),
    "camera_720p": (cat_camera, 60),
    "long_payload": (cat_long, 40),
    "multi": (cat_multi, 20),
    "nocode_720p": (cat_nocode, 40),
    # appended (a category's images depend on its index: the ones above stay as they were)
    "nocode_scene_720p": (cat_scene, 60),
    "camera_long_720p": (cat_camera_long, 30),
}

# The 1280x720 camera frames (timed; decode_frame for ours).
FRAMES = {"camera_720p", "nocode_720p", "nocode_scene_720p", "camera_long_720p"}

IMAGE_EXTS = {".png", ".jpg", ".jpeg", ".webp", ".gif", ".bmp"}


# Real photos that hold a second, genuine code their .txt does not list
# (checked by eye and decoded by both zxing-cpp and ours).
ALSO = {
    # a "double QR": a small code printed inside a large one
    "qrcode-2/16": ["[外側QRコード]\r\n \r\n*ﾀﾞﾌﾞﾙQR*\r\nhttp://d-qr.net/ex/"],
}


def real_entries(root: Path, prefix: str):
    for img in sorted(root.rglob("*")):
        if img.suffix.lower() not in IMAGE_EXTS:
            continue
        txt = img.with_suffix(".txt")
        if not txt.exists():
            continue
        text = txt.read_bytes().decode("utf-8")
        key = f"{img.parent.name}/{img.stem}"
        yield {"path": str(img.resolve()), "category": prefix, "expected": [text],
               "also": ALSO.get(key, []), "frame": False}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--real", action="append", default=[], help="CATEGORY=DIR of real photos with NAME.txt")
    ap.add_argument("--seed", type=int, default=4)
    ap.add_argument("--scale", type=float, default=1.0, help="multiply the per-category counts")
    ap.add_argument("--only", action="append", default=[], help="generate only this category (repeatable; for a look)")
    args = ap.parse_args()
    out: Path = args.out
    entries = []
    for spec in args.real:
        cat, _, d = spec.partition("=")
        entries.extend(real_entries(Path(d), cat))
    for ci, (cat, (fn, count)) in enumerate(CATEGORIES.items()):
        if args.only and cat not in args.only:
            continue
        cdir = out / "synthetic" / cat
        cdir.mkdir(parents=True, exist_ok=True)
        for i in range(max(1, int(round(count * args.scale)))):
            seed = args.seed * 1_000_003 + ci * 10_007 + i
            rng = random.Random(seed)
            nrng = np.random.default_rng(seed)
            texts, img = fn(rng, nrng)
            if isinstance(img, bytes):
                path = cdir / f"{i:03}.jpg"
                path.write_bytes(img)
            else:
                path = cdir / f"{i:03}.png"
                img.save(path, optimize=False, compress_level=1)
            entries.append({
                "path": str(path.resolve()),
                "category": cat,
                "expected": texts,
                "frame": cat in FRAMES,
            })
    with open(out / "manifest.jsonl", "w") as f:
        for e in entries:
            f.write(json.dumps(e, ensure_ascii=False) + "\n")
    print(f"{len(entries)} images listed in {out / 'manifest.jsonl'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
