"""TOTP and HOTP tokens enrolled on privacyIDEA validate with codes from Vakt.

Each token is enrolled with `/token/init genkey=1` for its own user and PIN;
the server must have made the token asked for (its algorithm, digits and
period, in its token list and in its QR code); Vakt must read the server's own
QR PNG (no fallback to the URI text) and provision it into a vault with the
same parameters, make a code, and `/validate/check` must ACCEPT it once and
REJECT its reuse.
"""

from __future__ import annotations

import json
import time
import urllib.parse

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
    """Adds the token to the vault from its QR PNG; returns the id."""
    ctx.init_vault()
    png = ctx.save_png(detail["googleurl"]["img"], f"{name}.png")
    scanned = ctx.vakt("scan", "--raw", "--json", str(png), check=False)
    check(scanned.returncode == 0,
          f"vakt cannot read the server's QR code {png} (exit {scanned.returncode}): "
          f"{scanned.stderr.strip()}")
    texts = json.loads(scanned.stdout)
    check(texts == [detail["googleurl"]["value"]], f"QR text differs: {texts}")
    before = json.loads(ctx.vakt("list", "--json").stdout)
    ctx.vakt("add", "--qr", str(png))
    listed = json.loads(ctx.vakt("list", "--json").stdout)
    check(len(listed) == len(before) + 1, f"add --qr added {len(listed) - len(before)} accounts")
    return listed[-1]["id"]


def check_parameters(ctx, detail: dict, account_id: int, kind: str, hashlib: str,
                     digits: int, period: int | None) -> None:
    """The server made the token asked for, and the vault holds the same."""
    what = f"{kind} {hashlib}/{digits}" + (f"/{period}" if period else "")
    serial = detail["serial"]
    tokens = ctx.api.ok("GET", "/token/", {"serial": serial})["result"]["value"]["tokens"]
    check(len(tokens) == 1, f"{serial}: {len(tokens)} tokens listed")
    token, info = tokens[0], tokens[0].get("info", {})
    server = (token.get("tokentype"), info.get("hashlib"), int(token.get("otplen", 0)),
              int(info["timeStep"]) if period else None)
    check(server == (kind, hashlib, digits, period),
          f"{what}: the server made (type, hashlib, otplen, timeStep) = {server}")
    uri = urllib.parse.urlsplit(detail["googleurl"]["value"])
    query = dict(urllib.parse.parse_qsl(uri.query))
    in_qr = (uri.netloc, query.get("algorithm", "SHA1").lower(), int(query.get("digits", 6)),
             int(query.get("period", 30)) if period else None)
    check(in_qr == (kind, hashlib, digits, period), f"{what}: the QR code says {in_qr}")
    account = next(a for a in json.loads(ctx.vakt("list", "--json").stdout)
                   if a["id"] == account_id)
    held = (account["kind"], account["algorithm"].lower(), account["digits"],
            account.get("period"))
    check(held == (kind, hashlib, digits, period), f"{what}: the vault holds {held}")


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
    check_parameters(ctx, detail, account_id, "totp", hashlib, digits, period)
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
    check_parameters(ctx, r["detail"], account_id, "hotp", hashlib, digits, None)
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
