#!/bin/sh
# The wheel users install must work on its own: build it, install it into a fresh venv outside the
# checkout, and run `habitatmap legend show` and `habitatmap demo` there (the demo finds no sample
# beside the package and regenerates it, checked against the sample's packaged checksums).
# Run by `make test` (and so by CI) after the test suite; `make wheel-check` runs it alone.
set -eu
PYTHON=${PYTHON:-python3}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/habitatmap-wheel.XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM

"$PYTHON" -m pip wheel --quiet --no-deps --wheel-dir "$WORK/dist" "$ROOT"
WHEEL=$(ls "$WORK"/dist/habitatmap-*.whl)
for f in habitatmap/styles/legend.yaml habitatmap/styles/labels.yaml habitatmap/workflows/tumen.yaml \
         habitatmap/sample_data/tumen/metadata.json; do
    "$PYTHON" -c "import sys, zipfile; sys.exit(0 if sys.argv[2] in zipfile.ZipFile(sys.argv[1]).namelist() else 1)" \
        "$WHEEL" "$f" || { echo "check-wheel: $f is missing from $WHEEL" >&2; exit 1; }
done
"$PYTHON" -m venv "$WORK/venv"
"$WORK/venv/bin/python" -m pip install --quiet --upgrade pip
"$WORK/venv/bin/python" -m pip install --quiet "$WHEEL"

# Outside the checkout, with the user's own cache folder.
cd "$WORK"
export HABITATMAP_CACHE="$WORK/cache"
"$WORK/venv/bin/habitatmap" legend show --lang zh | grep -q "红松阔叶混交林" \
    || { echo "check-wheel: 'habitatmap legend show' failed in the installed wheel" >&2; exit 1; }
"$WORK/venv/bin/habitatmap" demo --out "$WORK/out" > "$WORK/demo.log" 2>&1 \
    || { cat "$WORK/demo.log" >&2; echo "check-wheel: the demo failed in the installed wheel" >&2; exit 1; }
for f in map.html habitat.tif basemap.gpkg provenance.json summary.json leastcost/corridors.gpkg; do
    [ -s "$WORK/out/$f" ] || { echo "check-wheel: the installed demo wrote no $f" >&2; exit 1; }
done
echo "check-wheel: the installed wheel ($(basename "$WHEEL")) shows the legend and runs the demo outside the checkout."
