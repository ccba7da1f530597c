"""Form pieces of the web kit: the lean widgets write the markup WTForms' widgets write."""

from __future__ import annotations

from datetime import date

import pytest
from markupsafe import Markup
from wtforms import DateField, Form, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import DateInput, Select, TextArea, TextInput, html_params

from koalicje.web import forms
from koalicje.web.forms import LeanDateInput, LeanSelect, LeanTextArea, LeanTextInput

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


@pytest.mark.parametrize("params", [
    {},
    {"name": "q", "id": "q", "value": 'a "b" <c> & \'d\''},
    {"value": Markup('<b class="x">ja</b>'), "class_": "wide", "for_": "f"},
    {"required": True, "disabled": False, "maxlength": 500, "data_hx_target": "#x",
     "aria_describedby": "a-hint", "aria-invalid": "true", "hx-get": "/x?a=1&b=2"},
    {"value": None, "step": 0, "min": 1.5, "checked": True, "odd<key>": "v"},
])
def test_html_params_writes_what_wtforms_writes(params):
    assert forms.html_params(**params) == html_params(**params)
    assert isinstance(forms.html_params(**params), Markup)


def _fields(widgets):
    text, date_, area, select = widgets

    class Fields(Form):
        title = StringField(validators=[DataRequired(), Length(max=120)], widget=text)
        free = StringField(validators=[Optional()], widget=text)
        due = DateField(validators=[InputRequired()], widget=date_)
        notes = TextAreaField(validators=[Length(min=2, max=5000)], widget=area)
        pick = SelectField(choices=[SelectChoice("a", "A"), SelectChoice("b", "B & co")], widget=select,
                           render_kw={"required": False})
        grouped = SelectField(choices=[SelectChoice("x", "X", optgroup="One"),
                                       SelectChoice("y", "Y", optgroup="Two")], widget=select)
    return Fields


LEAN = _fields((LeanTextInput(), LeanDateInput(), LeanTextArea(), LeanSelect()))
PLAIN = _fields((TextInput(), DateInput(), TextArea(), Select()))


@pytest.mark.parametrize("data", [
    None,
    {"title": 'Anna "Ania" <Nowak>', "free": "", "due": date(2026, 11, 30),
     "notes": "linia 1\n<script>x</script> & ok", "pick": "b", "grouped": "y"},
])
@pytest.mark.parametrize("extra", [{}, {"aria-invalid": "true", "aria-describedby": "e"},
                                   {"class_": "big", "required": False}])
def test_lean_widgets_render_exactly_what_wtforms_renders(data, extra):
    lean, plain = LEAN(data=data), PLAIN(data=data)
    for name in ("title", "free", "due", "notes", "pick", "grouped"):
        assert str(lean[name](**extra)) == str(plain[name](**extra)), name
    assert 'maxlength="120"' in str(lean.title()) and " required " in str(lean.title())


def test_options_by_selected_marks_the_one_selected_value():
    options = forms.options_by_selected([("a", "A"), ("b&c", 'B "&" C')])
    assert list(options) == ["", "a", "b&c"]
    assert options[""] == ('<option value="a">A</option>'
                           '<option value="b&amp;c">B &#34;&amp;&#34; C</option>')
    assert options["b&c"] == ('<option value="a">A</option>'
                              '<option value="b&amp;c" selected>B &#34;&amp;&#34; C</option>')
    assert isinstance(options["a"], Markup) and options["a"].count(" selected") == 1
