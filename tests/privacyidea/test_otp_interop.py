"""TOTP and HOTP tokens enrolled on privacyIDEA validate with codes from Vakt.

Each token is enrolled with `/token/init genkey=1` for its own user and PIN;
Vakt provisions it from the server's own QR PNG (decoded by Vakt) into a vault,
makes a code, and `/validate/check` must ACCEPT it once and REJECT its reuse.
"""

from __future__ import annotations

import json
import time

from run import check

TOTP_VARIANTS = [
    # (hashlib, digits, period)
    ("sha1", 6, 30),
    ("sha1", 8, 30),
    ("sha256", 6, 30),
    ("sha256", 8, 60),
    ("sha512", 6, 60),
    ("sha512", 8, 30),
]
HOTP_VARIANTS = [("sha1", 6), ("sha256", 8), ("sha512", 6)]


def provision(ctx, detail: dict, name: str) -> int:
    """Adds the token to the vault from its QR PNG (or its URL); returns the id."""
    ctx.init_vault()
    png = ctx.save_png(detail["googleurl"]["img"], f"{name}.png")
    scanned = ctx.vakt("scan", "--raw", "--json", str(png), check=False)
    if scanned.returncode == 0:
        texts = json.loads(scanned.stdout)
        check(texts == [detail["googleurl"]["value"]], f"QR text differs: {texts}")
        ctx.vakt("add", "--qr", str(png))
    else:
        ctx.vakt("add", "--uri", detail["googleurl"]["value"])
    listed = json.loads(ctx.vakt("list", "--json").stdout)
    return listed[-1]["id"]


def totp_code(ctx, account_id: int, at: int) -> str:
    codes = json.loads(ctx.vakt("codes", "--json", "--at", str(at)).stdout)
    return next(c["code"] for c in codes if c["id"] == account_id)


def _totp(ctx, hashlib: str, digits: int, period: int) -> None:
    user = ctx.user()
    token_pin = f"pin-{user}"
    r = ctx.api.init_token(type="totp", user=user, pin=token_pin, hashlib=hashlib,
                           otplen=str(digits), timeStep=str(period))
    detail = r["detail"]
    account_id = provision(ctx, detail, f"totp-{hashlib}-{digits}-{period}")
    now = int(time.time())
    code = totp_code(ctx, account_id, now)
    check(len(code) == digits, f"code {code!r} should have {digits} digits")
    # The same code from the URI alone, without the vault.
    direct = ctx.vakt("code", "--uri", detail["googleurl"]["value"], "--at", str(now))
    check(direct.stdout.strip() == code, f"vakt code gives {direct.stdout!r}, the vault {code!r}")
    first = ctx.api.validate(user, token_pin + code)
    check(first["result"].get("authentication") == "ACCEPT",
          f"{hashlib}/{digits}/{period}: fresh code refused: {first['result']} {first.get('detail')}")
    again = ctx.api.validate(user, token_pin + code)
    check(again["result"].get("authentication") == "REJECT",
          f"{hashlib}/{digits}/{period}: reused code accepted")


def _hotp(ctx, hashlib: str, digits: int) -> None:
    user = ctx.user()
    token_pin = f"pin-{user}"
    r = ctx.api.init_token(type="hotp", user=user, pin=token_pin, hashlib=hashlib,
                           otplen=str(digits))
    account_id = provision(ctx, r["detail"], f"hotp-{hashlib}-{digits}")
    codes = json.loads(ctx.vakt("codes", "--json").stdout)
    check(next(c for c in codes if c["id"] == account_id)["code"] is None,
          "an HOTP account must be listed without a code")
    for _ in range(2):
        code = ctx.vakt("next", str(account_id)).stdout.strip()
        check(len(code) == digits, f"code {code!r} should have {digits} digits")
        ok = ctx.api.validate(user, token_pin + code)
        check(ok["result"].get("authentication") == "ACCEPT",
              f"hotp {hashlib}/{digits}: fresh code refused: {ok['result']} {ok.get('detail')}")
        reused = ctx.api.validate(user, token_pin + code)
        check(reused["result"].get("authentication") == "REJECT",
              f"hotp {hashlib}/{digits}: reused code accepted")


def test_totp_sha1_6_30(ctx):
    _totp(ctx, *TOTP_VARIANTS[0])


def test_totp_sha1_8_30(ctx):
    _totp(ctx, *TOTP_VARIANTS[1])


def test_totp_sha256_6_30(ctx):
    _totp(ctx, *TOTP_VARIANTS[2])


def test_totp_sha256_8_60(ctx):
    _totp(ctx, *TOTP_VARIANTS[3])


def test_totp_sha512_6_60(ctx):
    _totp(ctx, *TOTP_VARIANTS[4])


def test_totp_sha512_8_30(ctx):
    _totp(ctx, *TOTP_VARIANTS[5])


def test_hotp_sha1_6(ctx):
    _hotp(ctx, *HOTP_VARIANTS[0])


def test_hotp_sha256_8(ctx):
    _hotp(ctx, *HOTP_VARIANTS[1])


def test_hotp_sha512_6(ctx):
    _hotp(ctx, *HOTP_VARIANTS[2])
