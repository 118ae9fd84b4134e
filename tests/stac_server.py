"""A real HTTP server on 127.0.0.1 for the tests: static files with Range requests, a small STAC
item-search endpoint, byte counting, injected failures and throttling.

It is test scaffolding, not part of the product: it serves a copy of the sample catalog the way a
static-file host and a STAC API would, so that pystac-client, requests and GDAL's /vsicurl/ talk to
it over real sockets.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import Counter, defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import shapely
from shapely.geometry import box, shape

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


class LoopbackServer:
    """A threaded HTTP server on 127.0.0.1 that hands every HEAD, GET and POST to ``_serve``
    (subclasses answer them); a context manager that starts and stops it."""

    def __init__(self) -> None:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # keep pytest output clean
                pass

            def do_HEAD(self):
                server._serve(self, head=True)

            def do_GET(self):
                server._serve(self, head=False)

            def do_POST(self):
                server._serve(self, head=False)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def _serve(self, h, head: bool) -> None:
        raise NotImplementedError

    def _reply(self, h, status: int, body: bytes, ctype: str, head: bool, extra=None) -> None:
        h.send_response(status)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(body)))
        h.send_header("Accept-Ranges", "bytes")
        for k, v in (extra or {}).items():
            h.send_header(k, v)
        h.end_headers()
        if not head:
            h.wfile.write(body)
            self._sent(h, len(body))

    def _sent(self, h, n: int) -> None:
        """Called after a body of ``n`` bytes went out (for byte counting)."""


class StacTestServer(LoopbackServer):
    """Serve ``root`` at ``http://127.0.0.1:<port>/`` and a STAC API at ``/api``."""

    def __init__(self, root: Path) -> None:
        super().__init__()
        self.root = Path(root)
        self.bytes_sent: Counter[str] = Counter()
        self.requests: list[tuple[str, str, int]] = []  # (method, path, status)
        self.failures: dict[tuple[str | None, str], list[int]] = defaultdict(list)
        self.delay = 0.0
        self.page_size = 100
        self._lock = threading.Lock()

    def fail(self, path: str, *statuses: int, method: str | None = None) -> None:
        """Answer the next requests for ``path`` (of ``method``, or any) with these statuses."""
        self.failures[(method, path)].extend(statuses)

    def count(self, path: str) -> int:
        """Requests seen for ``path``."""
        return sum(1 for _, p, _ in self.requests if p == path)

    # -- request handling -------------------------------------------------------------------------
    def _sent(self, h, n: int) -> None:
        with self._lock:
            self.bytes_sent[urlparse(h.path).path] += n

    def _serve(self, h, head: bool) -> None:
        path = urlparse(h.path).path
        if h.command == "POST":
            length = int(h.headers.get("Content-Length") or 0)
            payload = h.rfile.read(length) if length else b""
        if self.delay:
            time.sleep(self.delay)
        with self._lock:
            status = None
            for key in ((h.command, path), (None, path)):
                if self.failures.get(key):
                    status = self.failures[key].pop(0)
                    break
        if status is not None:
            self.requests.append((h.command, path, status))
            self._reply(h, status, b"injected failure", "text/plain", head)
            return
        if path.startswith("/api"):
            query = json.loads(payload or b"{}") if h.command == "POST" else \
                {k: v[0] for k, v in parse_qs(urlparse(h.path).query).items()}
            status, doc = self._api(path, query)
            self.requests.append((h.command, path, status))
            self._reply(h, status, json.dumps(doc).encode(), "application/geo+json", head)
            return
        file = (self.root / path.lstrip("/")).resolve()
        if not file.is_file() or self.root.resolve() not in file.parents:
            self.requests.append((h.command, path, 404))
            self._reply(h, 404, b"not found", "text/plain", head)
            return
        data = file.read_bytes()
        ctype = "application/json" if file.suffix == ".json" else "image/tiff"
        m = _RANGE.match(h.headers.get("Range", ""))
        if m and (m.group(1) or m.group(2)):
            first = int(m.group(1)) if m.group(1) else max(0, len(data) - int(m.group(2)))
            last = min(int(m.group(2)), len(data) - 1) if m.group(1) and m.group(2) else len(data) - 1
            if first >= len(data):
                self.requests.append((h.command, path, 416))
                self._reply(h, 416, b"", "text/plain", head, {"Content-Range": f"bytes */{len(data)}"})
                return
            self.requests.append((h.command, path, 206))
            self._reply(h, 206, data[first:last + 1], ctype, head,
                        {"Content-Range": f"bytes {first}-{last}/{len(data)}"})
            return
        self.requests.append((h.command, path, 200))
        self._reply(h, 200, data, ctype, head)

    # -- a small STAC API (item search with paging) ------------------------------------------------
    def _items(self) -> list[dict]:
        out = []
        for p in sorted(self.root.rglob("*.json")):
            doc = json.loads(p.read_text())
            if doc.get("type") == "Feature":
                rel = p.parent.relative_to(self.root).as_posix()
                for a in doc["assets"].values():
                    a["href"] = f"{self.url}/{rel}/{a['href'].removeprefix('./')}"
                doc["links"] = []
                out.append(doc)
        return out

    def _api(self, path: str, q: dict) -> tuple[int, dict]:
        base = f"{self.url}/api"
        if path.rstrip("/") == "/api":
            return 200, {
                "type": "Catalog", "id": "test-api", "stac_version": "1.0.0", "description": "test",
                "conformsTo": ["https://api.stacspec.org/v1.0.0/core",
                               "https://api.stacspec.org/v1.0.0/item-search"],
                "links": [{"rel": "self", "href": base}, {"rel": "root", "href": base},
                          {"rel": "search", "href": f"{base}/search", "method": "POST",
                           "type": "application/geo+json"}],
            }
        if path.rstrip("/") != "/api/search":
            return 404, {"code": "NotFound", "description": path}
        items = self._items()
        if q.get("collections"):
            cols = q["collections"] if isinstance(q["collections"], list) else q["collections"].split(",")
            items = [i for i in items if i.get("collection") in cols]
        geom = shape(q["intersects"]) if q.get("intersects") else \
            (box(*map(float, str(q["bbox"]).split(","))) if q.get("bbox") else None)
        if geom is not None:
            items = [i for i in items if shapely.intersects(shape(i["geometry"]), geom)]
        if q.get("datetime"):
            start, _, end = q["datetime"].partition("/")
            items = [i for i in items if (start in ("", "..") or i["properties"]["datetime"] >= start)
                     and (end in ("", "..") or i["properties"]["datetime"] <= end)]
        offset = int(q.get("token") or 0)
        page = items[offset: offset + self.page_size]
        links = []
        if offset + self.page_size < len(items):
            links.append({"rel": "next", "href": f"{base}/search", "method": "POST",
                          "body": {**q, "token": offset + self.page_size}, "merge": False})
        return 200, {"type": "FeatureCollection", "features": page, "links": links,
                     "numberMatched": len(items), "numberReturned": len(page)}
