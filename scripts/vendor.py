"""Copy third-party front-end files from node_modules to static/vendor/ with hashed names."""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FILES = {
    "htmx.min.js": "node_modules/htmx.org/dist/htmx.min.js",
    "pico.min.css": "node_modules/@picocss/pico/css/pico.min.css",
}


def main() -> int:
    target = ROOT / "static" / "vendor"
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    manifest = {}
    for name, source in FILES.items():
        path = ROOT / source
        if not path.exists():
            print(f"missing {source}: run `npm ci` first", file=sys.stderr)
            return 1
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
        stem, dot, ext = name.partition(".")
        hashed = f"{stem}.{digest}.{ext}"
        shutil.copyfile(path, target / hashed)
        manifest[name] = hashed
    (target / "manifest.json").write_text(json.dumps(manifest, indent=2))
    print(f"static/vendor: {', '.join(sorted(manifest.values()))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
