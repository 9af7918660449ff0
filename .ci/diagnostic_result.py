"""Prints the path of an autodiagnostic's result on the running platform (BASE): the
questionnaire « capacite-de-co-construction » answered through the API with each question's
lowest choice, so that every lever is weak and the page shows every kind of recommendation.
The link is sealed by that instance, so it is made here rather than listed in pages.txt."""

import json
import sys
import urllib.request
from urllib.parse import urlparse

BASE = sys.argv[1]
SLUG = "capacite-de-co-construction"
with urllib.request.urlopen(f"{BASE}/api/v1/diagnostics/{SLUG}") as r:
    q = json.load(r)
answers = {}
for block in q["blocks"]:
    for x in block["questions"]:
        if x["kind"] in ("single", "multiple"):
            low = min(x["choices"], key=lambda c: c["points"])["id"]
            answers[x["id"]] = low if x["kind"] == "single" else [low]
        elif x["kind"] == "scale":
            answers[x["id"]] = x["scale"]["min"]
body = json.dumps({"answers": answers, "department": "42"}).encode()
req = urllib.request.Request(
    f"{BASE}/api/v1/diagnostics/{SLUG}/responses",
    data=body,
    headers={"Content-Type": "application/json"},
)
with urllib.request.urlopen(req) as r:
    print(urlparse(json.load(r)["result_url"]).path)
