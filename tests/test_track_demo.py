"""The offline demo outlet (scripts/demo_outlet.py): poll it, edit a page, poll again, see the edit."""

from __future__ import annotations

import importlib.util
import threading
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
