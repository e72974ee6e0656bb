"""The Flask sessions tutorial, for the live interop test with examples/login.

    python3 app.py <port> <secret> [fallbacks...]

Serves on 127.0.0.1:<port> (0: a free port) and prints
"listening on http://127.0.0.1:<port>" once it accepts connections. The
routes are examples/login's: / shows the flash messages once and "Logged in
as NAME" or "You are not logged in"; POST /login takes the form field
username; POST /logout; GET /counter counts visits. SECRET_KEY is <secret>,
SECRET_KEY_FALLBACKS the rest; every other setting is Flask's default (the
cookie "session", path /, HttpOnly, not Secure).
"""

import sys

from flask import Flask, flash, get_flashed_messages, redirect, request, session
from markupsafe import escape
from werkzeug.serving import make_server

app = Flask(__name__)


@app.get("/")
def index():
    out = [
        f'<p class="flash {escape(category)}">{escape(message)}</p>'
        for category, message in get_flashed_messages(with_categories=True)
    ]
    if "username" in session:
        out.append(f"Logged in as {escape(session['username'])}")
    else:
        out.append("You are not logged in")
    return "\n".join(out) + "\n"


@app.post("/login")
def login():
    session["username"] = request.form["username"]
    flash("You were logged in")
    return redirect("/", 303)


@app.post("/logout")
def logout():
    session.pop("username", None)
    flash("You were logged out")
    return redirect("/", 303)


@app.get("/counter")
def counter():
    session["visits"] = session.get("visits", 0) + 1
    return f"Number of visits: {session['visits']}\n"


def main():
    port, secret, fallbacks = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
    app.secret_key = secret
    app.config["SECRET_KEY_FALLBACKS"] = fallbacks
    server = make_server("127.0.0.1", port, app, threaded=True)
    print(f"listening on http://127.0.0.1:{server.server_port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
