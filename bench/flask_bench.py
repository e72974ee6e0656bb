"""Times real Flask's session interface on the benchmark's requests.

    python3 flask_bench.py [--repeat 5] [--seconds 1]   # what benchtable runs
    python3 flask_bench.py --seed                       # the seed cookie only

The Flask app has the Go rows' secret key and cookie name ("session"), and
its seed session is theirs: username, visits, a cart of three strings and
last_seen (a datetime), signed by Flask's own save_session. Each scenario
is what the Go handlers do with it:

    modify     open the cookie, read every key, visits += 1, save
               (Set-Cookie written)
    read-only  open the cookie, read every key, save (no cookie written)

Only the session interface is timed: app.session_interface.open_session
(app, request), the reads and writes, and save_session(app, session,
response), called directly, as Flask calls them on every request. The
requests come from app.test_request_context with the seed cookie in a Cookie
header; each operation gets a request whose cookies were never parsed, and a
new response, both made before the clock starts. No WSGI round trip: no
routing, no view, no response iteration. The Go rows carry their middleware
and an httptest recorder besides, so the ratio understates the difference.

Each scenario runs --repeat times for about --seconds each (timeit, with
timeit's default of the garbage collector off while timing); the best run
is printed, as lines benchtable parses:

    flask <version> itsdangerous <version> werkzeug <version> python <version>
    seed session=<value>
    modify <ns> ns/op <bytes> cookie-B
    read-only <ns> ns/op

cookie-B is the size of the name=value the modifying save set, as the Go
rows report it. Any check that fails (a cookie Flask did not open to the
seed data, a Set-Cookie where there should be none or missing where there
should be one) exits non-zero before anything is timed.
"""

import argparse
import platform
import sys
import timeit
from datetime import datetime, timezone
from importlib.metadata import version

from flask import Flask

# The Go rows' key (bench's hashKey) and seed data (seedName, seedVisit,
# seedCart, seedSeen in systems_test.go).
SECRET_KEY = "bench-hash-key-0123456789abcdef-0123456789"
COOKIE_NAME = "session"
SEED = {
    "username": "alice",
    "visits": 41,
    "cart": ["sku-1001", "sku-2002", "sku-3003"],
    "last_seen": datetime(2026, 11, 22, 9, 30, 0, tzinfo=timezone.utc),
}


def make_app():
    app = Flask(__name__)
    app.secret_key = SECRET_KEY
    app.config["SESSION_COOKIE_NAME"] = COOKIE_NAME
    return app


def set_cookies(response):
    return response.headers.getlist("Set-Cookie")


def seed_cookie(app):
    """The seed session, signed by Flask's save_session: the Cookie header's
    name=value."""
    si = app.session_interface
    with app.test_request_context("/"):
        from flask import request

        session = si.open_session(app, request)
        session.update(SEED)
        response = app.response_class()
        si.save_session(app, session, response)
    (header,) = set_cookies(response)
    return header.split(";", 1)[0]


def modify(si, app, request, response):
    session = si.open_session(app, request)
    use(session["username"], session["visits"], session["cart"], session["last_seen"])
    session["visits"] += 1
    si.save_session(app, session, response)


def read_only(si, app, request, response):
    session = si.open_session(app, request)
    use(session["username"], session["visits"], session["cart"], session["last_seen"])
    si.save_session(app, session, response)


sink = 0


def use(name, visits, cart, seen):
    """What the Go handlers' use does, so that every value is read."""
    global sink
    sink += len(name) + visits + len(cart) + seen.second


SCENARIOS = {"modify": modify, "read-only": read_only}


class Bench:
    def __init__(self, app, cookie):
        self.app = app
        self.si = app.session_interface
        self.ctx = app.test_request_context("/", headers={"Cookie": cookie})
        self.environ = self.ctx.request.environ

    def pairs(self, n):
        """n requests with the seed cookie, each still to parse its cookies
        (as open_session finds every request), and n new responses."""
        rc, rs, env = self.app.request_class, self.app.response_class, self.environ
        return [(rc(dict(env)), rs()) for _ in range(n)]

    def check(self, name, fn):
        (request, response), = self.pairs(1)
        fn(self.si, self.app, request, response)
        got = set_cookies(response)
        if name == "modify":
            if len(got) != 1:
                sys.exit(f"modify: {len(got)} Set-Cookie headers, want 1")
            value = got[0].split(";", 1)[0]
            env = dict(self.environ, HTTP_COOKIE=value)
            session = self.si.open_session(self.app, self.app.request_class(env))
            want = dict(SEED, visits=SEED["visits"] + 1)
            if dict(session) != want:
                sys.exit(f"modify: the saved session is {dict(session)!r}, want {want!r}")
            return len(value)
        if got:
            sys.exit(f"{name}: Set-Cookie {got!r} on a read-only request")
        return 0

    def time(self, fn, repeat, seconds):
        """ns/op of fn, the best of repeat runs of about seconds each."""
        si, app = self.si, self.app
        batch = []

        def setup():
            batch[:] = self.pairs(number)
            batch.reverse()

        def op():
            request, response = batch.pop()
            fn(si, app, request, response)

        # Size the runs on a short one, as timeit's autorange does.
        number = 200
        timer = timeit.Timer(op, setup)
        per_op = min(timer.repeat(repeat=3, number=number)) / number
        number = max(100, int(seconds / per_op))
        best = min(timer.repeat(repeat=repeat, number=number))
        return best / number * 1e9


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=5, help="runs per scenario; the best is printed")
    ap.add_argument("--seconds", type=float, default=1.0, help="about how long each run takes")
    ap.add_argument("--seed", action="store_true", help="print the seed cookie and stop")
    args = ap.parse_args()

    app = make_app()
    cookie = seed_cookie(app)
    if args.seed:
        print(cookie)
        return

    bench = Bench(app, cookie)
    with bench.ctx:
        # The seed cookie opens to the seed data.
        opened = dict(bench.si.open_session(app, bench.ctx.request))
        if opened != SEED:
            sys.exit(f"the seed cookie opened to {opened!r}, want {SEED!r}")
        sizes = {name: bench.check(name, fn) for name, fn in SCENARIOS.items()}
        results = {name: bench.time(fn, args.repeat, args.seconds) for name, fn in SCENARIOS.items()}

    print(
        f"flask {version('flask')} itsdangerous {version('itsdangerous')} "
        f"werkzeug {version('werkzeug')} python {platform.python_implementation()}-{platform.python_version()}"
    )
    print(f"seed {cookie}")
    for name, ns in results.items():
        line = f"{name} {ns:.0f} ns/op"
        if sizes[name]:
            line += f" {sizes[name]} cookie-B"
        print(line)


if __name__ == "__main__":
    main()
