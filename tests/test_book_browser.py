"""The built book in a real browser: headless Chromium opens every page (scripts/check_book.py).

``make browser`` (part of ``make test``) builds the book, installs Debian's chromium when it is
missing (scripts/ensure_chromium.sh) and runs this file with ``-m browser``. The tests

* build a tiny fixture book (tests/book_fixtures/widget_book) with the real book's
  configuration and a notebook that papermill executes, holding an ``image_slider``;
* check that papermill stored the widget state and the fixture book passes the checker;
* break copies of it on purpose (missing figure, broken or unlinked widget state, missing
  widget JavaScript, an outside request, a notebook page without outputs) and check that the
  checker reports each one;
* check every page of the real book (book/_build/html); screenshots go to build/screenshots.
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

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
BOOK_HTML = BOOK / "_build" / "html"
FIXTURE = Path(__file__).parent / "book_fixtures" / "widget_book"
SCREENSHOTS = ROOT / "build" / "screenshots"
BIN = Path(sys.executable).parent
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def _load_checker():
    spec = importlib.util.spec_from_file_location("check_book", ROOT / "scripts" / "check_book.py")
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
    _run([sys.executable, str(ROOT / "scripts" / "vendor_widget_js.py"), "--out", str(src / "_static" / "vendor"),
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


# ---------------------------------------------------------------------- the real book ---
@pytest.mark.browser
def test_every_page_of_the_book_works_in_a_browser():
    if not (BOOK_HTML / "index.html").is_file():
        pytest.fail(f"no built book in {BOOK_HTML}: run `make book-html` first")
    shots = SCREENSHOTS / "book"
    if shots.exists():
        shutil.rmtree(shots)
    reports = check_book.check_book(BOOK_HTML, shots)
    problems = problems_of(reports)
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
