"""The offline demo outlet (scripts/demo_outlet.py): poll it, edit a page, poll again, see the edit."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from types import ModuleType

from .conftest import ROOT


def load_outlet() -> ModuleType:
    spec = importlib.util.spec_from_file_location("demo_outlet", ROOT / "scripts" / "demo_outlet.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_demo_outlet_edit_is_found_by_the_next_poll(cli, tmp_path: Path) -> None:
    outlet = load_outlet()
    folder = tmp_path / "outlet"
    outlet.seed(folder)
    server = outlet.make_server(folder, 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        assert cli("feeds", "add", f"{base}/feed.xml", "--source", "demo").code == 0
        first = cli("poll", "--json").json
        assert (first["articles_discovered"], first["new_versions"], first["errors"]) == (3, 3, [])
        assert outlet.edit(folder).endswith("a sentence extended")
        assert outlet.edit(folder).endswith("already edited")
        second = cli("poll", "--now", "--json").json
        assert (second["new_versions"], second["not_modified"]) == (1, 2)
        article = f"{base}/articles/{outlet.EDITED}"
        assert [v["number"] for v in cli("log", article, "--json").json["versions"]] == [1, 2]
        report = cli("diff", article).stdout
        assert "[-19-]{+21+}" in report and "{+ and would hunt down everyone involved+}" in report
    finally:
        server.shutdown()
        server.server_close()


def test_a_background_outlet_picks_a_free_port_and_ends_with_its_script(tmp_path: Path) -> None:
    script = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])  # stands for demo.sh
    try:
        started = subprocess.run(
            [sys.executable, str(ROOT / "scripts" / "demo_outlet.py"), "serve", str(tmp_path / "outlet"),
             "--port", "0", "--background", "--exit-with", str(script.pid)],
            capture_output=True, text=True, timeout=30, check=True)
        pid, feed = started.stdout.split()
        with urllib.request.urlopen(feed, timeout=10) as response:
            assert b"<rss" in response.read()
    finally:
        script.kill()
        script.wait()
    deadline = time.monotonic() + 10
    while running(int(pid)):
        if time.monotonic() > deadline:
            os.kill(int(pid), 9)
            raise AssertionError("the background outlet outlived its script")
        time.sleep(0.1)


def running(pid: int) -> bool:
    """Alive and not a zombie (an orphan's exit is reaped by whatever init the machine has)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
