"""YAML files are parsed safely, failures are one sentence."""

from __future__ import annotations

import pytest

from habitatmap.errors import ConfigError, LegendError
from habitatmap.io.yaml import MAX_YAML_BYTES, MAX_YAML_DEPTH, compose_yaml, parse_yaml, read_yaml


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
    with pytest.raises(ConfigError, match=r"evil\.yaml: the tag .*python/object/apply:os.* at line 1 is "
                                          r"not accepted"):
        read_yaml(p, what="site file", missing="-")
    assert not (tmp_path / "pwned").exists()


def test_aliases_are_refused_before_they_expand(tmp_path):
    """A 2.8 KB mapping file of nested aliases made a 73 MB GeoPackage; aliases are refused."""
    levels = ["a0: &a0 [" + ",".join(["x"] * 10) + "]"]
    levels += [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text("\n".join(levels) + "\n", encoding="utf-8")
    assert bomb.stat().st_size < 3000
    with pytest.raises(ConfigError, match=r"bomb\.yaml: an anchor \(&a0\) at line 1 is not accepted"):
        read_yaml(bomb, what="mapping file", missing="-")
    with pytest.raises(ConfigError, match=r"an alias \(\*x\) at line 2"):
        parse_yaml("a: 1\nb: *x\n", where="f.yaml")


def test_depth_size_and_folders_are_bounded(tmp_path):
    with pytest.raises(ConfigError, match=f"nesting deeper than {MAX_YAML_DEPTH} levels"):
        parse_yaml("[" * (MAX_YAML_DEPTH + 1) + "]" * (MAX_YAML_DEPTH + 1), where="deep.yaml")
    assert parse_yaml("[" * 10 + "]" * 10, where="ok.yaml") == [[[[[[[[[[]]]]]]]]]]
    big = tmp_path / "big.yaml"
    with big.open("wb") as f:
        f.truncate(MAX_YAML_BYTES + 1)
    with pytest.raises(ConfigError, match="more than a legend file can be"):
        read_yaml(big, what="legend file", missing="-")
    with pytest.raises(ConfigError, match="is a folder, not a legend file; pass a file"):
        read_yaml(tmp_path, what="legend file", missing="pass a file")


def test_messages_quote_a_short_prefix_only():
    with pytest.raises(ConfigError) as info:
        parse_yaml("x: !" + "A" * 100_000 + " 1\n", where="t.yaml")
    assert len(str(info.value)) < 300


def test_plain_yaml(tmp_path):
    p = tmp_path / "ok.yaml"
    p.write_text("a: 1\nb: [x, y]\nname: 豹\n", encoding="utf-8")
    assert read_yaml(p, what="file", missing="-") == {"a": 1, "b": ["x", "y"], "name": "豹"}


def test_compose_yaml_keeps_lines_and_refuses_aliases():
    node = compose_yaml("a: 1\nb:\n  c: 2\n")
    (_, _), (kb, vb) = node.value
    assert kb.value == "b" and vb.value[0][0].start_mark.line == 2
    with pytest.raises(Exception, match=r"an (alias|anchor)"):
        compose_yaml("a: &x 1\nb: *x\n")
