"""``CharMap``: the replace-per-character table gives what ``str.translate`` gives."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipelines import arabic
from pipelines.arabic import CharMap
from pipelines.dates import lexicon

# The folding tables' own characters, plus letters they leave alone, spaces and digits.
ALPHABET = "أإآٱىئیؤةکھ،؛؟٫–—٠١٢٣٩۰۵۹ابتثجحخدهوي abcXYZ019.,-"


@given(st.text(alphabet=ALPHABET, max_size=200))
def test_charmap_equals_translate(text: str) -> None:
    for table in (arabic._FOLD, arabic._DIGITS, lexicon._LETTER_FOLD):
        as_translate = str.maketrans(dict(table.pairs))
        assert table(text) == text.translate(as_translate)


@given(st.text(max_size=100))
def test_charmap_leaves_unmapped_text_alone(text: str) -> None:
    table = CharMap({"أ": "ا"})
    assert table(text) == text.replace("أ", "ا")


def test_charmap_refuses_chains_and_long_keys() -> None:
    # Applied one after another, a replacement holding a mapped character would be
    # folded again, which str.translate never does.
    with pytest.raises(ValueError, match="holds a mapped character"):
        CharMap({"أ": "ا", "ا": "b"})
    with pytest.raises(ValueError, match="single characters"):
        CharMap({"ab": "c"})


def test_fold_text_folds_letter_variants_and_digits() -> None:
    assert arabic.fold_text("إدلبُ، ٢٥ آذار") == "ادلب, 25 اذار"
