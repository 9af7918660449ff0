#!/usr/bin/env bash
# Regenerates data/common-passwords.txt from Django's bundled common-passwords list.
# Usage (from anywhere): bash tools/passwords/build.sh
# Needs: python3 with pip, network access to PyPI.
set -euo pipefail

DJANGO_VERSION="5.2.19"
MIN_LEN=12        # our password policy minimum
FALLBACK_LEN=8    # used if MIN_LEN keeps fewer than FALLBACK_THRESHOLD entries
FALLBACK_THRESHOLD=200

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
TOOL=pw
# shellcheck source=tools/lib/pinned.sh
source "$here/../lib/pinned.sh"
out="$repo/data/common-passwords.txt"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/catalyse-pw.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

wheel="$(pip_wheel "$tmp" Django "$DJANGO_VERSION")"

python3 - "$wheel" "$DJANGO_VERSION" "$MIN_LEN" "$FALLBACK_LEN" "$FALLBACK_THRESHOLD" "$tmp/out.txt" <<'PY'
import gzip, sys, zipfile
wheel, version, min_len, fb_len, fb_thr, out = sys.argv[1:]
min_len, fb_len, fb_thr = int(min_len), int(fb_len), int(fb_thr)
with zipfile.ZipFile(wheel) as z:
    raw = gzip.decompress(z.read("django/contrib/auth/common-passwords.txt.gz"))
entries = {l.strip().lower() for l in raw.decode("utf-8").splitlines()}
entries.discard("")
total = len(entries)
kept = sorted(e for e in entries if len(e) >= min_len)
used = min_len
if len(kept) < fb_thr:
    used = fb_len
    kept = sorted(e for e in entries if len(e) >= fb_len)
for e in kept:
    assert "\n" not in e and "\r" not in e, e
header = ("# Source: Django %s (PyPI), django/contrib/auth/common-passwords.txt.gz "
          "(list by Royce Williams); licence: BSD-3-Clause (Django). "
          "Lowercased, deduplicated, sorted; entries of >= %d characters "
          "(%d of %d unique; >= %d gave fewer than %d). "
          "Regenerate: bash tools/passwords/build.sh\n"
          % (version, used, len(kept), total, min_len, fb_thr) if used != min_len else
          "# Source: Django %s (PyPI), django/contrib/auth/common-passwords.txt.gz "
          "(list by Royce Williams); licence: BSD-3-Clause (Django). "
          "Lowercased, deduplicated, sorted; entries of >= %d characters (%d of %d unique). "
          "Regenerate: bash tools/passwords/build.sh\n"
          % (version, used, len(kept), total))
with open(out, "w", encoding="utf-8", newline="\n") as f:
    f.write(header)
    f.writelines(e + "\n" for e in kept)
print("[pw] unique=%d kept=%d (min length %d)" % (total, len(kept), used), file=sys.stderr)
PY
mkdir -p "$(dirname "$out")"
cp "$tmp/out.txt" "$out"
echo "[pw] wrote $out ($(wc -c <"$out") bytes)" >&2
