"""Makes vectors.json with real Flask: Flask's session cookies for the
sessions of cases.py, signed at a fixed time, and the tagged JSON inside.

    python3 testdata/flask/make_vectors.py > testdata/flask/vectors.json

Each cookie is what Flask sends in Set-Cookie after a view made the
session (SecureCookieSessionInterface.save_session), with the clock fixed
at cases.TIMESTAMP. The Go test reads each through a generated session
type; check_go_cookies.py reads Go's back in Flask.
"""

import base64
import json
import sys
import zlib
from importlib.metadata import version

import itsdangerous.timed
from flask import Flask, session

import cases


def fixed_clock(ts):
    itsdangerous.timed.TimestampSigner.get_timestamp = lambda self: ts


def cookie_of(name, make, key):
    app = Flask(__name__)
    app.secret_key = key

    @app.get("/")
    def view():
        make(session)
        return ""

    resp = app.test_client().get("/")
    (header,) = resp.headers.getlist("Set-Cookie")
    value = header.split(";", 1)[0].split("=", 1)[1]
    return value


def payload_json(value):
    """The JSON inside a cookie value, and whether it was compressed."""
    payload = value.rsplit(".", 2)[0]
    compressed = payload.startswith(".")
    raw = base64.urlsafe_b64decode(payload.lstrip(".") + "=" * (-len(payload.lstrip(".")) % 4))
    if compressed:
        raw = zlib.decompress(raw)
    return raw.decode("ascii"), compressed


def main():
    fixed_clock(cases.TIMESTAMP)
    vectors = []
    for name, (make, key) in cases.CASES.items():
        value = cookie_of(name, make, key)
        js, compressed = payload_json(value)
        vectors.append(
            {
                "name": name,
                "signed_with": key,
                "cookie": value,
                "json": js,
                "compressed": compressed,
            }
        )
    out = {
        "made_by": {p: version(p) for p in ("flask", "itsdangerous", "werkzeug")},
        "timestamp": cases.TIMESTAMP,
        "key": cases.KEY,
        "fallbacks": cases.FALLBACKS,
        "vectors": vectors,
    }
    json.dump(out, sys.stdout, indent=1, ensure_ascii=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
