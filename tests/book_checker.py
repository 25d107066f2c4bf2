"""Open every page of the built book in headless Chromium and report what a reader would see broken.

The book folder is served on ``127.0.0.1`` (a free port); Chromium (Debian's package, see
``scripts/ensure_chromium.sh``) runs headless with a fresh profile, no network besides that
server, and is driven through the Chrome DevTools Protocol over a pipe (no extra Python
package). For every page it checks:

* no JavaScript errors: uncaught exceptions, ``console.error``, failed resource loads;
* no request leaves ``127.0.0.1`` (the book must work offline);
* every ``<img>`` loaded (``naturalWidth > 0``);
* notebook pages show cell outputs and no error tracebacks;
* every embedded ipywidget rendered, and moving each slider (a real mouse drag) changes what
  the widget shows;
* readability: no element is wider than the content column or scrolls sideways; the text holds
  no absolute path of the build machine; every image in a notebook's outputs carries the
  readability metadata of ``frcnet_lite.plotting`` (PNG text chunks), each of its image panels
  has a scale bar (or is marked as showing no sample space), and its smallest text is at least
  :data:`MIN_FONT_PX` on screen (font size x dpi / 72 x displayed width / natural width);

and keeps a full-page screenshot.

Usage: python tests/book_checker.py book/_build/html [--screenshots build/screenshots]
(exit code 1 and one line per problem when something is wrong).
"""

from __future__ import annotations

import argparse
import base64
import functools
import http.server
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome-stable", "google-chrome")
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--no-default-browser-check",
    "--disable-extensions", "--disable-dev-shm-usage", "--mute-audio", "--hide-scrollbars",
    "--no-proxy-server", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    "--remote-debugging-pipe",
)
VIEWPORT = (1280, 900)
#: screenshots are cut at this height (CSS pixels) to keep them reasonable
MAX_SHOT_HEIGHT = 12000
#: smallest figure text a reader should see, CSS pixels
MIN_FONT_PX = 9.0


def build_paths() -> list[str]:
    """Absolute paths of the build machine that must not show on a page (the repository, home)."""
    root = Path(__file__).resolve().parents[1]
    paths = {str(root), str(Path.home())}
    return sorted(p for p in paths if len(p) > 1)


def find_chromium() -> str:
    """Path of the Chromium binary: ``$CHROMIUM``, else the first of :data:`CHROMIUM_NAMES` on PATH."""
    if os.environ.get("CHROMIUM"):
        return os.environ["CHROMIUM"]
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    raise FileNotFoundError("no Chromium found: run scripts/ensure_chromium.sh (or set CHROMIUM=/path/to/chromium)")


# ----------------------------------------------------------------------------------- server ---
class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the stdlib's name)
        pass


@contextmanager
def serve(folder: Path) -> Iterator[str]:
    """Serve ``folder`` on 127.0.0.1 (a free port) in a thread; yields the base URL."""
    if not (folder / "index.html").is_file():
        raise FileNotFoundError(f"no index.html in {folder}: build the book first (make book-html)")
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


# -------------------------------------------------------------------------------------- CDP ---
class CDPError(RuntimeError):
    """Chromium answered a DevTools command with an error, or did not answer in time."""


def _high_fd(fd: int, lowest: int = 10) -> int:
    """A copy of ``fd`` numbered ``lowest`` or higher (the original is closed)."""
    import fcntl

    high = fcntl.fcntl(fd, fcntl.F_DUPFD, lowest)
    os.close(fd)
    return high


class Browser:
    """Headless Chromium driven through the DevTools protocol over ``--remote-debugging-pipe``.

    Messages are JSON terminated by a NUL byte: we write to Chromium's fd 3 and read its fd 4.
    """

    def __init__(self, chromium: str | None = None, timeout_s: float = 30.0) -> None:
        self.timeout_s = timeout_s
        self.profile = tempfile.mkdtemp(prefix="frcnet-chromium-")
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()
        # Chromium's ends must not be 3 or 4 themselves (the redirections below would close them)
        to_chrome_r, from_chrome_w = (_high_fd(fd) for fd in (to_chrome_r, from_chrome_w))
        binary = chromium or find_chromium()
        # bash maps our two pipe ends onto the fds 3 and 4 that Chromium expects
        script = f'exec "$0" "$@" 3<&{to_chrome_r} 4>&{from_chrome_w} {to_chrome_r}<&- {from_chrome_w}>&-'
        self.proc = subprocess.Popen(
            ["bash", "-c", script, binary, *CHROMIUM_FLAGS, f"--user-data-dir={self.profile}",
             f"--window-size={VIEWPORT[0]},{VIEWPORT[1]}", "about:blank"],
            pass_fds=(to_chrome_r, from_chrome_w), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []
        self.send("Browser.getVersion")

    def close(self) -> None:
        try:
            self.send("Browser.close", timeout_s=5)
        except (CDPError, OSError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self._to_chrome, self._from_chrome):
            try:
                os.close(fd)
            except OSError:
                pass
        shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _read(self, deadline: float) -> dict[str, Any] | None:
        """Next message from Chromium, or None when the deadline passed."""
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([self._from_chrome], [], [], left)
            if not ready:
                return None
            chunk = os.read(self._from_chrome, 1 << 20)
            if not chunk:
                raise CDPError(f"Chromium closed the DevTools pipe (exit code {self.proc.poll()})")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def send(self, method: str, params: dict[str, Any] | None = None, session: str | None = None,
             timeout_s: float | None = None) -> dict[str, Any]:
        """Send one command and wait for its answer (events that arrive meanwhile are kept)."""
        self._next_id += 1
        msg: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._to_chrome, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + (timeout_s or self.timeout_s)
        while True:
            reply = self._read(deadline)
            if reply is None:
                raise CDPError(f"no answer to {method} within {timeout_s or self.timeout_s} s")
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise CDPError(f"{method}: {reply['error'].get('message')}")
                return reply.get("result", {})
            if "method" in reply:
                self.events.append(reply)

    def wait_event(self, method: str, session: str, timeout_s: float) -> dict[str, Any] | None:
        """Wait for an event (kept events count); None on timeout."""
        deadline = time.monotonic() + timeout_s
        seen = 0
        while True:
            for ev in self.events[seen:]:
                if ev["method"] == method and ev.get("sessionId") == session:
                    return ev
            seen = len(self.events)
            msg = self._read(deadline)
            if msg is None:
                return None
            if "method" in msg:
                self.events.append(msg)

    def pump(self, seconds: float) -> None:
        """Collect events for a while."""
        deadline = time.monotonic() + seconds
        while (msg := self._read(deadline)) is not None:
            if "method" in msg:
                self.events.append(msg)


class Tab:
    """One page in its own target, with console, exceptions and network recorded."""

    def __init__(self, browser: Browser) -> None:
        self.browser = browser
        self.target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = browser.send("Target.attachToTarget", {"targetId": self.target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable")
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": VIEWPORT[0], "height": VIEWPORT[1], "deviceScaleFactor": 1, "mobile": False})

    def send(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        return self.browser.send(method, params, session=self.session)

    def close(self) -> None:
        try:
            self.browser.send("Target.closeTarget", {"targetId": self.target})
        except CDPError:
            pass

    def events(self) -> list[dict[str, Any]]:
        return [e for e in self.browser.events if e.get("sessionId") == self.session]

    def navigate(self, url: str, timeout_s: float = 30.0) -> bool:
        self.send("Page.navigate", {"url": url})
        return self.browser.wait_event("Page.loadEventFired", self.session, timeout_s) is not None

    def js(self, expression: str) -> Any:
        """Evaluate a JS expression (promises awaited) and return its JSON value."""
        res = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in res:
            raise CDPError(f"page script failed: {res['exceptionDetails'].get('text')} "
                           f"{res['exceptionDetails'].get('exception', {}).get('description', '')}")
        return res.get("result", {}).get("value")

    def wait_for(self, expression: str, timeout_s: float, step_s: float = 0.1) -> bool:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.js(expression):
                return True
            self.browser.pump(step_s)
        return bool(self.js(expression))

    def drag(self, x0: float, y0: float, x1: float, y1: float, steps: int = 12) -> None:
        """A real mouse drag: press at (x0, y0), move in steps, release at (x1, y1) (CSS pixels)."""
        def mouse(kind: str, x: float, y: float, buttons: int) -> None:
            self.send("Input.dispatchMouseEvent", {"type": kind, "x": x, "y": y, "button": "left",
                                                   "buttons": buttons, "clickCount": 1})
        mouse("mouseMoved", x0, y0, 0)
        mouse("mousePressed", x0, y0, 1)
        for k in range(1, steps + 1):
            mouse("mouseMoved", x0 + (x1 - x0) * k / steps, y0 + (y1 - y0) * k / steps, 1)
        mouse("mouseReleased", x1, y1, 0)

    def screenshot(self, path: Path) -> None:
        metrics = self.send("Page.getLayoutMetrics")
        size = metrics.get("cssContentSize") or metrics["contentSize"]
        height = int(min(max(size["height"], VIEWPORT[1]), MAX_SHOT_HEIGHT))
        # a window as tall as the page, so the whole page is laid out as a reader would scroll it
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": VIEWPORT[0], "height": height, "deviceScaleFactor": 1, "mobile": False})
        try:
            self.browser.pump(0.3)
            shot = self.send("Page.captureScreenshot", {"format": "png"})
        finally:
            self.send("Emulation.setDeviceMetricsOverride",
                      {"width": VIEWPORT[0], "height": VIEWPORT[1], "deviceScaleFactor": 1, "mobile": False})
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".png.tmp")
        tmp.write_bytes(base64.b64decode(shot["data"]))
        tmp.replace(path)


# ------------------------------------------------------------------------------ page checks ---
#: JS: what a page shows (images, notebook cells, widgets); one JSON object
PAGE_STATE_JS = r"""
(() => {
  const imgs = Array.from(document.images);
  const views = Array.from(document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]'));
  const rendered = views.filter(v => {
    const prev = v.previousElementSibling;
    return prev && prev.classList.contains('widget-subarea') && prev.childElementCount > 0;
  });
  return {
    images: imgs.map(i => ({src: i.currentSrc || i.src, ok: i.complete && i.naturalWidth > 0})),
    cells: document.querySelectorAll('div.cell').length,
    outputs: document.querySelectorAll('div.cell_output').length,
    tracebacks: document.querySelectorAll('div.cell_output .output.traceback, div.cell_output .output.error').length,
    widget_states: document.querySelectorAll('script[type="application/vnd.jupyter.widget-state+json"]').length,
    widget_views: views.length,
    widgets_rendered: rendered.length,
  };
})()
"""

#: JS: all images loaded or failed (lazy ones are made eager first)
IMAGES_SETTLED_JS = r"""
(() => { document.querySelectorAll('img[loading="lazy"]').forEach(i => { i.loading = 'eager'; });
         return Array.from(document.images).every(i => i.complete); })()
"""

WIDGETS_SETTLED_JS = r"""
(() => { const v = document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]');
         return Array.from(v).every(t => { const p = t.previousElementSibling;
           return p && p.classList.contains('widget-subarea') && p.childElementCount > 0; }); })()
"""

#: JS: the sliders of rendered widgets: handle and track positions, and what the widget shows
SLIDERS_JS = r"""
(() => {
  const out = [];
  document.querySelectorAll('div.widget-subarea').forEach((area, w) => {
    area.querySelectorAll('.noUi-target').forEach((track, s) => {
      const handle = track.querySelector('.noUi-handle');
      if (!handle) return;
      track.scrollIntoView({block: 'center'});
      const t = track.getBoundingClientRect(), h = handle.getBoundingClientRect();
      out.push({widget: w, slider: s, hx: h.x + h.width / 2, hy: h.y + h.height / 2,
                left: t.x + 2, right: t.x + t.width - 2});
    });
  });
  return out;
})()
"""

#: JS template: a signature of what widget number %d shows: its visible images and texts, not
#: counting the slider itself (its readout always changes)
SHOWN_JS = r"""
(() => {
  const area = document.querySelectorAll('div.widget-subarea')[%d];
  const visible = e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0 &&
                         getComputedStyle(e).visibility !== 'hidden'; };
  const shown = e => visible(e) && e.closest('.widget-slider') === null;  // not the slider itself
  const imgs = Array.from(area.querySelectorAll('img')).filter(shown).map(i => i.currentSrc || i.src);
  const text = Array.from(area.querySelectorAll('.widget-html-content, .widget-label, pre'))
                    .filter(shown).map(e => e.textContent);
  return JSON.stringify({imgs, text});
})()
"""


#: JS template: readability problems of the page (a JSON list of strings); %s: JSON options
READABILITY_JS = r"""
(async (opts) => {
  const problems = [];
  const article = document.querySelector('article.bd-article') || document.querySelector('main')
                  || document.body;
  const right = article.getBoundingClientRect().right;
  const describe = e => e.tagName.toLowerCase() + (e.className && typeof e.className === 'string'
                        ? '.' + e.className.trim().split(/\s+/).slice(0, 2).join('.') : '');
  article.querySelectorAll('img, table, pre, .cell_output > *, .widget-subarea').forEach(e => {
    const r = e.getBoundingClientRect();
    if (r.width > 0 && r.right > right + 2)
      problems.push(`${describe(e)} is wider than the content column (${Math.round(r.right - right)} px beyond it)`);
  });
  article.querySelectorAll('pre, div.output_area, .cell_output table').forEach(e => {
    if (e.clientWidth > 0 && e.scrollWidth > e.clientWidth + 2)
      problems.push(`${describe(e)} scrolls sideways (${e.scrollWidth} px of content in ${e.clientWidth} px)`);
  });
  const text = article.innerText;
  for (const p of opts.paths) if (text.includes(p)) problems.push(`the text shows the build path ${p}`);
  const pngText = async src => {
    const buf = new Uint8Array(await (await fetch(src)).arrayBuffer());
    if (buf.length < 8 || buf[1] !== 0x50 || buf[2] !== 0x4e) return null;
    const view = new DataView(buf.buffer), dec = new TextDecoder('latin1'), out = {};
    for (let i = 8; i + 8 <= buf.length;) {
      const len = view.getUint32(i), type = dec.decode(buf.slice(i + 4, i + 8));
      if (type === 'tEXt') { const d = buf.slice(i + 8, i + 8 + len), z = d.indexOf(0);
                             out[dec.decode(d.slice(0, z))] = dec.decode(d.slice(z + 1)); }
      if (type === 'IEND') break;
      i += 12 + len;
    }
    return out;
  };
  const imgs = Array.from(article.querySelectorAll('div.cell_output img'));
  for (const [k, img] of imgs.entries()) {
    const name = `output image ${k + 1} (${(img.getAttribute('src') || '').slice(0, 40)})`;
    let meta = null;
    try { meta = await pngText(img.currentSrc || img.src); } catch (err) { meta = null; }
    if (!meta || !('frcnet:image-panels' in meta)) {
      problems.push(`${name} has no readability metadata (draw it with frcnet_lite.plotting.show)`); continue; }
    const panels = +meta['frcnet:image-panels'], bars = +meta['frcnet:scale-bars'],
          exempt = +(meta['frcnet:no-scale-panels'] || 0);
    if (panels > bars + exempt) problems.push(`${name}: ${panels - bars - exempt} of ${panels} image panels without a scale bar`);
    const shown = img.getBoundingClientRect().width;
    if ('frcnet:min-font-px' in meta && shown > 0 && img.naturalWidth > 0) {
      const px = +meta['frcnet:min-font-px'] * shown / img.naturalWidth;
      if (px < opts.min_font_px) problems.push(`${name}: smallest text ${px.toFixed(1)} px on screen (< ${opts.min_font_px})`);
    }
  }
  return problems;
})(%s)
"""


@dataclass
class PageReport:
    """What the browser saw on one page."""

    page: str
    problems: list[str] = field(default_factory=list)
    n_images: int = 0
    notebook: bool = False
    n_outputs: int = 0
    n_widgets: int = 0
    n_sliders_moved: int = 0
    screenshot: Path | None = None
    seconds: float = 0.0


def event_problems(events: list[dict[str, Any]], base_url: str) -> list[str]:
    """JS errors, console errors, failed or external requests among a page's DevTools events."""
    host = urlparse(base_url).netloc
    problems = []
    requests: dict[str, str] = {}
    for ev in events:
        m, p = ev["method"], ev.get("params", {})
        if m == "Runtime.exceptionThrown":
            d = p["exceptionDetails"]
            problems.append(f"JavaScript error: {d.get('exception', {}).get('description') or d.get('text')}")
        elif m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in p.get("args", []))
            problems.append(f"console.{p['type']}: {text}")
        elif m == "Log.entryAdded" and p["entry"].get("level") == "error":
            e = p["entry"]
            problems.append(f"browser error: {e.get('text')} {e.get('url', '')}".rstrip())
        elif m == "Network.requestWillBeSent":
            url = p["request"]["url"]
            requests[p["requestId"]] = url
            parsed = urlparse(url)
            if parsed.scheme in ("http", "https", "ws", "wss") and parsed.netloc != host:
                problems.append(f"request leaves the book (must work offline): {url}")
        elif m == "Network.loadingFailed" and not p.get("canceled"):
            problems.append(f"failed to load {requests.get(p['requestId'], '?')}: {p.get('errorText')}")
        elif m == "Network.responseReceived" and p["response"].get("status", 200) >= 400:
            problems.append(f"HTTP {p['response']['status']} for {p['response']['url']}")
    return list(dict.fromkeys(problems))  # once each, in order


def check_sliders(tab: Tab) -> tuple[int, list[str]]:
    """Drag every widget slider to its other end; each must change what its widget shows."""
    problems = []
    moved = 0
    for s in tab.js(SLIDERS_JS) or []:
        before = tab.js(SHOWN_JS % s["widget"])
        # drag to the far end (from the left end if the handle sits at the right)
        target = s["right"] if s["hx"] < (s["left"] + s["right"]) / 2 else s["left"]
        tab.drag(s["hx"], s["hy"], target, s["hy"])
        changed = tab.wait_for(f"{SHOWN_JS % s['widget']} !== {json.dumps(before)}", timeout_s=3)
        if changed:
            moved += 1
        else:
            problems.append(f"moving slider {s['slider'] + 1} of widget {s['widget'] + 1} did not change what it shows")
    return moved, problems


def check_page(browser: Browser, base_url: str, page: str, screenshots: Path | None,
               widget_timeout_s: float = 20.0, forbidden_paths: list[str] | None = None) -> PageReport:
    """Open one page (path relative to the book root) and check it."""
    start = time.monotonic()
    report = PageReport(page=page)
    tab = Tab(browser)
    try:
        if not tab.navigate(base_url + page):
            report.problems.append("the page did not finish loading")
        tab.wait_for(IMAGES_SETTLED_JS, timeout_s=10)
        state = tab.js(PAGE_STATE_JS)
        if state["widget_views"]:
            tab.wait_for(WIDGETS_SETTLED_JS, timeout_s=widget_timeout_s)
            state = tab.js(PAGE_STATE_JS)
        browser.pump(0.2)
        report.n_images = len(state["images"])
        report.problems += [f"image did not load: {i['src']}" for i in state["images"] if not i["ok"]]
        report.notebook = state["cells"] > 0
        report.n_outputs = state["outputs"]
        report.n_widgets = state["widget_views"]
        if report.notebook and state["outputs"] == 0:
            report.problems.append(f"notebook page without outputs ({state['cells']} cells): was it executed?")
        if state["tracebacks"]:
            report.problems.append(f"{state['tracebacks']} cell output(s) show an error traceback")
        if state["widget_views"] and not state["widget_states"]:
            report.problems.append(f"{state['widget_views']} widget(s) but no widget state on the page")
        if state["widgets_rendered"] < state["widget_views"]:
            report.problems.append(
                f"only {state['widgets_rendered']} of {state['widget_views']} widgets rendered")
        opts = {"paths": build_paths() if forbidden_paths is None else forbidden_paths,
                "min_font_px": MIN_FONT_PX}
        report.problems += tab.js(READABILITY_JS % json.dumps(opts)) or []
        if screenshots is not None:
            report.screenshot = screenshots / (page.replace("/", "__").removesuffix(".html") + ".png")
            tab.js("window.scrollTo(0, 0)")
            tab.screenshot(report.screenshot)
        if state["widgets_rendered"]:
            report.n_sliders_moved, slider_problems = check_sliders(tab)
            report.problems += slider_problems
        report.problems = event_problems(tab.events(), base_url) + report.problems
    except CDPError as err:
        report.problems.append(f"browser failure: {err}")
    finally:
        tab.close()
    report.seconds = time.monotonic() - start
    return report


def book_pages(folder: Path) -> list[str]:
    """Every HTML page of a built book (relative POSIX paths), without Sphinx's own folders."""
    pages = [p.relative_to(folder).as_posix() for p in folder.rglob("*.html")]
    return sorted(p for p in pages if not p.startswith(("_static/", "_sources/", "_images/")))


def check_book(folder: Path, screenshots: Path | None = None, pages: list[str] | None = None,
               chromium: str | None = None, progress: bool = False,
               forbidden_paths: list[str] | None = None) -> list[PageReport]:
    """Check every page (or ``pages``) of the built book in ``folder``; one report per page."""
    folder = Path(folder)
    pages = book_pages(folder) if pages is None else pages
    reports = []
    with serve(folder) as base_url, Browser(chromium) as browser:
        for page in pages:
            report = check_page(browser, base_url, page, screenshots, forbidden_paths=forbidden_paths)
            reports.append(report)
            if progress:
                print(f"{'ok  ' if not report.problems else 'FAIL'} {page} ({report.seconds:.1f} s)", file=sys.stderr)
    return reports


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path, help="the built book, e.g. book/_build/html")
    ap.add_argument("--screenshots", type=Path, default=Path("build/screenshots"), help="where screenshots go")
    args = ap.parse_args(argv)
    reports = check_book(args.folder, args.screenshots, progress=True)
    bad = [(r.page, p) for r in reports for p in r.problems]
    for page, problem in bad:
        print(f"{page}: {problem}")
    print(f"{len(reports)} pages, {sum(r.n_widgets for r in reports)} widgets, "
          f"{sum(r.n_sliders_moved for r in reports)} sliders moved, {len(bad)} problems; "
          f"screenshots in {args.screenshots}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
