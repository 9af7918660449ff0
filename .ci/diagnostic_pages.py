"""Prints two pages of an autodiagnostic on the running platform (BASE), for the
accessibility checks: the last page of « capacite-de-co-construction » (département and
consents), reached by answering every page as a browser does (its CSRF cookie and field),
then the result of the same questionnaire answered through the API with each question's
lowest choice (every lever weak: every kind of recommendation shows). Both are private
links sealed by that instance, so they are made here rather than listed in pages.txt."""

import json
import re
import sys
import urllib.error
import urllib.parse
import urllib.request

BASE = sys.argv[1]
SLUG = "capacite-de-co-construction"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(NoRedirect)
COOKIES = {}


def fetch(path, data=None, headers=None):
    cookie = "; ".join(f"{k}={v}" for k, v in COOKIES.items())
    req = urllib.request.Request(BASE + path, data=data, headers={"Cookie": cookie, **(headers or {})})
    try:
        resp = OPENER.open(req)
    except urllib.error.HTTPError as e:  # a 303 is one, with NoRedirect
        resp = e
    for h in resp.headers.get_all("Set-Cookie") or []:
        name, value = h.split(";")[0].split("=", 1)
        COOKIES[name] = value
    return resp


def lowest(x):
    if x["kind"] in ("single", "multiple"):
        return min(x["choices"], key=lambda c: c["points"])["id"]
    if x["kind"] == "scale":
        return x["scale"]["min"]
    return None


q = json.load(fetch(f"/api/v1/diagnostics/{SLUG}"))
at = f"/diagnostic/{SLUG}"
for i, block in enumerate(q["blocks"]):
    page = fetch(at).read().decode()
    field = lambda name: re.search(rf'name="{name}" value="([^"]*)"', page).group(1)
    form = [("csrf", field("csrf")), ("r", field("r")), ("etape", str(i + 1)), ("action", "suivant")]
    form += [(x["id"], str(lowest(x))) for x in block["questions"] if lowest(x) is not None]
    resp = fetch(f"/diagnostic/{SLUG}", urllib.parse.urlencode(form).encode())
    if resp.status != 303:
        sys.exit(f"page {i + 1} of {SLUG}: {resp.status}")
    at = resp.headers["Location"]
print(at)

answers = {}
for block in q["blocks"]:
    for x in block["questions"]:
        v = lowest(x)
        if v is not None:
            answers[x["id"]] = [v] if x["kind"] == "multiple" else v
body = json.dumps({"answers": answers, "department": "42"}).encode()
resp = fetch(f"/api/v1/diagnostics/{SLUG}/responses", body, {"Content-Type": "application/json"})
print(urllib.parse.urlparse(json.load(resp)["result_url"]).path)
