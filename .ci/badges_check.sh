#!/usr/bin/env bash
# Open Badges 3.0 against the running instance (CI step h4), as an operator and a relying
# party would: the command line awards shipped achievements on the instance's data folder,
# the 1EdTech checker (verify.py) verifies them over HTTP from the instance's own did.json
# and status lists.
#
#   1. award « cycle-des-7-leviers » to EMAIL (--public): verify.py passes;
#   2. the same VC-JWT with one byte of its payload changed: verify.py fails (signature);
#   3. rotate-key, award a second achievement: it is signed by the new key, and both it
#      and the first credential verify (the old key stays published);
#   4. revoke the first: verify.py --expect-revoked passes, the second still verifies.
#
# Usage: .ci/badges_check.sh BASE CATALYSE DATA_DIR EMAIL PYTHON VERIFY_PY WORK
#   BASE      the instance, e.g. http://127.0.0.1:18080 (its public URL: the issuer's did:web)
#   CATALYSE  the binary serving it; DATA_DIR its data folder (SQLite database, keys)
#   EMAIL     an existing account; PYTHON an interpreter with pyjwt, cryptography,
#             jsonschema, requests; VERIFY_PY the checker; WORK a scratch folder
set -euo pipefail

if (($# != 7)); then
    sed -n '2,17p' "$0" >&2
    exit 2
fi
BASE=$1 CATALYSE=$2 DATA=$3 EMAIL=$4 PY=$5 VERIFY=$6 WORK=$7
FIRST=cycle-des-7-leviers
SECOND=webinaire-qualifier-son-innovation

# The command line on the instance's data folder and address (so the same keys and did:web).
cli() {
    env -u CATALYSE_DATABASE_URL -u CATALYSE_PUBLIC_URL -u CATALYSE_BADGES_KEYS \
        CATALYSE_DATA_DIR="$DATA" CATALYSE_BIND="${BASE#http://}" CATALYSE_LOG=warn \
        "$CATALYSE" "$@"
}

verify() {
    echo "+ verify.py $*"
    "$PY" "$VERIFY" "$@" --http
}

# The VC-JWT of a credential, as the API answers it.
jwt_of() {
    curl -fsS -H 'Accept: application/vc+jwt' "$BASE/api/v1/credentials/$1"
}

# The `kid` of a VC-JWT on standard input.
kid_of() {
    "$PY" -c 'import base64, json, sys
h = sys.stdin.read().split(".")[0]
print(json.loads(base64.urlsafe_b64decode(h + "=" * (-len(h) % 4)))["kid"])'
}

echo "1. award « $FIRST » to $EMAIL"
ID1=$(cli badges award --email "$EMAIL" --achievement "$FIRST" \
    --reason "CI : vérification Open Badges 3.0" --public)
echo "credential $ID1"
verify "$BASE/api/v1/credentials/$ID1"
verify "$BASE/credentials/$ID1"

echo "2. one byte of the payload changed"
jwt_of "$ID1" >"$WORK/badge-1.jwt"
"$PY" - "$WORK/badge-1.jwt" "$WORK/badge-1-modifie.jwt" <<'PY'
import base64, sys
header, payload, sig = open(sys.argv[1]).read().strip().split(".")
raw = bytearray(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
at = raw.index(b'"name":"') + len(b'"name":"')  # the first letter of the badge's name
raw[at] = ord("X") if raw[at] != ord("X") else ord("Y")
body = base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")
open(sys.argv[2], "w").write(f"{header}.{body}.{sig}")
PY
if verify "$WORK/badge-1-modifie.jwt" >"$WORK/badge-1-modifie.log" 2>&1; then
    cat "$WORK/badge-1-modifie.log"
    echo "ERROR: verify.py accepted a credential with one byte changed" >&2
    exit 1
fi
cat "$WORK/badge-1-modifie.log"
grep -q "signature does not verify" "$WORK/badge-1-modifie.log" || {
    echo "ERROR: verify.py refused the changed credential, but not for its signature" >&2
    exit 1
}
echo "the changed credential is refused: OK"

echo "3. rotate-key, then « $SECOND »"
cli badges rotate-key
ID2=$(cli badges award --email "$EMAIL" --achievement "$SECOND" \
    --reason "CI : vérification après rotation de clé" --public)
echo "credential $ID2"
KID1=$(jwt_of "$ID1" | kid_of)
KID2=$(jwt_of "$ID2" | kid_of)
if [[ $KID1 == "$KID2" ]]; then
    echo "ERROR: the credential awarded after rotate-key is signed by the old key ($KID1)" >&2
    exit 1
fi
echo "signed by $KID2 (the first by $KID1)"
verify "$BASE/api/v1/credentials/$ID2"
verify "$BASE/api/v1/credentials/$ID1"

echo "4. revoke the first"
cli badges revoke "$ID1" --reason "CI : vérification de la révocation"
verify "$BASE/api/v1/credentials/$ID1" --expect-revoked
verify "$BASE/api/v1/credentials/$ID2"
PAGE=$(curl -fsS "$BASE/credentials/$ID1")
if [[ $PAGE != *"Badge révoqué"* ]]; then
    echo "ERROR: the revoked credential's page does not say « Badge révoqué »" >&2
    exit 1
fi
echo "Open Badges 3.0: OK"
