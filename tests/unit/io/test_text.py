"""Text and JSON inputs."""

from __future__ import annotations

import gzip

import pytest

from habitatmap.errors import CatalogError, InputDataError
from habitatmap.io import text as text_mod
from habitatmap.io.text import MAX_TEXT_BYTES, read_json, read_text


def test_read_text_plain_and_gzipped(tmp_path):
    (tmp_path / "a.txt").write_text("1 2 3\n", encoding="utf-8")
    (tmp_path / "b.txt.gz").write_bytes(gzip.compress(b"1 2 3\n"))
    assert read_text(tmp_path / "a.txt") == read_text(tmp_path / "b.txt.gz") == "1 2 3\n"


def test_read_text_errors(tmp_path, monkeypatch):
    with pytest.raises(InputDataError, match="not found"):
        read_text(tmp_path / "missing.txt")
    with pytest.raises(InputDataError, match=r"\(it is a folder\)"):
        read_text(tmp_path)
    (tmp_path / "c.txt").write_bytes("тест".encode("cp1251"))
    with pytest.raises(InputDataError, match="is not UTF-8 text"):
        read_text(tmp_path / "c.txt")
    (tmp_path / "d.txt.gz").write_bytes(b"not gzip")
    with pytest.raises(InputDataError, match="not a readable gzip file"):
        read_text(tmp_path / "d.txt.gz")
    monkeypatch.setattr(text_mod, "MAX_TEXT_BYTES", 4)
    (tmp_path / "e.txt").write_text("12345")
    with pytest.raises(InputDataError, match="more than the"):
        text_mod.read_text(tmp_path / "e.txt")
    assert MAX_TEXT_BYTES > 1 << 20


def test_read_json(tmp_path):
    (tmp_path / "a.json").write_text('{"a": [1, 2]}')
    assert read_json(tmp_path / "a.json") == {"a": [1, 2]}
    (tmp_path / "b.json").write_text('{"a": [1, 2}')
    with pytest.raises(CatalogError, match=r"not valid JSON \(line 1: .*\); pass the right file"):
        read_json(tmp_path / "b.json", what="items file", fix="pass the right file", error=CatalogError)


def test_parse_json_names_the_source():
    from habitatmap.io.text import parse_json

    assert parse_json(b'{"a": 1}', where="http://x/c.json") == {"a": 1}
    with pytest.raises(CatalogError, match=r"http://x/c.json: the catalog has NaN"):
        parse_json('{"a": NaN}', where="http://x/c.json", what="catalog", error=CatalogError)
    with pytest.raises(InputDataError, match="line 1"):
        parse_json("{", where="f")
