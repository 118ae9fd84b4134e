#!/bin/sh
# Install the Debian packages that some tests use for real: GDAL's command-line tools (gdaldem reads
# our colour tables), QGIS's Python bindings (QGIS loads our styles) and a font with Chinese glyphs
# (sheet maps in Chinese; users need one too, and the command says so when it is missing), and
# Debian's chromium, the headless browser the web-map tests drive through Playwright.
# Only acts when a tool is missing and we are root on a Debian-like system; never fails the build:
# the tests that need a missing tool are skipped with a message naming it.
set -u
missing=""
command -v gdaldem >/dev/null 2>&1 || missing="$missing gdal-bin"
/usr/bin/python3 -c "import qgis.core" >/dev/null 2>&1 || missing="$missing python3-qgis qgis-providers"
fc-list :lang=zh 2>/dev/null | grep -q . || missing="$missing fonts-wqy-microhei"
[ -x /usr/bin/chromium ] || missing="$missing chromium"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing system packages for tests:$missing"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing) >/dev/null 2>&1 \
        || echo "NOTE: could not install$missing; tests that need them will be skipped."
else
    echo "NOTE: missing$missing (not root or no apt-get); tests that need them will be skipped."
fi
exit 0
