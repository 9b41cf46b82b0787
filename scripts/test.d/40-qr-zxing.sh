#!/usr/bin/env bash
# Cross-check of the QR codes vakt draws: every PNG that `vakt export --qr` and
# `vakt qr --png` write (and the ones in fixtures/migration/) must be read by an
# independent decoder, zxing-cpp (PyPI), to exactly the text that `vakt scan
# --raw` reads from it. Installs zxing-cpp and Pillow (pinned) into
# .cache/zxing-venv, again whenever the pins below change (the venv is stamped
# with them).
#
#   scripts/test.d/40-qr-zxing.sh [REPO_ROOT]     (scripts/test passes the root)
set -euo pipefail
root=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$root"
venv=.cache/zxing-venv
packages=(zxing-cpp==3.1.1 pillow==13.0.0)
stamp=$venv/.vakt-requirements
# What the venv holds, spelled as the pins are (empty if there is no venv).
installed() {
  "$venv/bin/python" - "${packages[@]}" 2>/dev/null <<'PY' || true
import importlib.metadata as m, sys
print(" ".join(f"{n}=={m.version(n)}" for n in (p.split("==")[0] for p in sys.argv[1:])))
PY
}
have=$(installed)
if [ "$(cat "$stamp" 2>/dev/null)" != "${packages[*]}" ] || [ "$have" != "${packages[*]}" ]; then
  echo "installing ${packages[*]} into $venv (it holds: ${have:-nothing})"
  rm -rf "$venv"
  if ! python3 -m venv "$venv" 2>/dev/null; then
    apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
    python3 -m venv "$venv"
  fi
  "$venv/bin/pip" install -q --disable-pip-version-check "${packages[@]}"
  echo "${packages[*]}" >"$stamp"
  have=$(installed)
  if [ "$have" != "${packages[*]}" ]; then
    echo "$venv holds ${have:-nothing} after installing ${packages[*]}" >&2
    exit 1
  fi
fi
echo "zxing venv: $have"
cargo build -q -p vakt
vakt=$root/target/debug/vakt

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export VAKT_VAULT=$work/vault VAKT_PIN=4829
VAKT_INSECURE_TEST_KDF=1 "$vakt" init --json >/dev/null
"$vakt" add --uri 'otpauth://totp/GitHub:alice@example.com?secret=JBSWY3DPEHPK3PXP&issuer=GitHub' >/dev/null
"$vakt" add --uri 'otpauth://hotp/Bank:bob?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Bank&counter=9&digits=8&algorithm=SHA256' >/dev/null
"$vakt" add --uri 'otpauth://steam/Steam:gamer?secret=MFRGGZDFMZTWQ2LK' >/dev/null
"$vakt" add --uri 'otpauth://totp/%F0%9F%94%91%20Keys:%E5%A4%AA%E9%83%8E?secret=ONSWG4TFOQ&issuer=%F0%9F%94%91%20Keys&period=60' >/dev/null
long_key=$(printf 'JBSWY3DPEHPK3PXP%.0s' 1 2 3 4 5 6 7)
for i in $(seq 1 24); do
  "$vakt" add --uri "otpauth://totp/A%20Rather%20Long%20Issuer%20Name:someone.$i@example.org?secret=${long_key}&algorithm=SHA512&issuer=A%20Rather%20Long%20Issuer%20Name" >/dev/null
done
"$vakt" export --qr "$work/out" >/dev/null
"$vakt" qr 1 --png "$work/out/single.png" >/dev/null

"$venv/bin/python" - "$vakt" "$work/out"/*.png fixtures/migration/*.png <<'PY'
import json, subprocess, sys
import zxingcpp
from PIL import Image

vakt, files = sys.argv[1], sys.argv[2:]
if not files:
    print("no QR images to cross-check")
    sys.exit(1)
failed = 0
for path in files:
    ours = json.loads(subprocess.run([vakt, "scan", "--raw", "--json", path],
                                     check=True, capture_output=True, text=True).stdout)
    theirs = [r.text for r in zxingcpp.read_barcodes(Image.open(path))
              if r.format == zxingcpp.BarcodeFormat.QRCode]
    if ours != theirs or not ours:
        failed += 1
        print(f"MISMATCH {path}: vakt read {len(ours)} code(s), zxing-cpp {len(theirs)}")
print(f"zxing-cpp read {len(files) - failed} of {len(files)} images exactly as vakt did "
      f"(each holds at least one code)")
if not failed:
    print(f"ran: {len(files)} images cross-checked")
sys.exit(1 if failed else 0)
PY
