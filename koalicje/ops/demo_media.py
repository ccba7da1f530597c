"""Demo files generated on this machine (no real recordings are available, none are committed).

`generate(upload_dir)` writes into UPLOAD_DIR/content/ a few-seconds WAV "recording", a
lighter 8 kHz rendition, WebVTT captions, a transcript, a handout and placeholder PDFs for
the documents the materials module lists. It only writes files that are missing, so running
it again changes nothing.
"""

from __future__ import annotations

import math
import struct
import wave
from pathlib import Path

from koalicje.learning.media import content_media_dir

RECORDING = "spotkanie-badawcze-demo.wav"
LIGHT = "spotkanie-badawcze-demo-lekka.wav"
CAPTIONS = "spotkanie-badawcze-demo.vtt"
TRANSCRIPT = "spotkanie-badawcze-demo.txt"
HANDOUT = "spotkanie-badawcze-sciaga.pdf"
SECONDS = 12

# (start, end, caption) — the captions and the transcript say the same.
CUES = [
    (0, 3, "To jest krótkie nagranie demonstracyjne modułu o spotkaniu badawczym."),
    (3, 6, "Prawdziwy film trwa szesnaście minut; tu słychać tylko kilka dźwięków."),
    (6, 9, "Odtwarzacz zapisuje, jaką część nagrania już odsłuchano."),
    (9, 12, "Po powrocie nagranie wznowi się tam, gdzie odsłuch został przerwany."),
]

PLACEHOLDER_DOCUMENTS = {
    "partnerstwa-dla-bibliotek.pdf": "Partnerstwa dla bibliotek. Materiały informacyjno-edukacyjne",
    "standardy-wsparcia-bibliotek-wiodacych.pdf":
        "Standardy wsparcia Bibliotek Wiodących przy zawiązywaniu partnerstw lokalnych",
    "standardy-wsparcia-partnerstw-i-ii-runda.pdf":
        "Standardy wsparcia partnerstw bibliotek I i II rundy PRB",
    "scenariusz-spotkania-badawczego.pdf": "Ramowy scenariusz partnerskiego spotkania badawczego",
    "propozycje-warsztatow.pdf": "Propozycje warsztatów dla partnerstw bibliotek I i II rundy PRB",
    "przepis-na-wspolprace-w-bibliotece.pdf":
        "Przepis na współpracę w bibliotece. Poradnik praktyk i inspiracji",
}


def write_wav(path: Path, *, rate: int, sample_width: int, seconds: int = SECONDS) -> None:
    """A short sequence of soft tones, one per second (C major arpeggio)."""
    notes = [261.63, 329.63, 392.0, 523.25]
    frames = bytearray()
    for second in range(seconds):
        frequency = notes[second % len(notes)]
        for i in range(rate):
            t = i / rate
            envelope = min(1.0, t * 20, (1 - t) * 20)
            value = 0.3 * envelope * math.sin(2 * math.pi * frequency * t)
            if sample_width == 1:
                frames.append(int(128 + 127 * value))
            else:
                frames += struct.pack("<h", int(32767 * value))
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(sample_width)
        out.setframerate(rate)
        out.writeframes(bytes(frames))


def _timestamp(seconds: int) -> str:
    return f"00:{seconds // 60:02d}:{seconds % 60:02d}.000"


def vtt_text() -> str:
    lines = ["WEBVTT", ""]
    for index, (start, end, text) in enumerate(CUES, 1):
        lines += [str(index), f"{_timestamp(start)} --> {_timestamp(end)}", text, ""]
    return "\n".join(lines)


def transcript_text() -> str:
    body = "\n\n".join(f"[{_timestamp(start)[3:8]}] {text}" for start, _, text in CUES)
    return "Transkrypcja nagrania demonstracyjnego\n\n" + body + "\n"


# Polish letters outside WinAnsi, put on unused codes of the font's encoding by glyph name.
# The standard Helvetica has these glyphs (Adobe's Latin character set), so any PDF reader
# draws them and text extraction gives them back; ó and Ó are in WinAnsi already.
POLISH_GLYPHS = {
    "ą": "aogonek", "ć": "cacute", "ę": "eogonek", "ł": "lslash", "ń": "nacute",
    "ś": "sacute", "ź": "zacute", "ż": "zdotaccent", "Ą": "Aogonek", "Ć": "Cacute",
    "Ę": "Eogonek", "Ł": "Lslash", "Ń": "Nacute", "Ś": "Sacute", "Ź": "Zacute",
    "Ż": "Zdotaccent",
}
FIRST_POLISH_CODE = 0xA1  # ¡ onwards: codes our texts do not use
POLISH_CODES = {char: FIRST_POLISH_CODE + i for i, char in enumerate(POLISH_GLYPHS)}


def pdf_text_bytes(text: str) -> bytes:
    """`text` in the placeholder font's encoding: WinAnsi plus the Polish letters."""
    out = bytearray()
    for char in text:
        if char in POLISH_CODES:
            out.append(POLISH_CODES[char])
        else:
            out += char.encode("cp1252", "replace")
    return bytes(out)


def simple_pdf(lines: list[str]) -> bytes:
    """A one-page PDF with a few lines of Polish text (Helvetica), valid and small."""
    def escape(data: bytes) -> bytes:
        return data.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")

    stream_lines = [b"BT", b"/F1 14 Tf", b"72 770 Td", b"18 TL"]
    for line in lines:
        stream_lines.append(b"(" + escape(pdf_text_bytes(line)) + b") Tj T*")
    stream_lines.append(b"ET")
    stream = b"\n".join(stream_lines)
    differences = " ".join(f"/{name}" for name in POLISH_GLYPHS.values())
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding << /Type /Encoding "
        b"/BaseEncoding /WinAnsiEncoding /Differences [%d %s] >> >>"
        % (FIRST_POLISH_CODE, differences.encode("ascii")),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)


def generate(upload_dir: str | Path) -> list[str]:
    """Write the demo files that are missing; return the names written."""
    folder = content_media_dir(upload_dir)
    folder.mkdir(parents=True, exist_ok=True)
    written = []

    def missing(name: str) -> Path | None:
        path = folder / name
        if path.exists():
            return None
        written.append(name)
        return path

    if path := missing(RECORDING):
        write_wav(path, rate=16000, sample_width=2)
    if path := missing(LIGHT):
        write_wav(path, rate=8000, sample_width=1)
    if path := missing(CAPTIONS):
        path.write_text(vtt_text(), encoding="utf-8")
    if path := missing(TRANSCRIPT):
        path.write_text(transcript_text(), encoding="utf-8")
    if path := missing(HANDOUT):
        path.write_bytes(simple_pdf([
            "Partnerskie spotkanie badawcze – ściąga (materiał demonstracyjny)",
            "",
            "1. Zaproście osoby z różnych środowisk gminy.",
            "2. Zacznijcie od pytania: czego potrzebują mieszkańcy?",
            "3. Zbierzcie pomysły, a potem wybierzcie jeden do wspólnej pracy.",
            "4. Ustalcie, kto co robi i kiedy się znowu spotykacie.",
        ]))
    for name, title in PLACEHOLDER_DOCUMENTS.items():
        if path := missing(name):
            path.write_bytes(simple_pdf([
                title, "", "Plik zastępczy wygenerowany dla wersji demonstracyjnej.",
                "Placeholder generated for the demo; the real document is not included.",
            ]))
    return written
