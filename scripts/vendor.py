"""Copy third-party front-end files from node_modules to static/vendor/ with hashed names,
and write brotli and gzip copies of every static text file to static/vendor/precompressed/
(served to browsers that accept them by koalicje/web/compression.py)."""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
import sys
from pathlib import Path

import brotli

ROOT = Path(__file__).resolve().parent.parent
FILES = {
    "htmx.min.js": "node_modules/htmx.org/dist/htmx.min.js",
    "pico.min.css": "node_modules/@picocss/pico/css/pico.min.css",
}


def main() -> int:
    target = ROOT / "static" / "vendor"
    missing = [source for source in FILES.values() if not (ROOT / source).exists()]
    if missing:  # before removing anything: a failed setup keeps the files it had
        print(f"missing {', '.join(missing)}: run `npm ci` first", file=sys.stderr)
        return 1
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    manifest = {}
    for name, source in FILES.items():
        path = ROOT / source
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
        stem, dot, ext = name.partition(".")
        hashed = f"{stem}.{digest}.{ext}"
        shutil.copyfile(path, target / hashed)
        manifest[name] = hashed
    (target / "manifest.json").write_text(json.dumps(manifest, indent=2))
    print(f"static/vendor: {', '.join(sorted(manifest.values()))}")
    precompress(ROOT / "static", target / "precompressed")
    return 0


COMPRESSED_SUFFIXES = (".css", ".js", ".svg", ".json", ".txt")


def precompress(static: Path, target: Path) -> None:
    """brotli -11 and gzip -9 copies of the static text files, at the same relative paths
    plus .br and .gz (made once at setup, so the strongest settings cost nothing later)."""
    for path in sorted(static.rglob("*")):
        if not path.is_file() or path.suffix not in COMPRESSED_SUFFIXES or target in path.parents:
            continue
        relative = path.relative_to(static)
        data = path.read_bytes()
        packed = target / (str(relative) + ".gz")
        packed.parent.mkdir(parents=True, exist_ok=True)
        packed.write_bytes(gzip.compress(data, compresslevel=9, mtime=0))
        packed.with_suffix(".br").write_bytes(
            brotli.compress(data, mode=brotli.MODE_TEXT, quality=11))


if __name__ == "__main__":
    sys.exit(main())
