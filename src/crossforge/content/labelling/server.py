"""A small labelling page on loopback: one thread at a time, every label saved at once.

``LabellingSession`` holds one coder's file; ``make_server`` serves it on ``127.0.0.1``
only. Thread text is HTML-escaped and shown as text, and a Content-Security-Policy lets only
the page's own inline script (by nonce) run, so hostile HTML in a title or body stays inert.
Each label rewrites the coder's CSV through a temporary file and ``os.replace``: a crash
loses nothing, and reopening the page resumes at the first unlabelled thread. Writes need
the page's per-session token and a loopback ``Host``, so other web pages open in the same
browser cannot post labels or read the sample.
"""

from __future__ import annotations

import html
import secrets
import threading
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from crossforge.content.classify import TAXONOMY
from crossforge.content.labelling import (
    CODER_COLUMNS,
    SKIP,
    check_coder,
    coder_frame,
    coder_path,
    normalise_labels,
    read_csv,
    write_csv_atomically,
)
from crossforge.errors import ConfigError

HOST = "127.0.0.1"
#: The largest label form accepted: an id, a label and the page token are far smaller.
MAX_FORM_BYTES = 1 << 16


class LabellingSession:
    """One coder's labels of a sample, kept in memory and on disk.

    Args:
        sample: the sample file from ``crossforge label export``, or a coder file (one with
            a ``coder`` column), which is then labelled in place.
        coder: the coder's name; labels go to ``SAMPLE.CODER.csv`` (created from the sample
            when absent, resumed when present).
        classes: the taxonomy offered as buttons.
    """

    def __init__(self, sample: str | Path, coder: str,
                 classes: Sequence[str] = TAXONOMY) -> None:
        self.classes = list(classes)
        self.coder = check_coder(coder)
        frame = read_csv(sample, ["id", "platform", "repo", "number", "title", "body"])
        if "coder" in frame:
            if set(frame["coder"]) - {coder}:
                raise ConfigError(f"{sample} is the file of coder "
                                  f"{frame['coder'].iloc[0]!r}, not {coder!r}")
            self.path = Path(sample)
        else:
            self.path = coder_path(sample, coder)
            if self.path.exists():
                frame = read_csv(self.path, CODER_COLUMNS)
            else:
                frame = coder_frame(frame.assign(kind=frame.get("kind", ""),
                                                 weight=frame.get("weight", "1")), coder)
                write_csv_atomically(frame, self.path)
        frame = frame.assign(label=frame.get("label", ""))
        given = frame["label"].str.strip().str.lower() == SKIP
        frame["label"] = normalise_labels(frame["label"], self.classes, self.path)
        frame.loc[given, "label"] = SKIP
        self.frame = frame.reset_index(drop=True)
        self._lock = threading.Lock()

    @property
    def done(self) -> int:
        """Threads labelled (or skipped) so far."""
        return int((self.frame["label"] != "").sum())

    def next_row(self) -> int | None:
        """The first thread without a label, or ``None`` when every thread has one."""
        open_rows = self.frame.index[self.frame["label"] == ""]
        return int(open_rows[0]) if len(open_rows) else None

    def record(self, thread: str, label: str) -> None:
        """Save ``label`` (a class or ``skip``) for thread id ``thread``, atomically."""
        label = label.strip().lower()
        if label not in (*self.classes, SKIP):
            raise ConfigError(f"label {label!r} is not in the taxonomy "
                              f"({', '.join(self.classes)}) nor {SKIP}")
        rows = self.frame.index[self.frame["id"] == thread]
        if not len(rows):
            raise ConfigError(f"thread {thread!r} is not in the sample")
        with self._lock:
            self.frame.loc[rows, "label"] = label
            write_csv_atomically(self.frame, self.path)


_STYLE = """body{font:16px/1.45 system-ui,sans-serif;max-width:52rem;margin:1.5rem auto;
padding:0 1rem}
pre{white-space:pre-wrap;word-wrap:break-word;background:#f6f6f6;padding:.8rem;
max-height:55vh;overflow:auto}
button{font-size:1rem;margin:.2rem;padding:.4rem .8rem}button.current{outline:3px solid #2a6}
.meta{color:#555}kbd{border:1px solid #aaa;padding:0 .2rem}"""
_SCRIPT = """document.addEventListener('keydown', function (e) {
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  var b = document.querySelector('[data-key="' + e.key + '"]');
  if (b) { e.preventDefault(); b.click(); }
});"""


def render_page(session: LabellingSession, row: int | None, token: str, nonce: str) -> str:
    """The page for thread ``row`` (every value escaped), or the closing page."""
    total = len(session.frame)
    head = (f"<!doctype html><html lang=en><head><meta charset=utf-8><title>crossforge "
            f"labelling</title><style>{_STYLE}</style></head><body>"
            f"<p class=meta>coder <b>{html.escape(session.coder)}</b> · {session.done} of "
            f"{total} labelled · saved to {html.escape(str(session.path))}</p>")
    if row is None:
        return (head + "<h1>Every thread is labelled.</h1><p>Close this page and stop the "
                f"server (Ctrl-C). <a href='/?row={total - 1}'>Review the last one</a></p>"
                "</body></html>")
    thread = session.frame.iloc[row]
    buttons = "".join(
        f"<button name=label value='{html.escape(c, quote=True)}' data-key='{i}'"
        f"{' class=current' if thread['label'] == c else ''}>"
        f"<kbd>{i}</kbd> {html.escape(c)}</button>"
        for i, c in enumerate([*session.classes, SKIP], start=1))
    back = f"<a href='/?row={row - 1}' data-key='b'>← back (<kbd>b</kbd>)</a>" if row else ""
    return (head +
            f"<p class=meta>{html.escape(str(thread['platform']))} · "
            f"{html.escape(str(thread['repo']))} #{int(thread['number'])} · "
            f"{html.escape(str(thread.get('kind', '')))} · thread {row + 1} of {total}</p>"
            f"<h1>{html.escape(str(thread['title']))}</h1>"
            f"<pre>{html.escape(str(thread['body']))}</pre>"
            "<form method=post action='/label'>"
            f"<input type=hidden name=token value='{html.escape(token, quote=True)}'>"
            f"<input type=hidden name=id value='{html.escape(str(thread['id']), quote=True)}'>"
            f"{buttons}</form><p>{back}</p>"
            f"<script nonce='{nonce}'>{_SCRIPT}</script></body></html>")


def make_server(session: LabellingSession, port: int = 0) -> ThreadingHTTPServer:
    """A server for ``session`` on ``127.0.0.1:port`` (0: any free port); not yet serving.

    The server's ``token`` attribute is the secret every POST must carry (it is in the page).
    """
    token = secrets.token_urlsafe(16)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            """Quiet: the terminal shows the URL, not every request."""

        def _send(self, status: int, body: str, *, nonce: str = "",
                  location: str | None = None) -> None:
            data = body.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8"
                             if body.startswith("<!doctype") else "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("Referrer-Policy", "no-referrer")
            self.send_header("Content-Security-Policy",
                             "default-src 'none'; style-src 'unsafe-inline'; "
                             f"script-src 'nonce-{nonce or 'none'}'; form-action 'self'; "
                             "frame-ancestors 'none'; base-uri 'none'")
            if location:
                self.send_header("Location", location)
            self.end_headers()
            self.wfile.write(data)

        def _loopback(self) -> bool:
            host = (self.headers.get("Host") or "").rsplit(":", 1)[0]
            if host in (HOST, "localhost"):
                return True
            self._send(403, "this page answers on 127.0.0.1 only\n")
            return False

        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            if not self._loopback():
                return
            url = urlsplit(self.path)
            if url.path != "/":
                self._send(404, "not found\n")
                return
            asked = parse_qs(url.query).get("row", [""])[0]
            row = int(asked) if asked.isdigit() and int(asked) < len(session.frame) else (
                session.next_row())
            nonce = secrets.token_urlsafe(12)
            self._send(200, render_page(session, row, token, nonce), nonce=nonce)

        def _content_length(self) -> int | None:
            """The body's length, or None after answering 411 (none given), 400 (not a
            number: ``-1`` would read until the client closes, holding the thread) or 413."""
            given = self.headers.get("Content-Length")
            if given is None:
                self._send(411, "Content-Length required\n")
                return None
            if not (given.isascii() and given.isdigit()):
                self._send(400, f"malformed Content-Length {given!r}\n")
                return None
            if int(given) > MAX_FORM_BYTES:
                self._send(413, f"a label form is at most {MAX_FORM_BYTES:,} bytes\n")
                return None
            return int(given)

        def do_POST(self) -> None:  # noqa: N802
            if not self._loopback():
                return
            if urlsplit(self.path).path != "/label":
                self._send(404, "not found\n")
                return
            length = self._content_length()
            if length is None:
                return
            form = parse_qs(self.rfile.read(length).decode("utf-8", "replace"))
            if not secrets.compare_digest(form.get("token", [""])[0], token):
                self._send(403, "stale or missing page token: reload the page\n")
                return
            try:
                session.record(form.get("id", [""])[0], form.get("label", [""])[0])
            except ConfigError as exc:
                self._send(400, f"{exc}\n")
                return
            self._send(303, "saved\n", location="/")

    try:
        server = ThreadingHTTPServer((HOST, port), Handler)
    except OSError as exc:
        raise ConfigError(f"cannot listen on {HOST}:{port}: {exc.strerror or exc}") from None
    server.token = token  # type: ignore[attr-defined]
    return server

