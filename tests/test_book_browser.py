"""The built book in a real browser: headless Chromium opens every page (tests/book_checker.py).

``make browser`` (part of ``make test``) builds the book, installs Debian's chromium when it is
missing (scripts/ensure_chromium.sh) and runs this file with ``-m browser``. The tests

* build a tiny fixture book (tests/book_fixtures/widget_book) with the real book's
  configuration and a notebook that papermill executes, holding an ``image_slider``;
* check that papermill stored the widget state and the fixture book passes the checker;
* break copies of it on purpose (missing figure, broken or unlinked widget state, missing
  widget JavaScript, an outside request, a notebook page without outputs) and check that the
  checker reports each one;
* check every page of the real book (book/_build/html); screenshots go to build/screenshots;
* check what a reader of the lessons (the landing page, the notebooks, the glossary) needs: a
  glossary page in the table of contents, every glossary term linked to it at (or before) its
  first use on a page, an exercise with a folded solution in every notebook, no development words
  or build paths, and no table cell whose number wraps onto a second line (in the browser).
  The static checks read the built HTML (BeautifulSoup) and have fast tests on small snippets.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
BOOK_HTML = BOOK / "_build" / "html"
FIXTURE = Path(__file__).parent / "book_fixtures" / "widget_book"
SCREENSHOTS = ROOT / "build" / "screenshots"
BIN = Path(sys.executable).parent
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def _load_checker():
    spec = importlib.util.spec_from_file_location("check_book", ROOT / "tests" / "book_checker.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["check_book"] = module
    spec.loader.exec_module(module)
    return module


check_book = _load_checker()


def problems_of(reports) -> list[str]:
    return [f"{r.page}: {p}" for r in reports for p in r.problems]


# ------------------------------------------------------------- no browser needed (fast) ---
def test_event_problems_classifies_devtools_events():
    base = "http://127.0.0.1:8000/"
    events = [
        {"method": "Runtime.exceptionThrown",
         "params": {"exceptionDetails": {"text": "Uncaught", "exception": {"description": "TypeError: x"}}}},
        {"method": "Runtime.consoleAPICalled", "params": {"type": "error", "args": [{"value": "bad"}]}},
        {"method": "Runtime.consoleAPICalled", "params": {"type": "log", "args": [{"value": "fine"}]}},
        {"method": "Network.requestWillBeSent", "params": {"requestId": "1", "request": {"url": base + "a.png"}}},
        {"method": "Network.requestWillBeSent",
         "params": {"requestId": "2", "request": {"url": "https://cdn.example.org/x.js"}}},
        {"method": "Network.loadingFailed", "params": {"requestId": "2", "errorText": "net::ERR_NAME_NOT_RESOLVED"}},
        {"method": "Network.responseReceived", "params": {"response": {"status": 404, "url": base + "b.png"}}},
        {"method": "Network.requestWillBeSent", "params": {"requestId": "3", "request": {"url": "data:image/png,x"}}},
    ]
    got = check_book.event_problems(events, base)
    assert got == [
        "JavaScript error: TypeError: x",
        "console.error: bad",
        "request leaves the book (must work offline): https://cdn.example.org/x.js",
        "failed to load https://cdn.example.org/x.js: net::ERR_NAME_NOT_RESOLVED",
        f"HTTP 404 for {base}b.png",
    ]


def test_book_pages_skips_sphinx_folders(tmp_path):
    for name in ("index.html", "a/b.html", "_static/x.html", "_sources/y.html", "c.txt"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("<html></html>")
    assert check_book.book_pages(tmp_path) == ["a/b.html", "index.html"]


def test_serve_refuses_a_folder_without_a_book(tmp_path):
    with pytest.raises(FileNotFoundError, match="build the book first"):
        with check_book.serve(tmp_path):
            pass


# ------------------------------------------------------------- what a lesson reader needs ---
#: the pages of the lessons (relative to the book root): the landing page, the notebooks, the glossary
def lesson_pages(html: Path) -> list[str]:
    pages = ["index.html", "glossary.html"] + sorted(
        p.relative_to(html).as_posix() for p in (html / "notebooks").glob("*.html"))
    return [p for p in pages if (html / p).is_file()]


#: words and paths of the developers' world that a reader of the lessons must not see
DEVELOPMENT_PATTERNS = {
    "an issue number": r"\bissues? #?\d+",
    "a path into the developers' shared folder": r"(?:\.\./)+shared\b|\bshared/data\b",
    "a build folder": r"\bbuild/(?:executed|nb)\b|\bbook/_build\b",
    "an environment variable of the project": r"\$?\bFRCNET_[A-Z0-9_]+",
    "a to-do marker": r"\b(?:TODO|FIXME|XXX)\b",
    "the history of how the package was built": r"\b(?:was|were) (?:added|rewritten|fixed) in (?:commit|round|issue)\b",
}

#: elements whose text is not prose: code, outputs, headings and the page chrome
NOT_PROSE = ["h1", "h2", "h3", "h4", "h5", "h6", "pre", "code", "script", "style", "nav",
             ".cell_input", ".cell_output", ".output", ".headerlink", ".toctree-wrapper", "dt"]


def page_soup(html_text: str) -> BeautifulSoup:
    return BeautifulSoup(html_text, "html.parser")


def article(soup: BeautifulSoup):
    """The page's main content (the theme's article), without its navigation."""
    return soup.select_one("article.bd-article") or soup.select_one("main") or soup.body or soup


def glossary_terms(glossary_html: str) -> dict[str, str]:
    """Glossary entries of the built glossary page: anchor id (``term-...``) -> term text."""
    soup = page_soup(glossary_html)
    terms = {}
    for dt in soup.select("dt[id^=term-]"):
        text = dt.get_text(" ", strip=True)
        text = re.sub(r"\s*[¶#]\s*$", "", text).strip()
        terms[dt["id"]] = text
    return terms


def _term_pattern(term: str) -> re.Pattern:
    """Whole-word (plural allowed) match; case-sensitive when the term has capitals (FRC, U-Net)."""
    flags = 0 if any(c.isupper() for c in term) else re.IGNORECASE
    words = r"\s+".join(re.escape(w) for w in term.split())
    return re.compile(rf"(?<![\w-]){words}(?:s|es)?(?![\w-])", flags)


def prose_runs(html_text: str) -> list[tuple[str, str | None]]:
    """The page's prose in reading order as (text, glossary term id of the link it is in, or None)."""
    body = article(page_soup(html_text))
    for node in body.select(", ".join(NOT_PROSE)):
        node.decompose()
    runs: list[tuple[str, str | None]] = []
    for text in body.find_all(string=True):
        link = text.find_parent("a", href=re.compile(r"glossary\.html#term-"))
        term_id = link["href"].split("#", 1)[1] if link is not None else None
        runs.append((str(text), term_id))
    return runs


def term_problems(html_text: str, terms: dict[str, str]) -> list[str]:
    """Glossary terms used on a page before a link to their entry.

    A term's first use must be inside a link to its glossary entry, or come after one; uses
    inside a link to another entry (``FRC`` in a linked ``area-FRC``) are neither. Code, outputs
    and headings are not prose and are not checked.
    """
    runs = prose_runs(html_text)
    text, owners, pos = [], [], 0
    for chunk, term_id in runs:
        text.append(chunk)
        owners.append((pos, pos + len(chunk), term_id))
        pos += len(chunk)
    full = "".join(text)

    def owner(i: int) -> str | None:
        for a, b, term_id in owners:
            if a <= i < b:
                return term_id
        return None

    problems = []
    for term_id, term in terms.items():
        first_link = min((a for a, _, t in owners if t == term_id), default=None)
        for m in _term_pattern(term).finditer(full):
            inside = owner(m.start())
            if inside == term_id:
                break  # linked at (or before) its first use
            if inside is not None:
                continue  # part of another entry's link text
            if first_link is None or m.start() < first_link:
                context = full[max(0, m.start() - 40): m.end() + 40].replace("\n", " ")
                problems.append(f"glossary term {term!r} used before a link to the glossary: ...{context}...")
            break
    return problems


def development_problems(html_text: str) -> list[str]:
    """Development words and build paths anywhere in the page's visible content (outputs too)."""
    body = article(page_soup(html_text))
    for node in body.select("script, style"):
        node.decompose()
    visible = body.get_text(" ")
    problems = []
    for what, pattern in DEVELOPMENT_PATTERNS.items():
        m = re.search(pattern, visible)
        if m:
            context = visible[max(0, m.start() - 40): m.end() + 40].replace("\n", " ")
            problems.append(f"{what} on the page: ...{context}...")
    return problems


def exercise_problems(html_text: str) -> list[str]:
    """A notebook page must hold a "Your turn" exercise with a folded (dropdown) solution."""
    body = article(page_soup(html_text))
    has_exercise = re.search(r"\bYour turn\b", body.get_text(" ")) is not None
    folded = body.select(".dropdown, .sd-dropdown, details")
    problems = []
    if not has_exercise:
        problems.append('no "Your turn" exercise on the notebook page')
    if not folded:
        problems.append("no folded solution (dropdown) on the notebook page")
    return problems


#: JavaScript: table cells of the article holding a number whose text runs over more than one line
WRAPPED_NUMBER_CELLS_JS = r"""
(() => {
  const number = /^[-+\u2212]?[\d.,]+\s*(?:[\u00b1+]\s*[\d.,]+)?\s*(?:%|nm|dB|px|s|ms|µm|um)?$/;
  const root = document.querySelector("article.bd-article") || document.body;
  const out = [];
  for (const cell of root.querySelectorAll("td, th")) {
    const text = cell.innerText.trim();
    if (!/\d/.test(text) || !number.test(text.replace(/\s+/g, " "))) continue;
    // the lines the text itself occupies (block boxes such as a <p> inside the cell are not lines of text)
    const tops = new Set();
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!node.textContent.trim()) continue;
      const range = document.createRange();
      range.selectNodeContents(node);
      for (const r of range.getClientRects()) if (r.width > 0) tops.add(Math.round(r.top));
    }
    if (tops.size > 1) out.push(text);
  }
  return out;
})()
"""


def wrapped_number_cells(html: Path, pages: list[str]) -> list[str]:
    """Open ``pages`` in headless Chromium; one problem per table cell whose number wraps."""
    problems = []
    with check_book.serve(html) as base_url, check_book.Browser() as browser:
        for page in pages:
            tab = check_book.Tab(browser)
            try:
                tab.navigate(base_url + page)
                browser.pump(0.3)
                problems += [f"{page}: the number {t!r} wraps in its table cell"
                             for t in tab.js(WRAPPED_NUMBER_CELLS_JS) or []]
            finally:
                tab.close()
    return problems


def lesson_problems(html: Path) -> list[str]:
    """Every problem of the static lesson checks (glossary, terms, exercises, development words)."""
    problems = []
    glossary = html / "glossary.html"
    if not glossary.is_file():
        return ["the book has no glossary page (glossary.html)"]
    terms = glossary_terms(glossary.read_text())
    if len(terms) < 10:
        problems.append(f"the glossary defines only {len(terms)} terms")
    index = page_soup((html / "index.html").read_text())
    if not index.select('nav a[href$="glossary.html"], .bd-sidebar a[href$="glossary.html"]'):
        problems.append("the glossary is not in the table of contents")
    for page in lesson_pages(html):
        text = (html / page).read_text()
        found = development_problems(text)
        if page != "glossary.html":
            found += term_problems(text, terms)
        if page.startswith("notebooks/"):
            found += exercise_problems(text)
        problems += [f"{page}: {p}" for p in found]
    return problems


def test_term_check_wants_a_link_at_or_before_the_first_use():
    terms = {"term-FRC": "FRC", "term-area-FRC": "area-FRC", "term-localization": "localization"}
    link = '<a class="reference internal" href="../glossary.html#{}">{}</a>'
    good = ("<article class='bd-article'><h1>FRC and localizations</h1><p>"
            + link.format("term-area-FRC", "area-FRC") + " then " + link.format("term-FRC", "FRC")
            + " and FRC again; " + link.format("term-localization", "Localizations") + " and localizations."
            + "</p><pre>FRC in code</pre></article>")
    assert term_problems(good, terms) == []
    bad = ("<article class='bd-article'><p>The FRC of two " + link.format("term-FRC", "FRC")
           + " and localizations.</p></article>")
    problems = term_problems(bad, terms)
    assert len(problems) == 2, problems
    assert "'FRC'" in problems[0] and "'localization'" in problems[1]


def test_development_and_exercise_checks_find_what_a_reader_must_not_see():
    page = ("<article class='bd-article'><p>the margins issue 12 asks for, from ../shared/data/x "
            "or $FRCNET_COS7_DIR</p><div class='cell_output'><pre>build/executed/run</pre></div></article>")
    found = " ".join(development_problems(page))
    for what in ("issue number", "shared folder", "build folder", "environment variable"):
        assert what in found, found
    assert len(exercise_problems(page)) == 2
    ok = ("<article class='bd-article'><div class='admonition'><p>Your turn: blur it</p>"
          "<details class='sd-dropdown'><summary>Solution</summary></details></div></article>")
    assert exercise_problems(ok) == [] and development_problems(ok) == []


def test_glossary_terms_reads_the_entries_sphinx_writes():
    html = ('<dl class="glossary"><dt id="term-FRC">FRC<a class="headerlink" href="#term-FRC">#</a></dt>'
            '<dd>...</dd><dt id="term-anisotropic-KDE">anisotropic KDE<a class="headerlink">#</a></dt></dl>')
    assert glossary_terms(html) == {"term-FRC": "FRC", "term-anisotropic-KDE": "anisotropic KDE"}


# -------------------------------------------------------------------- fixture book ---
def _run(cmd: list[str], cwd: Path) -> None:
    # no MPLBACKEND: the kernel must use the inline backend, or plt.show() draws nothing
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    env["TF_CPP_MIN_LOG_LEVEL"] = "2"
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    if proc.returncode:
        raise AssertionError(f"{' '.join(map(str, cmd))} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")


def _fixture_config() -> dict:
    """The real book's configuration, with the fixture's title and table of contents."""
    cfg = yaml.safe_load((BOOK / "_config.yml").read_text())
    cfg["title"] = "frcnet-lite fixture book"
    cfg["only_build_toc_files"] = True
    return cfg


@pytest.fixture(scope="session")
def fixture_book(tmp_path_factory) -> dict[str, Path]:
    """Execute the fixture notebook with papermill and build the fixture book with the real config."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    work = tmp_path_factory.mktemp("fixture_book")
    src = work / "book"
    shutil.copytree(FIXTURE, src, ignore=shutil.ignore_patterns("*.md"))
    shutil.copy2(FIXTURE / "index.md", src / "index.md")
    for part in ("_ext", "_static", "_templates"):
        shutil.copytree(BOOK / part, src / part)
    _run([sys.executable, str(ROOT / "book" / "_ext" / "vendor_widget_js.py"), "--out", str(src / "_static" / "vendor"),
          "--cache", str(ROOT / "build" / "npm")], cwd=ROOT)
    (src / "_config.yml").write_text(yaml.safe_dump(_fixture_config(), sort_keys=False))  # script order matters
    fig, ax = plt.subplots(figsize=(2, 1.5), dpi=60)
    ax.imshow([[0, 1], [1, 0]])
    fig.savefig(src / "figure.png")
    plt.close(fig)
    # jupytext -> papermill, as make does
    _run([str(BIN / "jupytext"), "--quiet", "--to", "ipynb", "-o", str(work / "widget_demo.ipynb"),
          str(FIXTURE / "widget_demo.md")], cwd=work)
    _run([str(BIN / "papermill"), str(work / "widget_demo.ipynb"), str(src / "widget_demo.ipynb"), "-k", "python3",
          "--no-progress-bar", "--log-level", "WARNING"], cwd=work)
    _run([str(BIN / "jupyter-book"), "build", str(src), "--warningiserror", "--nitpick", "--quiet"], cwd=work)
    return {"src": src, "html": src / "_build" / "html", "work": work}


def _broken_copy(fixture_book, tmp_path, name: str) -> Path:
    html = tmp_path / name
    shutil.copytree(fixture_book["html"], html)
    return html


def _check(html: Path, shots: Path | None = None):
    return check_book.check_book(html, shots)


@pytest.mark.browser
def test_papermill_stores_widget_state(fixture_book):
    nb = json.loads((fixture_book["src"] / "widget_demo.ipynb").read_text())
    state = nb["metadata"]["widgets"][WIDGET_STATE]["state"]
    names = [m["model_name"] for m in state.values()]
    assert "SelectionSliderModel" in names and "LinkModel" in names and names.count("ImageModel") == 3
    page = (fixture_book["html"] / "widget_demo.html").read_text()
    assert f'type="{WIDGET_STATE}"' in page
    # the widget JavaScript comes from the book itself, and only where there are widgets
    assert "_static/vendor/html-manager/embed-amd.js" in page and "cdn.jsdelivr" not in page
    assert "embed-amd.js" not in (fixture_book["html"] / "index.html").read_text()


@pytest.mark.browser
def test_fixture_book_passes_and_its_slider_moves(fixture_book):
    shots = SCREENSHOTS / "fixture"
    reports = {r.page: r for r in _check(fixture_book["html"], shots)}
    assert problems_of(reports.values()) == []
    demo = reports["widget_demo.html"]
    assert demo.notebook and demo.n_outputs >= 2 and demo.n_widgets == 1 and demo.n_sliders_moved == 1
    assert reports["index.html"].n_images >= 1
    assert demo.screenshot is not None and demo.screenshot.stat().st_size > 10_000


@pytest.mark.browser
def test_checker_reports_a_missing_figure(fixture_book, tmp_path):
    html = _broken_copy(fixture_book, tmp_path, "missing_figure")
    for png in (html / "_images").glob("figure*.png"):
        png.unlink()
    problems = problems_of(_check(html))
    assert any(p.startswith("index.html: image did not load") for p in problems), problems
    assert any("HTTP 404" in p and "figure" in p for p in problems), problems


def _edit_widget_state(html: Path, edit) -> None:
    page = html / "widget_demo.html"
    text = page.read_text()
    pattern = re.compile(rf'(<script type="{re.escape(WIDGET_STATE)}">)(.*?)(</script>)', re.S)
    assert pattern.search(text), "the fixture page has no widget state"
    page.write_text(pattern.sub(lambda m: m.group(1) + edit(m.group(2)) + m.group(3), text, count=1))


@pytest.mark.browser
def test_checker_reports_a_broken_widget_state(fixture_book, tmp_path):
    html = _broken_copy(fixture_book, tmp_path, "broken_state")
    _edit_widget_state(html, lambda s: s[: len(s) // 2])  # truncated JSON
    problems = problems_of(_check(html))
    assert any("JavaScript error" in p for p in problems), problems
    assert any("only 0 of 1 widgets rendered" in p for p in problems), problems


@pytest.mark.browser
def test_checker_reports_a_slider_that_changes_nothing(fixture_book, tmp_path):
    html = _broken_copy(fixture_book, tmp_path, "unlinked")

    def drop_links(s: str) -> str:
        state = json.loads(s)
        state["state"] = {k: v for k, v in state["state"].items() if v["model_name"] != "LinkModel"}
        return json.dumps(state)

    _edit_widget_state(html, drop_links)
    problems = problems_of(_check(html))
    assert problems == ["widget_demo.html: moving slider 1 of widget 1 did not change what it shows"]


@pytest.mark.browser
def test_checker_reports_missing_widget_javascript(fixture_book, tmp_path):
    html = _broken_copy(fixture_book, tmp_path, "no_widget_js")
    (html / "_static" / "vendor" / "html-manager" / "embed-amd.js").unlink()
    problems = problems_of(_check(html))
    assert any("HTTP 404" in p and "embed-amd.js" in p for p in problems), problems
    assert any("widgets rendered" in p for p in problems), problems


@pytest.mark.browser
def test_checker_reports_requests_to_the_internet_and_pages_without_outputs(fixture_book, tmp_path):
    html = _broken_copy(fixture_book, tmp_path, "online")
    index = html / "index.html"
    index.write_text(index.read_text().replace(
        "</head>", '<script src="https://cdn.example.org/lib.js"></script></head>', 1))
    demo = html / "widget_demo.html"
    demo.write_text(demo.read_text().replace('class="cell_output', 'class="cell_gone'))
    problems = problems_of(_check(html))
    assert "index.html: request leaves the book (must work offline): https://cdn.example.org/lib.js" in problems
    assert any(p.startswith("widget_demo.html: notebook page without outputs") for p in problems), problems


@pytest.mark.browser
def test_checker_reports_unreadable_pages(fixture_book, tmp_path):
    """Wide elements, build paths, figures without metadata, scale bars or with tiny text."""
    import io

    from PIL import Image
    from PIL.PngImagePlugin import PngInfo

    html = _broken_copy(fixture_book, tmp_path, "unreadable")
    info = PngInfo()
    for key, value in {"frcnet:image-panels": "2", "frcnet:scale-bars": "1", "frcnet:min-font-px": "11.1"}.items():
        info.add_text(key, value)
    buf = io.BytesIO()
    Image.new("RGB", (1000, 100)).save(buf, format="png", pnginfo=info)  # shown at <= column width
    (html / "_images" / "tiny_text.png").write_bytes(buf.getvalue())
    Image.new("RGB", (50, 50)).save(html / "_images" / "no_meta.png")
    demo = html / "widget_demo.html"
    extra = ('<div class="cell_output"><img src="_images/tiny_text.png" style="width: 300px">'
             '<img src="_images/no_meta.png"></div>'
             '<pre style="width: 4000px">a very wide line</pre>'
             '<p>written in /home/builder/frcnet-lite/run</p>')
    text = demo.read_text()
    demo.write_text(text.replace('<div class="cell_output', extra + '<div class="cell_output', 1))
    problems = problems_of(check_book.check_book(html, forbidden_paths=["/home/builder"]))
    page = "widget_demo.html: "
    assert any(p.startswith(page + "pre") and "wider than the content column" in p for p in problems), problems
    assert page + "the text shows the build path /home/builder" in problems, problems
    assert any("1 of 2 image panels without a scale bar" in p for p in problems), problems
    # 11.1 px at 1000 px natural width shown 300 px wide: 3.3 px
    assert any("smallest text 3.3 px on screen" in p for p in problems), problems
    assert any("no_meta.png" in p and "no readability metadata" in p for p in problems), problems


@pytest.mark.browser
def test_wrapped_number_cells_are_found_in_the_browser(fixture_book, tmp_path):
    html = _broken_copy(fixture_book, tmp_path, "wrapped")
    index = html / "index.html"
    table = ('<table><tr><td style="width: 1px">0.123 \u00b1 0.004</td>'
             '<td style="white-space: nowrap">12.5 dB</td><td>a few words here</td></tr></table>')
    text = index.read_text()
    start = text.index('<article class="bd-article"')
    at = text.index(">", start) + 1
    index.write_text(text[:at] + table + text[at:])
    problems = wrapped_number_cells(html, ["index.html"])
    assert problems == ["index.html: the number '0.123 \u00b1 0.004' wraps in its table cell"], problems


# ---------------------------------------------------------------------- the real book ---
@pytest.mark.browser
def test_every_page_of_the_book_works_in_a_browser():
    if not (BOOK_HTML / "index.html").is_file():
        pytest.fail(f"no built book in {BOOK_HTML}: run `make book-html` first")
    shots = SCREENSHOTS / "book"
    if shots.exists():
        shutil.rmtree(shots)
    reports = check_book.check_book(BOOK_HTML, shots)
    problems = problems_of(reports) + lesson_problems(BOOK_HTML)
    with_tables = [r.page for r in reports if "<table" in (BOOK_HTML / r.page).read_text()]
    problems += wrapped_number_cells(BOOK_HTML, [p for p in with_tables if p in lesson_pages(BOOK_HTML)])
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)
    pages = {r.page: r for r in reports}
    notebooks = [p for p in pages if p.startswith("notebooks/")]
    assert notebooks, "the book has no notebook pages"
    for page in notebooks:
        assert pages[page].notebook and pages[page].n_outputs > 0, page
    for r in reports:
        assert r.screenshot is not None and r.screenshot.is_file(), r.page
    print(f"{len(reports)} pages, {sum(r.n_widgets for r in reports)} widgets, "
          f"{sum(r.n_sliders_moved for r in reports)} sliders moved; screenshots in {shots}")
