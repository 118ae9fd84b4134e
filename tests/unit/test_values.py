"""Values from users and files: finite numbers in range, short quotes, expected structures."""

from __future__ import annotations

import pytest

from habitatmap.errors import CatalogError, ConfigError
from habitatmap.values import (
    MAX_QUOTE,
    expect_mapping,
    expect_sequence,
    expect_text,
    field_path,
    number,
    quote,
)


def test_quote_keeps_messages_short_and_on_one_line():
    assert quote("abc") == "'abc'"
    assert quote(3.5) == "3.5"
    long = quote("x" * 10_000)
    assert long.startswith("'xxx") and long.endswith("…'") and len(long) <= MAX_QUOTE + 3
    assert "\n" not in quote("a\nb\tc") and quote("a\nb") == "'a b'"
    assert len(quote(list(range(10_000)))) <= MAX_QUOTE + 1


@pytest.mark.parametrize(("value", "expected"), [("30", 30.0), (" 1e-3 ", 0.001), (7, 7), (2.5, 2.5)])
def test_number_accepts_finite_numbers_and_text(value, expected):
    assert number(value, what="x") == expected


@pytest.mark.parametrize(("value", "kwargs", "message"), [
    ("nan", {}, "which is not a finite number"),
    (float("inf"), {}, "which is not a finite number"),
    ("-inf", {}, "which is not a finite number"),
    ("1e999", {}, "which is not a finite number"),
    ("abc", {}, "must be a finite number"),
    (True, {}, "must be a finite number"),
    ([1], {}, "must be a finite number"),
    (None, {}, "must be a finite number"),
    (-1, {"minimum": 0}, "out of range; give a finite number at least 0"),
    (0, {"minimum": 0, "min_open": True}, "out of range; give a finite number above 0"),
    (101, {"maximum": 100}, "at most 100"),
    (1, {"maximum": 1, "max_open": True}, "below 1"),
    (2.5, {"integer": True}, "must be a whole number"),
])
def test_number_refuses_with_one_sentence(value, kwargs, message):
    with pytest.raises(ConfigError, match=message) as info:
        number(value, what="--x", where="f.yaml", **kwargs)
    text = str(info.value)
    assert text.startswith("f.yaml: --x") and text.endswith(".") and "; " in text


def test_number_integer_and_error_class():
    assert number("3", what="n", integer=True) == 3 and isinstance(number(3.0, what="n", integer=True), int)
    with pytest.raises(CatalogError):
        number("x", what="scale", error=CatalogError)


def test_expect_structures():
    assert expect_mapping({"a": 1}, what="m", where="f") == {"a": 1}
    with pytest.raises(ConfigError, match="f: m must be a mapping"):
        expect_mapping([1, 2], what="m", where="f")
    with pytest.raises(ConfigError, match="is not a name"):
        expect_mapping({(1, 2): 1}, what="m", where="f")
    assert expect_sequence([1], what="s", where="f") == [1]
    with pytest.raises(ConfigError, match="must be a list"):
        expect_sequence("abc", what="s", where="f")
    assert expect_text(12, what="t", where="f") == "12"
    with pytest.raises(ConfigError, match="must be text"):
        expect_text({"a": 1}, what="t", where="f")
    with pytest.raises(ConfigError, match="characters long"):
        expect_text("x" * 20, what="t", where="f", max_length=10)


def test_field_path_keeps_odd_keys_on_one_line():
    assert field_path(("site", "composites", "summer", "months")) == "site.composites.summer.months"
    assert "\n" not in field_path(("composites", "\n", 0)) and field_path(("a b",)) == "'a b'"
    assert len(field_path(("a", "x" * 500))) < 60


def test_validation_problem_is_one_short_line():
    from pydantic import BaseModel, ValidationError

    from habitatmap.values import validation_problem

    class Doc(BaseModel):
        n: int

    with pytest.raises(ValidationError) as err:
        Doc.model_validate({"n": "x" * 500})
    text = validation_problem(err.value, "site.")
    assert text.startswith("site.n: input should be a valid integer") and "\n" not in text and len(text) < 200
    with pytest.raises(ValidationError) as err:
        Doc.model_validate({})
    assert validation_problem(err.value) == "n: field required"
