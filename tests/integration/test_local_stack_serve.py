"""`python -m local serve` as a developer runs it: it comes up, answers, and Ctrl-C (SIGINT) or
SIGTERM takes everything down with it: workers, moto and the HTTP server, and its state file."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from local.moto_server import free_port
from local.template import REPO_ROOT

pytestmark = pytest.mark.integration


def _descendants(pid: int) -> set[int]:
    """Every live process below ``pid`` (from /proc; Linux only)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found: set[int] = set()
    stack = [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            found.add(child)
            stack.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _wait_until_serving(process: subprocess.Popen[str], url: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()[1]
        try:
            requests.get(url, timeout=2)
            return
        except (requests.ConnectionError, requests.Timeout):  # not up, or slow on a busy machine
            time.sleep(0.2)
    pytest.fail(f"{url} never answered")


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="walks /proc to find child processes")
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_serve_starts_answers_and_stops_on_a_signal_leaving_no_process_behind(tmp_path, signum):
    port = free_port()
    state = tmp_path / "stack.json"
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [
            sys.executable,
            "-m",
            "local",
            "serve",
            "--port",
            str(port),
            "--moto-port",
            "0",
            "--state",
            str(state),
        ],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
    )
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_until_serving(process, f"{base}/openapi.json")
        assert requests.get(f"{base}/openapi.json", timeout=30).status_code == 200
        recorded = json.loads(state.read_text())
        assert recorded["api_url"] == base
        assert recorded["pid"] == process.pid
        assert requests.get(recorded["moto_endpoint"] + "/moto-api/", timeout=5).ok
        children = _descendants(process.pid)
        assert len(children) >= 2  # moto and at least one worker
        process.send_signal(signum)
        out, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0
    assert f"curl {base}/health" in out
    assert not state.exists()
    deadline = time.monotonic() + 5
    while any(_alive(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [pid for pid in children if _alive(pid)] == []
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{base}/openapi.json", timeout=2)
