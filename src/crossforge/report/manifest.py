"""The files a report run wrote, so that the next run into the same folder leaves no stale ones.

``crossforge report`` writes one figure per measure and per platform: when a measure or a
platform is gone from the data, the earlier run's files for it would stay beside the new
report and look like part of it. Each run therefore records what it wrote in
``OUT/crossforge-files.json`` (path, size, modification time) and, the next time, removes
the files of the previous record that it did not write again, but only those unchanged since
crossforge wrote them and inside ``OUT``. Files crossforge never recorded (the user's own,
or those of a crossforge older than the record) are never touched.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from crossforge._version import __version__

MANIFEST = "crossforge-files.json"


def replace_manifest(out: Path, written: Iterable[Path]) -> tuple[Path, list[Path]]:
    """Record ``written`` (files in ``out``; others are ignored) as this run's files and remove
    the previous run's files that this run did not write.

    Returns:
        The manifest's path and the files removed.
    """
    root = out.resolve()
    entries = {}
    for path in written:
        resolved = path.resolve()
        if resolved.is_file() and resolved.is_relative_to(root):
            stat = resolved.stat()
            entries[resolved.relative_to(root).as_posix()] = {"size": stat.st_size,
                                                              "mtime_ns": stat.st_mtime_ns}
    manifest = root / MANIFEST
    removed = [path for path in _recorded_unchanged(root, manifest)
               if path.relative_to(root).as_posix() not in entries]
    for path in removed:
        path.unlink()
    manifest.write_text(json.dumps({
        "written_by": f"crossforge {__version__}",
        "files": [{"path": name, **entries[name]} for name in sorted(entries)],
    }, indent=1) + "\n", encoding="utf-8")
    return manifest, removed


def _recorded_unchanged(root: Path, manifest: Path) -> list[Path]:
    """Files the manifest records that are inside ``root`` and unchanged since."""
    try:
        files = json.loads(manifest.read_text(encoding="utf-8"))["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return []  # no record (first run) or not one of ours: remove nothing
    unchanged = []
    for entry in files if isinstance(files, list) else []:
        if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
            continue
        path = root / entry["path"]
        if path.is_symlink() or not path.is_file() or not path.resolve().is_relative_to(root):
            continue
        stat = path.stat()
        if (stat.st_size, stat.st_mtime_ns) == (entry.get("size"), entry.get("mtime_ns")):
            unchanged.append(path)
    return unchanged
