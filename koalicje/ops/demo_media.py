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
    (9, 12, "Po powrocie nagranie wznowi się w miejscu, w którym skończyłeś."),
]

PLACEHOLDER_DOCUMENTS = {
    "partnerstwa-dla-bibliotek.pdf": "Partnerstwa dla bibliotek. Materialy informacyjno-edukacyjne",
    "standardy-wsparcia-bibliotek-wiodacych.pdf":
        "Standardy wsparcia Bibliotek Wiodacych przy zawiazywaniu partnerstw lokalnych",
    "standardy-wsparcia-partnerstw-i-ii-runda.pdf":
        "Standardy wsparcia partnerstw bibliotek I i II rundy PRB",
    "scenariusz-spotkania-badawczego.pdf": "Ramowy scenariusz partnerskiego spotkania badawczego",
    "propozycje-warsztatow.pdf": "Propozycje warsztatow dla partnerstw bibliotek I i II rundy PRB",
    "przepis-na-wspolprace-w-bibliotece.pdf":
        "Przepis na wspolprace w bibliotece. Poradnik praktyk i inspiracji",
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


def simple_pdf(lines: list[str]) -> bytes:
    """A one-page PDF with a few lines of ASCII text (Helvetica), valid and small."""
    def escape(text: str) -> str:
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    stream_lines = ["BT", "/F1 14 Tf", "72 770 Td", "18 TL"]
    for line in lines:
        stream_lines.append(f"({escape(line)}) Tj T*")
    stream_lines.append("ET")
    stream = "\n".join(stream_lines).encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
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
            "Partnerskie spotkanie badawcze - sciaga (material demonstracyjny)",
            "",
            "1. Zaproscie osoby z roznych srodowisk gminy.",
            "2. Zacznijcie od pytania: czego potrzebuja mieszkancy?",
            "3. Zbierzcie pomysly, a potem wybierzcie jeden do wspolnej pracy.",
            "4. Ustalcie, kto co robi i kiedy sie znowu spotykacie.",
        ]))
    for name, title in PLACEHOLDER_DOCUMENTS.items():
        if path := missing(name):
            path.write_bytes(simple_pdf([
                title, "", "Plik zastepczy wygenerowany dla wersji demonstracyjnej.",
                "Placeholder generated for the demo; the real document is not included.",
            ]))
    return written
