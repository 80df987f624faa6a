"""The README's walk-through runs as written: every ```bash block, top to bottom, in one bash
process (``set -euo pipefail``), against a local stack started the way `make dev` starts one
(``python -m local serve``, schedules and queue pollers included) on free ports.

A block preceded by ``<!-- not run -->`` is shown, not run (`make dev` itself, deploying). The
blocks say ``http://127.0.0.1:3000``; the runner puts the test stack's address there. `make
invoke` in a block finds that stack through ``BYLINE_LOCAL_STATE``, as it finds `make dev`'s
through .local/stack.json. The counts below are asserted so that a block dropped from the run
by mistake (a changed fence, a stray marker) is noticed."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
README_URL = "http://127.0.0.1:3000"
NOT_RUN = "<!-- not run -->"
RUN_BLOCKS = 5  # identity; articles; subscription and digest cycle; a Ghost front-end's
# read; `make invoke` of one function
SHOWN_BLOCKS = 3  # `make dev`/`make test`; sam local with Docker; deploying
FENCE = re.compile(r"^```(?P<info>[^\n`]*)\n(?P<body>.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
# What a fresh shell has; nothing from this test session's emulated AWS leaks in.
PASSED_THROUGH = ("PATH", "HOME", "USER", "LANG", "LC_ALL", "TMPDIR", "PYTHONPATH", "TERM")


@dataclass(frozen=True)
class Block:
    line: int
    body: str
    run: bool


def bash_blocks(markdown: str) -> list[Block]:
    """Every ```bash block, with whether the line before its fence marks it not to be run."""
    blocks = []
    for match in FENCE.finditer(markdown):
        if match["info"].strip() != "bash":
            continue
        before = markdown[: match.start()].rstrip("\n").rsplit("\n", 1)[-1]
        line = markdown.count("\n", 0, match.start()) + 1
        blocks.append(Block(line, match["body"], run=before.strip() != NOT_RUN))
    return blocks


def script(blocks: list[Block], base_url: str) -> str:
    parts = [
        "set -euo pipefail",
        "trap 'echo \"README walk-through stopped at: $BASH_COMMAND\" >&2' ERR",
    ]
    for block in blocks:
        if block.run:
            parts.append(f"echo '--- README.md block at line {block.line}' >&2")
            parts.append(block.body.replace(README_URL, base_url))
    parts.append("echo '--- README walk-through: every block ran' >&2")
    return "\n".join(parts) + "\n"


def test_the_runner_tells_shown_blocks_from_run_blocks():
    markdown = (
        "text\n\n<!-- not run -->\n```bash\nmake dev\n```\n\n```bash\ncurl -fsS "
        f"{README_URL}/health\n```\n\n```console\n$ ls\n```\n\n```\nplain\n```\n"
    )
    blocks = bash_blocks(markdown)
    assert [(b.body, b.run) for b in blocks] == [
        ("make dev\n", False),
        (f"curl -fsS {README_URL}/health\n", True),
    ]
    assert "curl -fsS http://127.0.0.1:4321/health" in script(blocks, "http://127.0.0.1:4321")
    assert "make dev" not in script(blocks, "http://127.0.0.1:4321")


def test_the_readme_has_the_blocks_this_test_expects():
    blocks = bash_blocks(README.read_text(encoding="utf-8"))
    assert sum(b.run for b in blocks) == RUN_BLOCKS, [(b.line, b.run) for b in blocks]
    assert sum(not b.run for b in blocks) == SHOWN_BLOCKS, [(b.line, b.run) for b in blocks]


@pytest.fixture(scope="module")
def readme_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    """`make dev` on free ports, recording itself in a state file of its own."""
    home = tmp_path_factory.mktemp("readme")
    env = {name: os.environ[name] for name in PASSED_THROUGH if name in os.environ}
    env["BYLINE_LOCAL_STATE"] = str(home / "stack.json")
    env["BYLINE_LOCAL_TIMEOUT_FACTOR"] = os.environ.get("BYLINE_LOCAL_TIMEOUT_FACTOR", "4")
    env["PATH"] = f"{_make_without_venv_rebuild(home)}:{env.get('PATH', '')}"
    log = (home / "serve.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "local", "serve", "--port", "0", "--moto-port", "0"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        state = Path(env["BYLINE_LOCAL_STATE"])
        deadline = time.monotonic() + 240
        while not state.exists():
            assert server.poll() is None, (home / "serve.log").read_text()
            assert time.monotonic() < deadline, (home / "serve.log").read_text()
            time.sleep(0.5)
        yield json.loads(state.read_text())["api_url"], env
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def _make_without_venv_rebuild(home: Path) -> Path:
    """A `make` that takes .venv as installed: this test runs in it, and a checkout whose
    requirement files are newer than the venv's stamp must not rebuild it under the test."""
    bin_dir = home / "bin"
    bin_dir.mkdir()
    real = shutil.which("make")
    assert real, "make is needed for the README's `make invoke` blocks"
    shim = bin_dir / "make"
    shim.write_text(f'#!/bin/sh\nexec {real} -o .venv/.installed "$@"\n', encoding="utf-8")
    shim.chmod(0o755)
    return bin_dir


def test_every_bash_block_of_the_readme_runs_in_one_shell_against_a_fresh_stack(readme_stack):
    base_url, env = readme_stack
    blocks = bash_blocks(README.read_text(encoding="utf-8"))
    assert sum(b.run for b in blocks) == RUN_BLOCKS
    bash = shutil.which("bash")
    assert bash, "the README's blocks are bash"
    finished = subprocess.run(  # noqa: S603 - the README's own blocks, the point of this test
        [bash, "-c", script(blocks, base_url)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    report = f"stdout:\n{finished.stdout[-6000:]}\nstderr:\n{finished.stderr[-6000:]}"
    assert finished.returncode == 0, report
    ran = re.findall(r"^--- README\.md block at line \d+$", finished.stderr, re.MULTILINE)
    assert len(ran) == RUN_BLOCKS, report
    assert "every block ran" in finished.stderr, report
    # the walk-through's last article read: the accepted cover, one like, one comment
    assert re.search(r"media/author/\w+\.png 1 1$", finished.stdout, re.MULTILINE), report
