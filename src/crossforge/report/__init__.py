"""The report: reads measure results and writes HTML, Markdown, LaTeX tables and figures.

``writer`` renders the Jinja2 templates in ``templates/``; ``figures`` draws the matplotlib
figures (shared with notebooks); ``tables`` writes booktabs LaTeX; ``manifest`` lists what a
report run wrote, so the next run removes only its own stale files.
"""

from crossforge.report.figures import PLATFORM_LABELS
from crossforge.report.writer import report_figures, write_report

__all__ = ["PLATFORM_LABELS", "report_figures", "write_report"]
