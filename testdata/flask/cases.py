"""The sessions of the vectors, as a Flask view would make them.

make_vectors.py signs each with real Flask; check_go_cookies.py compares
what Flask reads from Go's cookies with the same sessions. Each case is a
function run inside a request context, given Flask's session.
"""

import uuid
from datetime import datetime, timezone

from flask import flash
from markupsafe import Markup

# The keys every vector opens under: SECRET_KEY and SECRET_KEY_FALLBACKS.
KEY = "flask-vectors-current-key-0123456789abcdef"
FALLBACKS = [
    "flask-vectors-previous-key-0123456789abcdef",
    "flask-vectors-oldest-key-0123456789abcdef",
]

# The Unix time every vector is signed at (shared/FLASK.md's).
TIMESTAMP = 1700000000


def plain(s):
    s["username"] = "alice"
    s["user_id"] = 42


def permanent(s):
    s["username"] = "alice"
    s.permanent = True


def flashes(s):
    flash("You were logged in")
    flash("Bad password", "error")


def raw_bytes(s):
    s["avatar"] = b"\x00\x01\x02\xfe\xffGIF89a"


def a_uuid(s):
    s["token"] = uuid.UUID("6ba7b810-9dad-11d1-80b4-00c04fd430c8")


def a_datetime(s):
    s["last_seen"] = datetime(2015, 10, 21, 7, 28, 0, tzinfo=timezone.utc)


def a_tuple(s):
    s["point"] = (3, -4)


def tag_escaped_dict(s):
    # A dict of one key that is a tag key is escaped as {" di": {" t__": ...}}.
    s["prefs"] = {" t": "not a tuple"}


def markup(s):
    s["bio"] = Markup("<b>Zoë</b> &amp; co")


def compressed(s):
    s["note"] = "the same words again and again; " * 120


def non_ascii(s):
    s["username"] = "Zoë 😀 Ünïcödé \u2028 <script>&\"\\"


def nested(s):
    s["tags"] = ["a", "b", "ü"]
    s["prefs"] = {"theme": "dark", "lang": "fr"}


def everything(s):
    plain(s)
    raw_bytes(s)
    a_uuid(s)
    a_datetime(s)
    a_tuple(s)
    nested(s)
    markup(s)
    s["visits"] = 7
    flash("Welcome back", "info")
    s.permanent = True


# name -> (the session, the key it is signed with)
CASES = {
    "plain": (plain, KEY),
    "permanent": (permanent, KEY),
    "flashes": (flashes, KEY),
    "bytes": (raw_bytes, KEY),
    "uuid": (a_uuid, KEY),
    "datetime": (a_datetime, KEY),
    "tuple": (a_tuple, KEY),
    "tag_escaped_dict": (tag_escaped_dict, KEY),
    "markup": (markup, KEY),
    "compressed": (compressed, KEY),
    "non_ascii": (non_ascii, KEY),
    "nested": (nested, KEY),
    "everything": (everything, KEY),
    "fallback": (plain, FALLBACKS[0]),
    "older_fallback": (everything, FALLBACKS[1]),
}
