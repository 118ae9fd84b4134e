"""A real headless browser for the web-map tests: Debian's chromium driven by Playwright, every
request outside ``file:`` and ``data:`` aborted and recorded. Screenshots go to ``test-artifacts/``."""

from __future__ import annotations

from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"
XSS = '<img src=x onerror="document.title=\'x\'">'


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} missing: install Debian's chromium (make test does it as root)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright not installed")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


def open_page(browser, html: Path, shot: str) -> dict:
    page = browser.new_page(viewport={"width": 1200, "height": 800})
    blocked: list[str] = []
    errors: list[str] = []

    def route(r):
        if r.request.url.startswith(("file:", "data:")):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(html.resolve().as_uri())
    page.wait_for_timeout(1000)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / shot))
    info = {
        "blocked": blocked, "errors": errors, "leaflet": page.evaluate("typeof L"),
        "title": page.title(),
        "layers": [t.strip() for t in
                   page.locator(".leaflet-control-layers-overlays label").all_inner_texts()],
        "legend": [t.strip() for t in page.locator("#hm-legend .hm-legend-item").all_inner_texts()],
        "features": page.locator("path.leaflet-interactive").count(),
        "images": page.locator("img.leaflet-image-layer").count(),
        "scale": page.locator(".leaflet-control-scale").count(),
        "page": page,
    }
    return info
