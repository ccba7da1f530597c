"""Form pieces of the web kit: LeanSelect writes the markup WTForms' Select writes."""

from __future__ import annotations

import pytest
from wtforms import Form, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import Select

from koalicje.web.forms import LeanSelect

CHOICES = [
    SelectChoice(0, "—"),
    SelectChoice(7, 'Anna "Ania" <Nowak> & syn'),
    SelectChoice(12, "Łucja Żak"),
    SelectChoice("a&b", ""),  # no label: the value is shown
    SelectChoice(True, "tak"),
]


class Both(Form):
    lean = SelectField(coerce=str, choices=CHOICES, widget=LeanSelect())
    plain = SelectField(coerce=str, choices=CHOICES, widget=Select())
    lean_kw = SelectField(coerce=str, widget=LeanSelect(),
                          choices=[SelectChoice("x", "X", {"disabled": True}), SelectChoice("y", "Y")])
    plain_kw = SelectField(coerce=str, widget=Select(),
                           choices=[SelectChoice("x", "X", {"disabled": True}), SelectChoice("y", "Y")])


@pytest.mark.parametrize("selected", [None, "0", "7", "a&b", "True"])
def test_lean_select_renders_exactly_what_select_renders(selected):
    form = Both(data={"lean": selected, "plain": selected, "lean_kw": "y", "plain_kw": "y"})
    lean = str(form.lean(**{"aria-invalid": "true"})).replace('"lean"', '"X"')
    plain = str(form.plain(**{"aria-invalid": "true"})).replace('"plain"', '"X"')
    assert lean == plain
    assert "&lt;Nowak&gt; &amp; syn" in lean and ">a&amp;b</option>" in lean
    shown = (selected or "").replace("&", "&amp;")
    assert (f'<option selected value="{shown}"' in lean) == (selected is not None)
    # options with their own attributes go through WTForms' own rendering
    assert str(form.lean_kw()).replace('"lean_kw"', '"X"') == str(form.plain_kw()).replace(
        '"plain_kw"', '"X"')
