"""Real providers' recorded STAC items, served from 127.0.0.1 the way each provider serves them.

Test scaffolding, not product code. ``ProviderServer`` is a real HTTP server that answers a STAC
API landing page with the provider's conformance classes, item search (``query`` extension and/or
CQL2-JSON ``filter``, compared as the provider's server compares: exact strings), one of the two
paging styles, item pages by id, static files with Range requests, and a path-style S3 endpoint
that insists on ``x-amz-request-payer: requester``. The recorded items (tests/data/stac, unchanged
on disk) get loopback hrefs in memory and synthetic pixels on each item's own grid.
"""

from __future__ import annotations

import copy
import json
import math
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import numpy as np
import shapely
from shapely.geometry import box, mapping, shape

from tests.stac_server import LoopbackServer

DATA = Path(__file__).parent / "data" / "stac"

def recorded_landing(name: str) -> dict:
    """The landing page (with its ``conformsTo``) in a recorded VCR cassette."""
    import yaml

    for inter in yaml.safe_load((DATA / name).read_text())["interactions"]:
        body = json.loads(inter["response"]["body"]["string"])
        if isinstance(body, dict) and body.get("type") == "Catalog" and "conformsTo" in body:
            return body
    raise LookupError(name)


#: Conformance classes (as each provider's recorded landing page gives them) and paging.
PROFILES = {
    # stac-fastapi-pgstac: query and CQL2 filter; `next` links are POSTs with a token to merge.
    "planetary-computer": {
        "conforms": recorded_landing(
            "planetary-computer/cassette-test_smoke-landsat-c2-l2.yaml")["conformsTo"],
        "paging": "merge",
    },
    # stac-server: the query extension only; `next` links are GETs.
    "earth-search": {"conforms": recorded_landing("earth-search/cassette-simple_search.yaml")["conformsTo"],
                     "paging": "get"},
    # USGS landsatlook runs stac-server too (no recorded landing page: the same classes assumed).
    "usgs": {"conforms": recorded_landing("earth-search/cassette-simple_search.yaml")["conformsTo"],
             "paging": "get"},
}


def recorded(name: str) -> list[dict]:
    """Items of one recorded file (an item, a list of items, or a VCR cassette's item bodies)."""
    path = DATA / name
    if path.suffix == ".yaml":
        import yaml

        docs = []
        for inter in yaml.safe_load(path.read_text())["interactions"]:
            body = json.loads(inter["response"]["body"]["string"])
            docs += body.get("features", [body]) if isinstance(body, dict) else []
        return [d for d in docs if d.get("type") == "Feature" and "landsat" in d.get("collection", "")]
    doc = json.loads(path.read_text())
    return doc if isinstance(doc, list) else [doc]


def earth_search_layout(item: dict) -> dict:
    """Earth Search's layout derived from a USGS record: the requester-pays ``s3`` alternate of each
    asset becomes its only href (Element84/earth-search docs, landsat-c2-l2)."""
    out = copy.deepcopy(item)
    for asset in out["assets"].values():
        alt = asset.pop("alternate", {}).get("s3")
        if alt:
            asset["href"] = alt["href"]
    out["collection"] = "landsat-c2-l2"
    return out


def per_asset_projection(item: dict) -> dict:
    """An item with its ``proj:*`` moved from the item into each band asset, as Planetary
    Computer's older per-mission collections (``landsat-8-c2-l2``) published them."""
    out = copy.deepcopy(item)
    props = out["properties"]
    moved = {k: props.pop(k) for k in ("proj:transform", "proj:shape") if k in props}
    for asset in out["assets"].values():
        if asset.get("eo:bands") or "qa_pixel" in asset.get("href", "").lower():
            asset.update(moved)
    return out


def item_grid(item: dict) -> tuple[int, list[float]]:
    """EPSG and 6-term transform of an item, from the item or its first band asset."""
    props = item["properties"]
    t = props.get("proj:transform")
    epsg = props.get("proj:epsg") or int(str(props.get("proj:code", "EPSG:0")).split(":")[1])
    if t is None:
        t = next(a["proj:transform"] for a in item["assets"].values() if "proj:transform" in a)
    return int(epsg), [float(v) for v in t[:6]]


@dataclass
class Window:
    """The synthetic pixels of an item: a small block of its own lattice inside its footprint."""

    epsg: int
    x0: float
    y0: float
    res: float
    rows: int
    cols: int

    def lonlat_bbox(self, margin: int = 8) -> tuple[float, float, float, float]:
        """A lon/lat box well inside the block (``margin`` pixels in from each side)."""
        from pyproj import Transformer

        tr = Transformer.from_crs(self.epsg, 4326, always_xy=True)
        xs = [self.x0 + margin * self.res, self.x0 + (self.cols - margin) * self.res]
        ys = [self.y0 - margin * self.res, self.y0 - (self.rows - margin) * self.res]
        lon, lat = tr.transform([xs[0], xs[1], xs[0], xs[1]], [ys[0], ys[0], ys[1], ys[1]])
        # The inner box of the four corners, so every pixel of the box has data.
        return (sorted(lon)[1], sorted(lat)[1], sorted(lon)[2], sorted(lat)[2])


def band_dn(index: int, rows: int, cols: int) -> np.ndarray:
    """Digital numbers of band ``index``: a level per band plus a small pattern."""
    r, c = np.mgrid[0:rows, 0:cols]
    return (8000 + 500 * index + (r * 3 + c) % 11).astype(np.uint16)


#: 294.97 K through Collection 2's surface-temperature scale (DN * 0.00341802 + 149).
THERMAL_DN = 42706


class ProviderServer(LoopbackServer):
    """One provider's STAC API, files and S3 bucket on 127.0.0.1."""

    def __init__(self, root: Path, profile: str, items: list[dict], *, page_size: int = 100,
                 size: int = 48) -> None:
        super().__init__()
        self.root = Path(root)
        self.profile = PROFILES[profile]
        self.page_size = page_size
        self.size = size
        self.searches: list[dict] = []  # the bodies of every search request, as received
        self.s3_requests: list[dict] = []
        self._tokens: dict[str, dict] = {}
        self._lock = threading.Lock()
        self.windows: dict[str, Window] = {}
        self.items = [self._localise(i) for i in items]

    @property
    def api(self) -> str:
        return f"{self.url}/api"

    # -- items: loopback hrefs and pixels ---------------------------------------------------------
    def _loopback(self, href: str) -> str:
        p = urlparse(href)
        if p.scheme in ("http", "https"):
            return f"{self.url}/files/{p.netloc}{p.path}"
        return href  # s3:// stays: GDAL is pointed at this server by AWS_S3_ENDPOINT

    def _local_file(self, href: str) -> Path | None:
        p = urlparse(href)
        if p.scheme == "s3":
            return self.root / "s3" / p.netloc / p.path.lstrip("/")
        if p.scheme in ("http", "https"):
            return self.root / "files" / p.netloc / p.path.lstrip("/")
        return None

    def _localise(self, recorded_item: dict) -> dict:
        item = copy.deepcopy(recorded_item)
        epsg, t = item_grid(item)
        res = t[0]
        geom = shape(item["geometry"])
        from pyproj import Transformer

        cx, cy = Transformer.from_crs(4326, epsg, always_xy=True).transform(geom.centroid.x, geom.centroid.y)
        col = math.floor((cx - t[2]) / res) - self.size // 2
        row = math.floor((t[5] - cy) / res) - self.size // 2
        win = Window(epsg, t[2] + col * res, t[5] - row * res, res, self.size, self.size)
        self.windows[item["id"]] = win
        platform = str(item["properties"].get("platform") or item["properties"].get("eo:platform"))
        tm_etm = platform[-1] in "457"
        listed = item["properties"].get("eo:bands", [])
        index = 0
        for key, asset in item["assets"].items():
            bands = asset.get("eo:bands") or []
            band = bands[0] if bands else None
            if isinstance(band, int):
                band = listed[band]
            name = (band or {}).get("common_name")
            targets = [asset["href"]] + [a["href"] for a in asset.get("alternate", {}).values()]
            if name in ("lwir11", "lwir"):
                data = np.full((self.size, self.size), THERMAL_DN, np.uint16)
            elif name:
                data = band_dn(index, self.size, self.size)
                index += 1
            elif key.lower().removesuffix(".tif") == "qa_pixel":
                clear = 5440 if tm_etm else 21824
                data = np.full((self.size, self.size), clear, np.uint16)
                data[:4, :4] = clear | (1 << 3)  # a small high-confidence cloud
            else:
                data = None
            for href in targets if data is not None else []:
                file = self._local_file(href)
                if file is not None and file.suffix.lower() == ".tif":
                    self._write(file, data, win)
            # Every href on loopback (also the ones not served), so nothing reaches the internet.
            asset["href"] = self._loopback(asset["href"])
            for alt in asset.get("alternate", {}).values():
                alt["href"] = self._loopback(alt["href"])
        for link in item.get("links", []):
            if link.get("rel") == "self":
                link["href"] = f"{self.api}/collections/{item.get('collection')}/items/{item['id']}"
            else:  # parents, roots, collections: on loopback too, so a test never leaves the machine
                link["href"] = self._loopback(link["href"])
        return item

    @staticmethod
    def _write(path: Path, data: np.ndarray, win: Window) -> None:
        import rasterio
        from affine import Affine

        path.parent.mkdir(parents=True, exist_ok=True)
        with rasterio.open(path, "w", driver="GTiff", width=win.cols, height=win.rows, count=1,
                           dtype=data.dtype, crs=f"EPSG:{win.epsg}",
                           transform=Affine(win.res, 0, win.x0, 0, -win.res, win.y0),
                           tiled=True, blockxsize=16, blockysize=16) as dst:
            dst.write(data, 1)

    # -- HTTP ---------------------------------------------------------------------------------------
    def _serve(self, h, head: bool) -> None:
        parsed = urlparse(h.path)
        path = parsed.path
        payload = b""
        if h.command == "POST":
            payload = h.rfile.read(int(h.headers.get("Content-Length") or 0))
        if path.startswith("/api"):
            status, doc = self._api(h.command, path, parsed.query, payload)
            self._reply(h, status, json.dumps(doc).encode(), "application/geo+json", head)
            return
        if path.startswith("/files/"):
            file = self.root / "files" / path.removeprefix("/files/")
        else:  # path-style S3: /bucket/key
            self.s3_requests.append({"path": path, "payer": h.headers.get("x-amz-request-payer"),
                                     "signed": "Authorization" in h.headers})
            if h.headers.get("x-amz-request-payer") != "requester":
                body = (b"<?xml version=\"1.0\"?><Error><Code>AccessDenied</Code>"
                        b"<Message>Access Denied</Message></Error>")
                self._reply(h, 403, body, "application/xml", head)
                return
            file = self.root / "s3" / path.lstrip("/")
        if not file.is_file():
            self._reply(h, 404, b"not found", "text/plain", head)
            return
        data = file.read_bytes()
        rng = h.headers.get("Range", "")
        if rng.startswith("bytes="):
            first_s, _, last_s = rng[6:].partition("-")
            first = int(first_s)
            last = min(int(last_s) if last_s else len(data) - 1, len(data) - 1)
            self._reply(h, 206, data[first:last + 1], "image/tiff", head,
                        {"Content-Range": f"bytes {first}-{last}/{len(data)}"})
            return
        self._reply(h, 200, data, "image/tiff", head)

    def _landing(self) -> dict:
        return {"type": "Catalog", "id": "provider", "stac_version": "1.0.0", "description": "recorded",
                "conformsTo": self.profile["conforms"],
                "links": [{"rel": "self", "href": self.api}, {"rel": "root", "href": self.api},
                          {"rel": "search", "href": f"{self.api}/search", "method": "GET",
                           "type": "application/geo+json"},
                          {"rel": "search", "href": f"{self.api}/search", "method": "POST",
                           "type": "application/geo+json"}]}

    def _api(self, method: str, path: str, query: str, payload: bytes) -> tuple[int, dict]:
        if path.rstrip("/") == "/api":
            return 200, self._landing()
        if path.startswith("/api/collections/") and "/items/" in path:
            item_id = path.rsplit("/", 1)[1]
            found = [i for i in self.items if i["id"] == item_id]
            return (200, found[0]) if found else (404, {"code": "NotFound"})
        if path.rstrip("/") != "/api/search":
            return 404, {"code": "NotFound", "description": path}
        if method == "POST":
            body = json.loads(payload or b"{}")
        else:
            q = {k: v[0] for k, v in parse_qs(query).items()}
            body = {k: json.loads(v) if k in ("intersects", "query", "filter") else v for k, v in q.items()}
            if isinstance(body.get("collections"), str):
                body["collections"] = body["collections"].split(",")
        token = body.pop("token", None) or body.pop("next", None)
        offset = 0
        if token:
            with self._lock:
                saved = self._tokens.get(str(token).split(":")[0])
            if saved is None:
                return 400, {"code": "BadRequest", "description": "unknown token"}
            body, offset = dict(saved), int(str(token).split(":")[1])
        else:
            self.searches.append(copy.deepcopy(body))
        kinds = {"query": "#query", "filter": "#filter"}
        for key, conf in kinds.items():
            if key in body and not any(c.endswith(conf) for c in self.profile["conforms"]):
                return 400, {"code": "BadRequest", "description": f"{key} is not supported"}
        found = [i for i in self.items if self._match(i, body)]
        page = found[offset:offset + self.page_size]
        links = []
        if offset + self.page_size < len(found):
            key = str(len(self._tokens))
            with self._lock:
                self._tokens[key] = body
            nxt = f"{key}:{offset + self.page_size}"
            if self.profile["paging"] == "merge":
                links.append({"rel": "next", "href": f"{self.api}/search", "method": "POST",
                              "body": {"token": nxt}, "merge": True, "type": "application/geo+json"})
            else:
                links.append({"rel": "next", "href": f"{self.api}/search?next={nxt}", "method": "GET",
                              "type": "application/geo+json"})
        return 200, {"type": "FeatureCollection", "features": page, "links": links,
                     "numberMatched": len(found), "numberReturned": len(page)}

    @staticmethod
    def _compare(value, op: str, arg) -> bool:
        if value is None:
            return False
        if op in ("eq", "="):
            return value == arg
        if op == "in":
            return value in (arg or [])
        import operator

        return {"lte": operator.le, "<=": operator.le, "lt": operator.lt, "<": operator.lt,
                "gte": operator.ge, ">=": operator.ge}[op](value, arg)

    def _cql2(self, props: dict, expr: dict) -> bool:
        op, args = expr["op"], expr["args"]
        if op == "and":
            return all(self._cql2(props, a) for a in args)
        if op == "or":
            return any(self._cql2(props, a) for a in args)
        return self._compare(props.get(args[0]["property"]), op, args[1])

    def _match(self, item: dict, body: dict) -> bool:
        if body.get("collections") and item.get("collection") not in body["collections"]:
            return False
        geom = shape(body["intersects"]) if body.get("intersects") else \
            (box(*map(float, str(body["bbox"]).split(","))) if body.get("bbox") else None)
        if geom is not None and not shapely.intersects(shape(item["geometry"]), geom):
            return False
        if body.get("datetime"):
            start, _, end = body["datetime"].partition("/")
            when = item["properties"]["datetime"]
            if (start not in ("", "..") and when < start) or (end not in ("", "..") and when > end):
                return False
        props = item["properties"]
        for key, cond in (body.get("query") or {}).items():
            if not all(self._compare(props.get(key), op, arg) for op, arg in cond.items()):
                return False
        return not body.get("filter") or self._cql2(props, body["filter"])

    def footprint(self, item_id: str) -> dict:
        """GeoJSON of the synthetic block's inner box (lon/lat)."""
        return mapping(box(*self.windows[item_id].lonlat_bbox()))
