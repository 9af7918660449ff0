"""Saves pages that need a signed-in account, for the accessibility check.

The axe runner opens URLs without cookies, so this signs in over real HTTP, fetches each
page (and the stylesheets and images it links to) and writes them under OUT, to be served
as static files and audited like any page.

usage: signed_in_pages.py BASE EMAIL PASSWORD OUT PATH...   (the password may be "-": stdin)
"""
import html.parser
import pathlib
import re
import sys
import urllib.parse
import urllib.request


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


opener = urllib.request.build_opener(NoRedirect)
cookies = {}


def fetch(base, path, data=None):
    req = urllib.request.Request(base + path, data=data)
    if cookies:
        req.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in cookies.items()))
    try:
        resp = opener.open(req, timeout=30)
    except urllib.error.HTTPError as e:  # redirects come here (NoRedirect)
        resp = e
    for header in resp.headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        cookies[name] = rest.split(";", 1)[0]
    return resp.status, resp.read()


class Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.assets = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "link" and a.get("href", "").startswith("/"):
            self.assets.append(a["href"])
        if tag == "img" and a.get("src", "").startswith("/"):
            self.assets.append(a["src"])


def main():
    base, email, password, out, *paths = sys.argv[1:]
    if password == "-":
        password = sys.stdin.readline().rstrip("\n")
    out = pathlib.Path(out)
    status, body = fetch(base, "/connexion")
    csrf = re.search(rb'name="csrf" value="([^"]+)"', body).group(1).decode()
    form = urllib.parse.urlencode({"csrf": csrf, "email": email, "password": password})
    status, _ = fetch(base, "/connexion", form.encode())
    if status != 303 or "__Host-session" not in cookies:
        sys.exit(f"sign-in failed (HTTP {status})")
    for i, path in enumerate(paths):
        status, body = fetch(base, path)
        if status != 200:
            sys.exit(f"{path}: HTTP {status}")
        target = out / f"page{i}.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body)
        links = Links()
        links.feed(body.decode("utf-8"))
        for asset in links.assets:
            path_only = urllib.parse.urlsplit(asset).path
            _, content = fetch(base, asset)
            dest = out / path_only.lstrip("/")
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(content)
        print(f"page{i}.html <- {path}")


main()
