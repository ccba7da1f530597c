"""The certificate as a PDF (fpdf2, pure Python), with a font that has Polish diacritics.

`render(texts, font_dir)` takes everything already in the reader's language, so it needs no
request and tests call it directly. DejaVu Sans comes from Debian's fonts-dejavu-core
(CERTIFICATE_FONT_DIR points elsewhere on other systems).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF

DEFAULT_FONT_DIR = "/usr/share/fonts/truetype/dejavu"


@dataclass
class CertificateTexts:
    """What the PDF says, already translated and formatted."""

    kicker: str
    certify: str
    name: str
    completed: str
    modules: list[str]
    issued: str  # "Data wydania: 25 listopada 2026"
    code_label: str
    code: str
    verify_label: str
    verify_url: str


def render(texts: CertificateTexts, font_dir: str | Path = DEFAULT_FONT_DIR) -> bytes:
    """An A4 landscape page: name, modules, date, verification code and its URL."""
    fonts = Path(font_dir)
    pdf = FPDF(orientation="landscape", format="A4")
    pdf.set_title(f"{texts.kicker}: {texts.name}")
    pdf.set_creator("Koalicje")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_font("DejaVu", "", str(fonts / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(fonts / "DejaVuSans-Bold.ttf"))
    pdf.add_page()
    pdf.set_draw_color(1, 114, 173)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, pdf.w - 20, pdf.h - 20)
    pdf.set_y(24)
    pdf.set_font("DejaVu", "", 12)
    pdf.set_text_color(90, 90, 90)
    pdf.cell(0, 8, texts.kicker.upper(), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    pdf.ln(4)
    pdf.cell(0, 8, texts.certify, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "B", 26)
    pdf.cell(0, 16, texts.name, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 12)
    pdf.set_x(30)
    pdf.multi_cell(pdf.w - 60, 7, texts.completed, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("DejaVu", "", 11)
    for number, title in enumerate(texts.modules, start=1):
        pdf.set_x(50)
        pdf.multi_cell(pdf.w - 100, 6, f"{number}. {title}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("DejaVu", "", 12)
    pdf.cell(0, 8, texts.issued, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "B", 14)
    pdf.cell(0, 9, f"{texts.code_label} {texts.code}", align="C", new_x="LMARGIN",
             new_y="NEXT")
    pdf.set_font("DejaVu", "", 10)
    pdf.cell(0, 7, f"{texts.verify_label} {texts.verify_url}", align="C",
             link=texts.verify_url, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
