"""Fill the source-language (Polish) catalog: msgstr = msgid where it is empty.

Messages are written in Polish in the code, so the Polish catalog only needs real work for
plural forms (Polish has three); those are left for a person and reported.
"""

from __future__ import annotations

import sys

from babel.messages.pofile import read_po, write_po


def main(path: str) -> int:
    with open(path, "rb") as f:
        catalog = read_po(f, locale="pl")
    missing_plurals = []
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            strings = list(message.string) if message.string else []
            if not all(strings) or len(strings) < catalog.num_plurals:
                missing_plurals.append(message.id[0])
        elif not message.string:
            message.string = message.id
    with open(path, "wb") as f:
        write_po(f, catalog, sort_output=True, omit_header=False, no_location=True)
    for msgid in missing_plurals:
        print(f"pl: plural forms to write by hand: {msgid!r}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
