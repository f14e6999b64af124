"""The plan evaluation report (Word and HTML, Chinese with English) and the scenario
comparison outputs of the main job.

- :mod:`gisxz.report.comparison`: comparison layers and tables;
- :mod:`gisxz.report.content` / :mod:`gisxz.report.sections`: what the report says;
- :mod:`gisxz.report.writers`: DOCX (python-docx) and HTML;
- :mod:`gisxz.report.main`: the main-job steps and :func:`write_report` (``gisxz report``).
"""

from __future__ import annotations

__all__: list[str] = []
