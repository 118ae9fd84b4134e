"""The UI label catalogue: one source for every word a map, sheet or report shows."""

from __future__ import annotations

import pytest

from habitatmap.errors import LegendError
from habitatmap.legend.labels import LABELS_PATH, Labels, label, load_labels
from habitatmap.legend.model import LANGUAGES


def test_bundled_catalogue_has_every_language():
    labels = load_labels()
    assert isinstance(labels, Labels) and labels.source == str(LABELS_PATH)
    for key in labels.keys:
        for lang in LANGUAGES:
            assert labels.get(key, lang).strip()
    assert label("parks", "mn") == "Үндэсний паркууд" and label("habitat_map", "zh") == "生境图"
    assert labels.table("ru")["border"] == "Государственная граница"


def test_webmap_and_sheet_say_the_same():
    """The web map and the sheet map used to disagree on Mongolian 'park' and Chinese 'habitat'."""
    assert label("park", "mn").startswith(label("parks", "mn")[:7])
    assert label("habitats", "zh") in label("habitat_map", "zh")
    assert label("parks", "kk") == "Ұлттық парктер"  # Kazakh, for the Kazakhstan side


def test_catalogue_errors(tmp_path):
    p = tmp_path / "labels.yaml"
    p.write_text("labels:\n  parks: {en: Parks, ru: Парки, zh: 公园}\n", encoding="utf-8")
    with pytest.raises(LegendError, match=r"label 'parks' has no text in mn, kk; add it"):
        load_labels(p)
    p.write_text("nothing: here\n")
    with pytest.raises(LegendError, match="not a label catalogue"):
        load_labels(p)
    with pytest.raises(LegendError, match="unknown language"):
        label("parks", "xx")
