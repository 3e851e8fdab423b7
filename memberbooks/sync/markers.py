"""The memberbooks marker in a QuickBooks document's PrivateNote.

After a crash or a timeout memberbooks may not know whether QuickBooks stored a
document. The requestid replay answers that for 24 hours or so; the marker
answers it for ever: a document found by DocNumber whose PrivateNote carries
this organisation's marker for this MMS document is ours, already sent. One
found without it is someone else's, and the number collides.
"""

import re

PREFIX = "memberbooks"
PATTERN = re.compile(r"\[memberbooks ([a-z0-9-]+) ([a-z_]+) (\d+)\]")


def marker(org_slug: str, doc_type: str, doc_id: int) -> str:
    """The text put at the end of PrivateNote (QuickBooks allows 4000 characters)."""
    return f"[{PREFIX} {org_slug} {doc_type} {doc_id}]"


def owner(private_note: str) -> tuple[str, str, int] | None:
    """(org slug, doc type, doc id) of the marker in `private_note`, or None."""
    found = PATTERN.search(private_note or "")
    if found is None:
        return None
    return found.group(1), found.group(2), int(found.group(3))


def note_with_marker(text: str, org_slug: str, doc_type: str, doc_id: int) -> str:
    """`text` (the memo) followed by the marker, cut so the whole stays within 4000 characters."""
    tag = marker(org_slug, doc_type, doc_id)
    room = 4000 - len(tag) - 1
    return f"{text[:room]} {tag}".strip()
