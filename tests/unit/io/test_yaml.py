"""YAML files are parsed safely, failures are one sentence."""

from __future__ import annotations

import pytest

from habitatmap.errors import ConfigError, LegendError
from habitatmap.io.yaml import read_yaml


def test_read_yaml_errors_are_one_sentence(tmp_path):
    with pytest.raises(ConfigError, match=r"x\.yaml: mapping file not found; start here"):
        read_yaml(tmp_path / "x.yaml", what="mapping file", missing="start here")
    bad = tmp_path / "bad.yaml"
    bad.write_text("a: [1, 2\nb: 3\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"invalid YAML at line \d"):
        read_yaml(bad, what="mapping file", missing="-")
    cp = tmp_path / "cp.yaml"
    cp.write_bytes("id: тест\n".encode("cp1251"))
    with pytest.raises(LegendError, match="legend file is not UTF-8 text"):
        read_yaml(cp, what="legend file", missing="-", error=LegendError)


def test_python_tags_are_not_executed(tmp_path):
    p = tmp_path / "evil.yaml"
    p.write_text("x: !!python/object/apply:os.system ['touch pwned']\n")
    with pytest.raises(ConfigError, match="invalid YAML"):
        read_yaml(p, what="site file", missing="-")
    assert not (tmp_path / "pwned").exists()


def test_plain_yaml(tmp_path):
    p = tmp_path / "ok.yaml"
    p.write_text("a: 1\nb: [x, y]\nname: 豹\n", encoding="utf-8")
    assert read_yaml(p, what="file", missing="-") == {"a": 1, "b": ["x", "y"], "name": "豹"}
