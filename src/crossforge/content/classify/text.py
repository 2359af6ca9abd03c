"""Text normalisation for thread classification, for GitHub issues and Hub discussions alike.

Code, logs, links, paths and version numbers say little about a thread's *type* but vary
wildly between projects; they become marker tokens (``xxcode``, ``xxtrace``, ``xxurl``, …)
so the model learns "has a stack trace" rather than one project's file names. Template
headings ("Steps to reproduce", "Is your feature request related to a problem") and
question phrasing are kept, since they carry the type, and so are the words of the Hub's
genres (weights, formats such as GGUF or ONNX, quantisation, license): nothing domain-specific
is masked beyond code and identifiers. Images and empty template answers ("_No response_")
become markers too: an unseen project's screenshots and unfilled forms then look like any
other project's. Task-list lines ("- [x] I searched existing issues", a pull request's
contributor checklist) are dropped: they are one project's boilerplate, ticked or not whatever
the thread is about.
"""

from __future__ import annotations

import re

_FENCED = re.compile(r"```.*?(```|$)", re.DOTALL)
_INDENTED = re.compile(r"(?m)^(?: {4}|\t).+$")
_TRACE = re.compile(r"(?im)^\s*(traceback \(most recent call last\)|at [\w$.<>]+\(.*\)|"
                    r"file \".*\", line \d+|\w+(error|exception):.*)$")
_URL = re.compile(r"https?://\S+|www\.\S+")
_PATH = re.compile(r"(?:[a-z]:)?(?:[\\/][\w.-]+){2,}", re.IGNORECASE)
_VERSION = re.compile(r"\bv?\d+(?:\.\d+){1,3}(?:[-+.\w]*)?\b")
_HEX = re.compile(r"\b[0-9a-f]{7,40}\b")
_NUMBER = re.compile(r"\b\d+\b")
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)|<img[^>]*>", re.IGNORECASE)
_NO_RESPONSE = re.compile(r"_no response_", re.IGNORECASE)
_CHECKLIST = re.compile(r"(?m)^\s*[-*+]\s*\[[ xX]\].*$")
_SPACE = re.compile(r"\s+")


def normalise(title: str | None, body: str | None, *, max_body: int = 3000) -> str:
    """One string for the classifier: the title twice (it carries most of the type), then
    the body with code, traces, links, paths and numbers replaced by markers."""
    title = (title or "").strip()
    body = _COMMENT.sub(" ", body or "")[: max_body * 4]
    body = _IMAGE.sub(" xximage ", body)
    body = _NO_RESPONSE.sub(" xxempty ", body)
    body = _CHECKLIST.sub(" ", body)
    body = _FENCED.sub(" xxcode ", body)
    body = _TRACE.sub(" xxtrace ", body)
    body = _INDENTED.sub(" xxcode ", body)
    body = _URL.sub(" xxurl ", body)
    body = _PATH.sub(" xxpath ", body)
    body = _VERSION.sub(" xxversion ", body)
    body = _HEX.sub(" xxhash ", body)
    body = _NUMBER.sub(" xxnum ", body)
    question = " xxquestion" if title.endswith("?") or title.lower().startswith(
        ("how ", "how to", "is it possible", "can i ", "what ", "why ", "where ")) else ""
    return _SPACE.sub(" ", f"{title} {title}{question} xxbody {body[:max_body]}").strip()
