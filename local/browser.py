"""Headless Chromium driven over the DevTools protocol on a pipe, for /docs checks and pictures.

``--remote-debugging-pipe`` makes Chromium read protocol commands on file descriptor 3 and
write answers and events on 4, each a JSON object ended by a NUL byte: no WebDriver, no
WebSocket client and no port to find, only the standard library. Waiting is always for a
condition in the page (polled until a deadline), never a fixed sleep.

Chromium is Debian's (``apt-get install chromium``; ``make test`` installs it when missing),
or any ``chromium-browser``/``google-chrome`` on PATH.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import select
import shlex
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Self

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--hide-scrollbars",
    "--force-device-scale-factor=1",
    "--remote-debugging-pipe",
)


class BrowserError(RuntimeError):
    """Chromium refused a command, died, or a page never reached the awaited state."""


def find_browser() -> str | None:
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    return None


def _above_four(fd: int) -> int:
    moved = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 5)
    os.close(fd)
    return moved


class Browser:
    """One headless Chromium with a fresh profile and one page; a context manager."""

    def __init__(self, executable: str, *, width: int = 1280, height: int = 900) -> None:
        self._profile = tempfile.TemporaryDirectory(prefix="byline-chromium-")
        to_browser_read, self._to_browser = os.pipe()
        self._from_browser, from_browser_write = os.pipe()
        # Above 4, so that moving one onto 3 or 4 cannot overwrite the other.
        to_browser_read = _above_four(to_browser_read)
        from_browser_write = _above_four(from_browser_write)
        command = [
            executable,
            *FLAGS,
            f"--user-data-dir={self._profile.name}",
            f"--window-size={width},{height}",
            "about:blank",
        ]
        # The protocol's descriptors must be 3 and 4 in Chromium: bash moves them there (dash
        # takes no descriptor above 9)
        # (a preexec_fn would do it too, but is unsafe with the threads of a running stack).
        script = f'exec "$@" 3<&{to_browser_read} 4>&{from_browser_write}'
        self._process = subprocess.Popen(  # noqa: S603 - our own fixed script and arguments
            ["/bin/bash", "-c", script, "bash", *command],
            pass_fds=(to_browser_read, from_browser_write),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        os.close(to_browser_read)
        os.close(from_browser_write)
        self._command = shlex.join(command)
        self._buffer = b""
        self._next_id = 0
        self._session: str | None = None
        self.exceptions: list[str] = []
        self.console_errors: list[str] = []
        try:
            target = self.send("Target.createTarget", {"url": "about:blank"}, session=False)
            attached = self.send(
                "Target.attachToTarget",
                {"targetId": target["targetId"], "flatten": True},
                session=False,
            )
            self._session = attached["sessionId"]
            self.send("Runtime.enable")
            self.send("Log.enable")
            self.resize(width, height)
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------ protocol

    def send(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        *,
        session: bool = True,
        timeout: float = 30,
    ) -> dict[str, Any]:
        """Send one command and return its result; events that arrive meanwhile are noted."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session and self._session:
            message["sessionId"] = self._session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            answer = self._receive(deadline, method)
            if answer.get("id") == self._next_id:
                if "error" in answer:
                    raise BrowserError(f"{method}: {answer['error']}")
                result: dict[str, Any] = answer.get("result", {})
                return result
            self._note_event(answer)

    def _receive(self, deadline: float, waiting_for: str) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise BrowserError(f"no answer to {waiting_for} from {self._command}")
            ready, _, _ = select.select([self._from_browser], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(self._from_browser, 1 << 20)
            if not chunk:
                raise BrowserError(f"Chromium exited: {self._stderr_tail()}")
            self._buffer += chunk
        raw, _, self._buffer = self._buffer.partition(b"\0")
        parsed: dict[str, Any] = json.loads(raw)
        return parsed

    def _note_event(self, event: dict[str, Any]) -> None:
        params = event.get("params") or {}
        if event.get("method") == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails") or {}
            description = (details.get("exception") or {}).get("description")
            self.exceptions.append(str(description or details.get("text")))
        elif event.get("method") == "Log.entryAdded":
            entry = params.get("entry") or {}
            if entry.get("level") == "error":
                self.console_errors.append(f"{entry.get('text')} ({entry.get('url', '')})")
        elif event.get("method") == "Runtime.consoleAPICalled" and params.get("type") == "error":
            self.console_errors.append(
                " ".join(str(a.get("value", a.get("description"))) for a in params.get("args", []))
            )

    def _stderr_tail(self) -> str:
        if self._process.poll() is None or self._process.stderr is None:
            return "(still running)"
        return self._process.stderr.read().decode(errors="replace")[-2000:]

    # ------------------------------------------------------------ page

    def resize(self, width: int, height: int) -> None:
        self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )

    def goto(self, url: str) -> None:
        result = self.send("Page.navigate", {"url": url})
        if result.get("errorText"):
            raise BrowserError(f"{url}: {result['errorText']}")

    def evaluate(self, expression: str) -> Any:
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in result:
            raise BrowserError(f"{expression!r}: {result['exceptionDetails'].get('text')}")
        return result.get("result", {}).get("value")

    def wait_for(self, expression: str, *, timeout: float = 60, interval: float = 0.1) -> Any:
        """Evaluate until the expression is truthy; its value. A deadline, not a sleep."""
        deadline = time.monotonic() + timeout
        value = None
        while time.monotonic() < deadline:
            value = self.evaluate(expression)
            if value:
                return value
            time.sleep(interval)
        raise BrowserError(
            f"timed out after {timeout:.0f}s waiting for {expression!r} (last value {value!r}); "
            f"page exceptions {self.exceptions}, console errors {self.console_errors}"
        )

    def screenshot(self, output: Path, *, width: int, height: int | None = None) -> None:
        """The page from its top, ``width`` pixels wide and ``height`` high (all of it when
        None), as a PNG."""
        full = int(self.evaluate("document.documentElement.scrollHeight"))
        height = min(height or full, full)
        self.resize(width, full)
        shot = self.send(
            "Page.captureScreenshot",
            {
                "format": "png",
                "captureBeyondViewport": True,
                "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1},
            },
            timeout=120,
        )
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_bytes(base64.b64decode(shot["data"]))

    def close(self) -> None:
        if self._process.poll() is None:
            with contextlib.suppress(BrowserError, OSError):
                self.send("Browser.close", session=False, timeout=5)
            try:
                self._process.wait(10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(10)
        for fd in (self._to_browser, self._from_browser):
            with contextlib.suppress(OSError):
                os.close(fd)
        if self._process.stderr is not None:
            self._process.stderr.close()
        self._profile.cleanup()


# ---------------------------------------------------------------- Swagger UI

# Every operation Swagger UI rendered, as "METHOD path" (its summary rows carry both).
RENDERED_OPERATIONS_JS = """JSON.stringify(Array.from(
  document.querySelectorAll('#swagger-ui .opblock .opblock-summary'),
  (row) => {
    const method = row.querySelector('.opblock-summary-method');
    const path = row.querySelector('.opblock-summary-path');
    return (method ? method.textContent.trim().toUpperCase() : '?') + ' ' +
      (path ? (path.getAttribute('data-path') || path.textContent.trim()) : '?');
  }))"""

RENDER_ERROR_JS = """(() => {
  const error = document.querySelector('#swagger-ui .version-pragma, #swagger-ui .errors-wrapper');
  return error ? error.textContent.trim() : '';
})()"""

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def document_operations(document: dict[str, Any]) -> set[str]:
    """Every operation of an OpenAPI document as "METHOD path"."""
    paths: dict[str, dict[str, Any]] = document.get("paths") or {}
    return {
        f"{method.upper()} {path}"
        for path, item in paths.items()
        for method in item
        if method in HTTP_METHODS
    }


def wait_for_operations(
    browser: Browser, expected: Iterable[str], *, timeout: float = 90
) -> set[str]:
    """Wait until Swagger UI shows every expected operation (or an error); what it shows."""
    wanted = json.dumps(sorted(set(expected)))
    condition = f"""(() => {{
      const error = {RENDER_ERROR_JS};
      if (error) return JSON.stringify({{error}});
      const shown = new Set(JSON.parse({RENDERED_OPERATIONS_JS}));
      const wanted = {wanted};
      return wanted.every((op) => shown.has(op)) ? JSON.stringify({{shown: [...shown]}}) : '';
    }})()"""
    try:
        found = json.loads(browser.wait_for(condition, timeout=timeout))
    except BrowserError:
        shown = set(json.loads(browser.evaluate(RENDERED_OPERATIONS_JS) or "[]"))
        missing = sorted(set(expected) - shown)
        raise BrowserError(
            f"Swagger UI rendered {len(shown)} operations; missing {missing}; "
            f"page exceptions {browser.exceptions}, console errors {browser.console_errors}"
        ) from None
    if "error" in found:
        raise BrowserError(f"Swagger UI shows an error: {found['error']}")
    return set(found["shown"])
