"""Make ``docs/images/report.png``, the README's picture of the demo report.

Renders a demo report in Debian's headless chromium (through Playwright, as the browser test
does), keeps the top of the page and the network pictures, and stores a small palette PNG.

    python3 -m crossforge demo --out crossforge-demo
    PYTHONPATH=src python3 docs/images/screenshot.py crossforge-demo/report.html
"""

from __future__ import annotations

import io
import shutil
import sys
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright

TARGET = Path(__file__).resolve().parent / "report.png"
WIDTH, TOP, BELOW = 1100, 1425, 800
NETWORKS = "co-contribution network: people as dots"


def screenshot(html: Path, target: Path = TARGET) -> Path:
    """Write the picture; returns its path (kept under 300 KB)."""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"),
                                    args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": WIDTH, "height": TOP})
        page.goto(html.resolve().as_uri())
        top = Image.open(io.BytesIO(page.screenshot()))
        page.locator("figure", has_text=NETWORKS).first.evaluate("f => f.scrollIntoView()")
        networks = Image.open(io.BytesIO(page.screenshot()))
        browser.close()
    picture = Image.new("RGB", (WIDTH, TOP + 6 + BELOW), "#999999")  # a rule between parts
    picture.paste(top, (0, 0))
    picture.paste(networks.crop((0, 0, WIDTH, BELOW)), (0, TOP + 6))
    small = picture.resize((WIDTH * 2 // 3, picture.height * 2 // 3), Image.LANCZOS)
    small.quantize(colors=256).save(target, optimize=True)
    return target


if __name__ == "__main__":
    path = screenshot(Path(sys.argv[1] if len(sys.argv) > 1 else "crossforge-demo/report.html"))
    print(f"{path}: {path.stat().st_size / 1024:.0f} KB")
