"""Site rules' fetch settings: `fetch = "browser"` pages rendered in headless Chromium, every request they
make answered by the poll's own fetcher; `headers` and `cookies` sent by both fetches. Servers on 127.0.0.1
(and 127.0.0.2 for "an internal host")."""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsdiff.track.browser import CHROMIUM_NAMES

from .track_server import Outlet, page

SENTENCES = ["The council approved the new bridge on Tuesday evening after a long debate.",
             "Construction is expected to begin in the spring and last two years.",
             "Residents had asked for a safer crossing since the old bridge closed.",
             "The mayor said the cost would be shared with the regional government."]
# The article's body is empty until the script fills it in: a plain fetch finds no article here.
SHELL = """<!doctype html><html><head><meta charset="utf-8"><title>Bridge approved</title></head><body>
<h1>Bridge approved</h1><article id="story"></article>
<img src="/photo.jpg" alt=""><iframe src="{internal}/secret.html"></iframe>
<script src="/app.js"></script></body></html>"""
SCRIPT = """fetch('/text.json').then(r => r.json()).then(paragraphs => {{
  const story = document.getElementById('story');
  for (const text of paragraphs) {{ const p = document.createElement('p'); p.textContent = text; story.append(p); }}
  fetch('{internal}/beacon').catch(() => {{}});
}});"""
TOKEN = "s3cret-token-value"

needs_browser = pytest.mark.skipif(
    importlib.util.find_spec("playwright") is None or not any(shutil.which(n) for n in CHROMIUM_NAMES),
    reason="needs Playwright (pip install 'newsdiff[browser]') and a system Chromium "
           "(bash scripts/ci_install_chromium.sh)")


@pytest.fixture
def internal() -> Iterator[Outlet]:
    """A server on 127.0.0.2 nobody named: Linux routes all of 127/8 to the loopback interface."""
    with Outlet("127.0.0.2") as running:
        running.routes["/secret.html"] = page("<p>Internal only.</p>", content_type="text/html")
        running.routes["/beacon"] = page("{}", content_type="application/json")
        yield running


@pytest.fixture
def outlet(db_path: Path, internal: Outlet, monkeypatch: pytest.MonkeyPatch) -> Iterator[Outlet]:
    """A site whose article text is inserted by a script, with a browser rule sending a header and a cookie."""
    monkeypatch.setenv("SITE_TOKEN", TOKEN)
    with Outlet() as running:
        running.routes["/story"] = page(SHELL.format(internal=internal.base), content_type="text/html; charset=utf-8")
        running.routes["/app.js"] = page(SCRIPT.format(internal=internal.base), content_type="text/javascript")
        running.routes["/text.json"] = page(json.dumps(SENTENCES), content_type="application/json")
        running.routes["/photo.jpg"] = page(b"\xff\xd8\xff", content_type="image/jpeg")
        (db_path.parent / "newsdiff.toml").write_text(
            '[fetch]\nretries = 0\ntotal_timeout = 60\n'
            '[sites."127.0.0.1"]\nfetch = "browser"\n'
            'headers = { X-Access = "token ${SITE_TOKEN}" }\ncookies = { consent = "yes" }\n', encoding="utf-8")
        yield running


@needs_browser
def test_a_page_built_by_a_script_is_read_through_the_browser(cli, db_path: Path, outlet: Outlet, internal: Outlet,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from newsdiff.track.fetch import Fetched, Fetcher

    answers: dict[str, Fetched] = {}  # every request the fetcher answered, the page's own included
    get = Fetcher.get

    async def recorded(self: Fetcher, url: str, headers: dict[str, str] | None = None) -> Fetched:
        answers[url] = await get(self, url, headers)
        return answers[url]

    monkeypatch.setattr(Fetcher, "get", recorded)
    assert cli("track", outlet.url("/story")).code == 0
    result = cli("poll", "--json")
    assert result.code == 0, result
    assert result.json["new_versions"] == 1 and result.json["errors"] == []
    text = cli("show", outlet.url("/story"), "--json").json["text"]
    assert all(sentence in text for sentence in SENTENCES)
    # every request of the page went through the fetcher: the site's header and cookie on each
    for path in ("/story", "/app.js", "/text.json"):
        [request] = outlet.requests[path]
        assert request["X-Access"] == f"token {TOKEN}" and request["Cookie"] == "consent=yes", path
    # the internal host the page and its script asked for was refused by the guard, and never reached
    for path in ("/secret.html", "/beacon"):
        assert (answers[internal.url(path)].error or "").startswith("refused: 127.0.0.2 is internal"), path
    assert sum(internal.hits.values()) == 0
    assert outlet.url("/photo.jpg") not in answers and outlet.hits["/photo.jpg"] == 0  # pictures are not fetched
    dump = "\n".join(__import__("sqlite3").connect(db_path).iterdump())
    assert TOKEN not in dump and TOKEN not in result.stdout + result.stderr


def test_a_plain_fetch_sends_the_rule_s_headers_and_cookies(cli, db_path: Path, outlet: Outlet) -> None:
    (db_path.parent / "newsdiff.toml").write_text(
        '[sites."127.0.0.1"]\nheaders = { X-Access = "token ${SITE_TOKEN}" }\ncookies = { consent = "yes", b = "2" }\n',
        encoding="utf-8")
    outlet.routes["/plain"] = page("Plain story\n\n" + "\n\n".join(SENTENCES))
    cli("track", outlet.url("/plain"))
    result = cli("poll", "--json")
    assert result.json["new_versions"] == 1, result
    [request] = outlet.requests["/plain"]
    assert request["X-Access"] == f"token {TOKEN}" and request["Cookie"] == "consent=yes; b=2"


def test_without_playwright_the_error_names_the_extra(cli, outlet: Outlet, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "playwright.async_api", None)  # an import of it fails
    cli("track", outlet.url("/story"))
    result = cli("poll", "--json")
    assert result.code == 2
    [error] = result.json["errors"]
    assert error["error"] == ("fetch = \"browser\" needs Playwright, which is not installed: "
                              "pip install 'newsdiff[browser]'")


@pytest.mark.skipif(importlib.util.find_spec("playwright") is None, reason="needs Playwright for this step")
def test_without_chromium_the_error_names_it(cli, outlet: Outlet, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    cli("track", outlet.url("/story"))
    [error] = cli("poll", "--json").json["errors"]
    assert error["error"].startswith("fetch = \"browser\" needs Chromium") and "chromium package" in error["error"]


@pytest.mark.parametrize(("table", "message"), [
    ('fetch = "firefox"', 'site "example.com": fetch must be "http" or "browser", not \'firefox\''),
    ('headers = { X-Key = "${NEWSDIFF_UNSET_VAR}" }',
     'site "example.com": headers.X-Key: environment variable NEWSDIFF_UNSET_VAR is not set'),
    ('headers = { X-Key = "line\\nbreak s3cret" }',
     'site "example.com": headers.X-Key must be printable ASCII text on one line (value not shown)'),
    ('headers = { Accept-Encoding = "br" }',
     'site "example.com": headers: \'Accept-Encoding\' cannot be used as a name (newsdiff sets it itself)'),
    ('cookies = { session = "a; s3cret" }', 'site "example.com": cookies.session must be a cookie value'),
    ('proxy = "socks5://user:s3cret@proxy:1080"', 'site "example.com": proxy must be an http:// or https:// URL'),
    ('proxy = "http://user:s3cret@[::1:3128"', 'site "example.com": proxy must be an http:// or https:// URL'),
])
def test_fetch_keys_are_checked_at_load_without_showing_a_value(cli, db_path: Path, table: str, message: str) -> None:
    (db_path.parent / "newsdiff.toml").write_text(f'[sites."example.com"]\n{table}\n', encoding="utf-8")
    result = cli("poll")
    assert result.code != 0 and message in result.stderr and result.stderr.count("\n") == 1
    assert "s3cret" not in result.stderr


def test_a_rule_s_proxy_carries_its_site_s_requests(cli, db_path: Path, outlet: Outlet) -> None:
    with Outlet() as proxy:  # a forward proxy is asked for the whole URL
        proxy.routes[outlet.url("/plain")] = page("Proxied story\n\n" + "\n\n".join(SENTENCES))
        host = proxy.base.removeprefix("http://")
        (db_path.parent / "newsdiff.toml").write_text(
            f'[sites."127.0.0.1"]\nproxy = "http://user:${{SITE_TOKEN}}@{host}"\n', encoding="utf-8")
        cli("track", outlet.url("/plain"))
        result = cli("poll", "--json")
    assert result.json["new_versions"] == 1, result
    assert outlet.hits["/plain"] == 0
    [request] = proxy.requests[outlet.url("/plain")]
    assert request["Proxy-Authorization"] == "Basic " + __import__("base64").b64encode(
        f"user:{TOKEN}".encode()).decode()


def test_a_redirect_to_another_host_carries_none_of_the_rule_s_headers(cli, db_path: Path, outlet: Outlet) -> None:
    from .track_server import redirect

    (db_path.parent / "newsdiff.toml").write_text(
        '[fetch]\nallow_private_hosts = true\n'
        '[sites."127.0.0.1"]\nheaders = { X-Access = "token ${SITE_TOKEN}" }\ncookies = { consent = "yes" }\n',
        encoding="utf-8")
    outlet.routes["/moved"] = redirect(outlet.url("/plain").replace("127.0.0.1", "localhost"), 302)
    outlet.routes["/plain"] = page("Plain story\n\n" + "\n\n".join(SENTENCES))
    cli("track", outlet.url("/moved"))
    assert cli("poll", "--json").json["new_versions"] == 1
    [first], [second] = outlet.requests["/moved"], outlet.requests["/plain"]
    assert first["X-Access"] == f"token {TOKEN}" and first["Cookie"] == "consent=yes"
    assert second["Host"].startswith("localhost") and "X-Access" not in second and "Cookie" not in second


@needs_browser
@pytest.mark.parametrize(("script", "limits", "error"), [
    ("while (true) {}", "total_timeout = 3", "browser: the page took longer than 3 s to render"),
    ("document.body.append('x'.repeat(300000))", "max_bytes = 200000",
     "browser: rendered page larger than 200,000 bytes"),
])
def test_a_page_over_the_time_or_size_limit_costs_its_article_only(cli, db_path: Path, outlet: Outlet, script: str,
                                                                    limits: str, error: str) -> None:
    outlet.routes["/heavy"] = page(f"<html><body><p>Short.</p><script>{script}</script></body></html>",
                                   content_type="text/html")
    (db_path.parent / "newsdiff.toml").write_text(
        f'[fetch]\nretries = 0\n{limits}\n[sites."127.0.0.1"]\nfetch = "browser"\n', encoding="utf-8")
    cli("track", outlet.url("/heavy"))
    outlet.routes["/plain"] = page("Plain story\n\n" + "\n\n".join(SENTENCES))
    cli("track", outlet.url("/plain"))  # no HTML to render: read as a plain fetch gives it
    result = cli("poll", "--json")
    assert result.code == 2 and result.json["new_versions"] == 1
    assert [e["error"] for e in result.json["errors"]] == [error]
