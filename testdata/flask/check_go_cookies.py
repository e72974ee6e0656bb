"""Reads session cookies made by Go in Flask and compares each with the
session of cases.py it stands for.

    echo '{"cookies": {"plain": "eyJ...", ...}}' | python3 check_go_cookies.py

Each cookie goes to a real Flask app (SECRET_KEY = cases.KEY,
SECRET_KEY_FALLBACKS = cases.FALLBACKS, the clock at cases.TIMESTAMP) in a
request's Cookie header; the view returns dict(session), which must equal
the case's session. Go writes lists where Python had tuples (Go has no
tuple type), except in _flashes, so tuples are compared as lists elsewhere.
Prints one line per cookie; exits 1 if any differs.
"""

import json
import sys

import itsdangerous.timed
from flask import Flask, session
from markupsafe import Markup

import cases


def normal(v, top=True):
    """v with tuples as lists (but the (category, message) pairs of
    _flashes, which must stay tuples) and Markup as plain text."""
    if isinstance(v, dict):
        return {k: (flash_list(x) if top and k == "_flashes" else normal(x, False)) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [normal(x, False) for x in v]
    if isinstance(v, Markup):
        return str(v)
    return v


def flash_list(v):
    return [("tuple" if isinstance(f, tuple) else type(f).__name__, normal(list(f), False)) for f in v]


def expected(app, make):
    with app.test_request_context():
        make(session)
        return dict(session)


def main():
    itsdangerous.timed.TimestampSigner.get_timestamp = lambda self: cases.TIMESTAMP
    given = json.load(sys.stdin)["cookies"]
    app = Flask(__name__)
    app.secret_key = cases.KEY
    app.config["SECRET_KEY_FALLBACKS"] = cases.FALLBACKS

    @app.get("/")
    def view():
        return {"new": session.new, "repr": repr(dict(session))}

    failed = 0
    client = app.test_client()
    for name, value in given.items():
        make, _ = cases.CASES[name]
        client.set_cookie("session", value)
        with client:
            client.get("/")
            got = dict(session)
        want = expected(app, make)
        ok = normal(got) == normal(want) and got != {}
        failed += not ok
        line = {"name": name, "ok": ok}
        if not ok:
            line.update(got=repr(got), want=repr(want))
        print(json.dumps(line))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
