"""Remote static catalogs: fetched over real HTTP on loopback, walked with limits."""

from __future__ import annotations

import json
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

from habitatmap.errors import CatalogError
from habitatmap.scenes.remote import MAX_REMOTE_JSON_BYTES, RemoteJson, read_remote_static_items

ITEM = {"type": "Feature", "stac_version": "1.0.0", "id": "a", "geometry": None, "properties":
        {"datetime": "2021-06-01T00:00:00Z"}, "assets": {"red": {"href": "./a_red.tif"}}, "links": []}


@pytest.fixture()
def site(tmp_path):
    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(tmp_path)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield tmp_path, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _catalog(folder, links):
    (folder / "catalog.json").write_text(json.dumps({"type": "Catalog", "id": "c", "stac_version": "1.0.0",
                                                     "description": "d", "links": links}))


def test_walks_child_and_item_links_and_resolves_asset_hrefs(site):
    folder, url = site
    (folder / "sub").mkdir()
    (folder / "sub" / "a.json").write_text(json.dumps(ITEM))
    (folder / "sub" / "collection.json").write_text(json.dumps(
        {"type": "Collection", "id": "s", "stac_version": "1.0.0", "description": "d", "license": "x",
         "extent": {}, "links": [{"rel": "item", "href": "a.json"}, {"rel": "parent", "href": "../x"}]}))
    _catalog(folder, [{"rel": "child", "href": "sub/collection.json"},
                      {"rel": "child", "href": "./catalog.json"}])
    fetch = RemoteJson()
    items = read_remote_static_items(f"{url}/catalog.json", fetch)
    assert [i.id for i in items] == ["a"]
    assert items[0].assets["red"].get_absolute_href() == f"{url}/sub/a_red.tif"
    fetch.close()


@pytest.mark.parametrize("href, message", [
    ("file:///etc/passwd", "only link to http"),
    ("missing.json", "HTTP 404"),
])
def test_refused_links(site, href, message):
    folder, url = site
    _catalog(folder, [{"rel": "child", "href": href}])
    with pytest.raises(CatalogError, match=message):
        read_remote_static_items(f"{url}/catalog.json", RemoteJson())


def test_limits(site):
    folder, url = site
    (folder / "big.json").write_bytes(b"[" + b"0," * (MAX_REMOTE_JSON_BYTES // 2) + b"0]")
    with pytest.raises(CatalogError, match="larger than"):
        RemoteJson().get(f"{url}/big.json", "catalog")
    (folder / "nan.json").write_text('{"a": NaN}')
    with pytest.raises(CatalogError, match="NaN"):
        RemoteJson().get(f"{url}/nan.json", "catalog")
    for i in range(5):
        (folder / f"i{i}.json").write_text(json.dumps({**ITEM, "id": f"i{i}"}))
    _catalog(folder, [{"rel": "item", "href": f"i{i}.json"} for i in range(5)])
    with pytest.raises(CatalogError, match="more than 3"):
        read_remote_static_items(f"{url}/catalog.json", RemoteJson(), max_objects=3)
