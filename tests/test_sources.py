"""Every URL in the plan data points to a publisher on the allowlist.

The allowlist is ``layers/source_domains.yaml``; a URL passes when its host is a listed
domain or a subdomain of one. Offenders are listed as ``file:line host`` so they can be
fixed one by one.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
ALLOWLIST = REPO / "layers" / "source_domains.yaml"
DATA_DIRS = [REPO / "layers", REPO / "maps"]
TEXT_SUFFIXES = {".yaml", ".yml", ".csv", ".md", ".txt", ".json", ".geojson", ".toml"}

# A URL with a scheme, or a bare "www." host written without one.
URL_HOST = re.compile(r"https?://([A-Za-z0-9.-]+)", re.IGNORECASE)
BARE_HOST = re.compile(r"(?<![/\w.@-])(www\.[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)", re.IGNORECASE)


def _allowed_domains() -> list[str]:
    doc = yaml.safe_load(ALLOWLIST.read_text(encoding="utf-8"))
    return [str(d["domain"]).lower() for d in doc["domains"]]


def host_allowed(host: str, domains: list[str]) -> bool:
    """True when ``host`` is one of ``domains`` or a subdomain of one.

    >>> host_allowed("big5.www.gov.cn", ["gov.cn"])
    True
    >>> host_allowed("evilgov.cn", ["gov.cn"])
    False
    """
    h = host.lower().rstrip(".")
    return any(h == d or h.endswith("." + d) for d in domains)


def data_files() -> list[Path]:
    """Text files under ``layers/`` and ``maps/``."""
    files = []
    for d in DATA_DIRS:
        files += [p for p in sorted(d.rglob("*")) if p.is_file() and p.suffix.lower() in TEXT_SUFFIXES]
    return files


def url_hosts(text: str) -> list[tuple[int, str]]:
    """``(line number, host)`` of every URL in ``text``.

    >>> url_hosts("a\\nsee https://www.news.cn/x.htm and www.example.com/y")
    [(2, 'www.news.cn'), (2, 'www.example.com')]
    """
    found = []
    for n, line in enumerate(text.splitlines(), start=1):
        found += [(n, m.group(1)) for m in URL_HOST.finditer(line)]
        found += [(n, m.group(1)) for m in BARE_HOST.finditer(line)]
    return found


def test_allowlist_well_formed():
    doc = yaml.safe_load(ALLOWLIST.read_text(encoding="utf-8"))
    assert doc["schema"] == "gisxz.source_domains/1"
    domains = [d["domain"] for d in doc["domains"]]
    assert len(domains) == len(set(domains)), "duplicate domain in source_domains.yaml"
    for d in doc["domains"]:
        assert re.fullmatch(r"[a-z0-9-]+(\.[a-z0-9-]+)+", d["domain"]), d
        assert str(d.get("note", "")).strip(), f"{d['domain']}: give a one-line note on the publisher"


@pytest.mark.parametrize("host, ok", [
    ("www.gov.cn", True), ("jtt.xizang.gov.cn", True), ("zh.wikipedia.org", True),
    ("www.news.cn", True), ("zh.m.wiki.x.io", False), ("gov.cn.example.com", False),
])
def test_host_allowed(host, ok):
    assert host_allowed(host, _allowed_domains()) is ok


def test_every_url_is_on_the_allowlist():
    domains = _allowed_domains()
    offenders = []
    for path in data_files():
        text = path.read_text(encoding="utf-8", errors="replace")
        for line, host in url_hosts(text):
            if not host_allowed(host, domains):
                offenders.append(f"{path.relative_to(REPO)}:{line} {host}")
    if offenders:
        pytest.fail(
            f"{len(offenders)} URL(s) outside layers/source_domains.yaml: cite the original "
            "publisher (name, headline, date) without the copy's URL, or add the publisher's "
            "own domain to the allowlist:\n" + "\n".join(offenders),
            pytrace=False,
        )
