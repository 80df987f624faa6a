"""An unchanged official Ghost starter builds a Byline site: ``make ghost-demo STARTER_DIR=<dir>``.

TryGhost/eleventy-starter-ghost is on no registry, so ``--starter`` is a checkout of it at
STARTER_COMMIT (or an unchanged copy of that tree, checked by STARTER_SHA256). In
build/ghost-demo/ this installs the starter's dependencies from npm (tools/ghost-demo's lock
file; the starter's git dependency replaced by npm's release) and copies the starter beside them,
starts the local stack (``python -m local serve``) on a free port with SITE_URL its own address
(the starter makes every ``url`` a path by cutting GHOST_API_URL off it), seeds a small site
through Byline's API (three authors with profiles, a dozen tagged Markdown posts, a featured one,
an About page, the site's settings, a Content API key), runs ``npm run build``, checks dist/ (the
home pages list every post; a page per post, tag and author) and screenshots the home page and a
post with headless Chromium into docs/.

``--api-url URL --key KEY`` builds against a Content API already running (no stack, no seed).
Any API error stops the run with the request and the answer.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import hashlib
import html
import http.server
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from local.browser import find_browser  # noqa: E402
from local.seed import DEMO_PASSWORD  # noqa: E402

STARTER_REPOSITORY = "TryGhost/eleventy-starter-ghost"
STARTER_COMMIT = "872a36daca6d1726b22472870ffffbf03bc32f98"
STARTER_SHA256 = "9a9bcea7704e626b35122a480edab5c8cf4d587c18cb62f2c504859a9e9a3671"
"""starter_digest() of that commit's tree (git archive), for a copy without .git."""
NOT_THE_STARTER = {".git", "node_modules", "dist"}
"""Top-level entries of a checkout that are not the starter's files (the build makes the last
two), left out of the digest and of the copy."""
DEPENDENCIES = ROOT / "tools" / "ghost-demo"
BUILD = ROOT / "build" / "ghost-demo"
DOCS = ROOT / "docs"
CONFIRMATION_CODE = "123456"  # what the local stack's Cognito (moto) accepts
PASSWORD = "Ghost-demo-42"  # noqa: S105 - the demo writers' password, local stack only


class DemoError(SystemExit):
    """A step failed: the message says which and why."""

    def __init__(self, message: str) -> None:
        super().__init__(f"ghost-demo: {message}")


# ---------------------------------------------------------------- the starter


def starter_digest(directory: Path) -> str:
    """SHA-256 over every file of the starter (sorted relative path, NUL, size, NUL, bytes)."""
    digest = hashlib.sha256()
    for path in sorted(_starter_files(directory)):
        data = (directory / path).read_bytes()
        digest.update(f"{path}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()


def _starter_files(directory: Path) -> Iterator[str]:
    for path in directory.rglob("*"):
        relative = path.relative_to(directory)
        if relative.parts[0] not in NOT_THE_STARTER and path.is_file():
            yield relative.as_posix()


def check_starter(directory: Path | None) -> Path:
    """The starter's directory, if it is the pinned commit unchanged; else a clear refusal."""
    if directory is None:
        raise DemoError(
            f"STARTER_DIR is required: a checkout of {STARTER_REPOSITORY} at {STARTER_COMMIT}"
            f" (git clone https://github.com/{STARTER_REPOSITORY} && git -C"
            f" eleventy-starter-ghost checkout {STARTER_COMMIT[:7]}), then"
            " make ghost-demo STARTER_DIR=eleventy-starter-ghost"
        )
    directory = directory.resolve()
    if not (directory / ".eleventy.js").is_file() or not (directory / "package.json").is_file():
        raise DemoError(f"{directory} is not a checkout of {STARTER_REPOSITORY} (no .eleventy.js)")
    if (directory / ".git").exists():
        head = _git(directory, "rev-parse", "HEAD")
        if head != STARTER_COMMIT:
            raise DemoError(
                f"{directory} is at {head}, not {STARTER_COMMIT}:"
                f" git -C {directory} checkout {STARTER_COMMIT[:7]}"
            )
        if _git(directory, "status", "--porcelain", "--untracked-files=no"):
            raise DemoError(f"{directory} has local changes: the demo runs the starter unchanged")
        return directory
    found = starter_digest(directory)
    if found != STARTER_SHA256:
        raise DemoError(
            f"{directory} is not {STARTER_REPOSITORY} at {STARTER_COMMIT[:7]} unchanged"
            f" (no .git, and its files' digest is {found}, not {STARTER_SHA256})"
        )
    return directory


def _git(directory: Path, *args: str) -> str:
    done = subprocess.run(  # noqa: S603 - git with fixed arguments
        ["git", "-C", str(directory), *args],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise DemoError(f"git {' '.join(args)} in {directory}: {done.stderr.strip()}")
    return done.stdout.strip()


def prepare_build(starter: Path) -> Path:
    """build/ghost-demo: the locked dependencies installed (once per lock file), and site/, the
    starter's files copied fresh."""
    BUILD.mkdir(parents=True, exist_ok=True)
    lock = (DEPENDENCIES / "package-lock.json").read_bytes()
    stamp = BUILD / "node_modules" / ".installed"
    if not stamp.is_file() or stamp.read_bytes() != hashlib.sha256(lock).hexdigest().encode():
        for name in ("package.json", "package-lock.json"):
            shutil.copyfile(DEPENDENCIES / name, BUILD / name)
        _run(
            ["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
            BUILD,
            "npm ci (the starter's dependencies, from npm)",
        )
        stamp.write_bytes(hashlib.sha256(lock).hexdigest().encode())
    site = BUILD / "site"
    shutil.rmtree(site, ignore_errors=True)
    for relative in _starter_files(starter):
        target = site / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(starter / relative, target)
    return site


def _run(command: list[str], cwd: Path, what: str, env: dict[str, str] | None = None) -> None:
    print(f"ghost-demo: {what}", flush=True)
    if subprocess.run(command, cwd=cwd, env=env, check=False).returncode:  # noqa: S603 - npm or node with fixed arguments
        raise DemoError(f"{what} failed (see above)")


# ---------------------------------------------------------------- the local stack


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def local_stack() -> Iterator[str]:
    """``python -m local serve`` on a free port, SITE_URL its own base URL; yields that URL."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = (BUILD / "stack.log").open("w", encoding="utf-8")
    command = [sys.executable, "-m", "local", "serve", "--port", str(port), "--moto-port", "0"]
    command += ["--state", str(BUILD / "stack.json"), "--parameter-overrides", f"SiteUrl={base}"]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "layers" / "common"), str(ROOT)]),
    }
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
    try:
        deadline = time.monotonic() + 300
        while True:
            if process.poll() is not None:
                raise DemoError(f"the local stack stopped (exit {process.returncode}): {log.name}")
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{base}/health", timeout=5).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise DemoError(
                    f"the local stack did not answer on {base} in 5 minutes: {log.name}"
                )
            time.sleep(1)
        print(f"ghost-demo: local stack on {base} (log {log.name})", flush=True)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


# ---------------------------------------------------------------- seeding through Byline's API


class Api:
    """Byline's API, failing loudly: any answer but the expected status stops the demo."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.session = requests.Session()

    def call(
        self,
        method: str,
        path: str,
        token: str | None = None,
        expect: int = 200,
        headers: dict[str, str] | None = None,
        **body: Any,
    ) -> requests.Response:
        sent = dict(headers or {})
        if token:
            sent["Authorization"] = f"Bearer {token}"
        response = self.session.request(
            method,
            f"{self.base}{path}",
            json=None if method == "GET" else body,
            headers=sent,
            timeout=60,
        )
        if response.status_code != expect:
            raise DemoError(
                f"{method} {path} answered {response.status_code}, not {expect}: {response.text}"
            )
        return response

    def login(self, username: str, password: str) -> str:
        answer = self.call("POST", "/auth/login", login=username, password=password).json()
        return str(answer["id_token"])


@dataclass(frozen=True)
class Writer:
    username: str
    name: str
    bio: str
    website: str
    location: str
    twitter: str


WRITERS = (
    Writer(
        "ada",
        "Ada Okafor",
        "Writes about cities, bicycles and the people who fix them.",
        "https://ada.example.com",
        "Lagos",
        "@adaokafor",
    ),
    Writer(
        "bruno",
        "Bruno Lemaire",
        "Cooks, then writes down what went wrong.",
        "https://bruno.example.com",
        "Lyon",
        "@brunocooks",
    ),
    Writer(
        "chen",
        "Chen Wei",
        "Maps, trains and slow travel.",
        "https://chen.example.com",
        "Taipei",
        "@chenmaps",
    ),
)

TOPICS = {
    "cities": [
        "Night buses of Lagos",
        "A street that fixed itself",
        "Bridges nobody crosses",
        "The bicycle repair stall",
    ],
    "food": [
        "Bread that refused to rise",
        "Ten onions, one soup",
        "The market at six",
        "Salt, and how much",
    ],
    "travel": [
        "Slow trains across the island",
        "A map drawn by hand",
        "Waiting rooms",
        "The last ferry home",
    ],
}


def _body(title: str, topic: str) -> str:
    """A few paragraphs of Markdown about ``topic`` (the title is the post's own)."""
    return (
        f"This is a story about **{topic}**, written in Markdown on Byline and read through "
        "Ghost's Content API by an unchanged Ghost starter.\n\n"
        f"## What {title.lower()} taught us\n\n"
        "- it has a list\n- with *emphasis*\n- and `a little code`\n\n"
        "> A quotation, because every blog has one.\n\n"
        "More words follow, so that the reading time is more than nothing: the starter "
        "counts them itself, while Byline's own reading time travels as `reading_time`.\n\n"
        "The end of the story is a paragraph like any other, and the next post begins where "
        "this one stops.\n"
    )


def seed_site(api: Api) -> tuple[str, list[str]]:
    """Seed the demo site; its Content API key and the titles of its posts."""
    admin = api.login("admin", DEMO_PASSWORD)
    editor = api.login("editor", DEMO_PASSWORD)
    tokens = {}
    for writer in WRITERS:
        api.call(
            "POST",
            "/auth/signup",
            expect=201,
            username=writer.username,
            email=f"{writer.username}@example.com",
            password=PASSWORD,
            display_name=writer.name,
        )
        api.call(
            "POST", "/auth/confirm", expect=204, username=writer.username, code=CONFIRMATION_CODE
        )
        api.call("PUT", f"/users/{writer.username}/role", admin, role="author")
        tokens[writer.username] = api.login(writer.username, PASSWORD)
        api.call(
            "PATCH",
            "/me",
            tokens[writer.username],
            bio=writer.bio,
            website=writer.website,
            location=writer.location,
            twitter=writer.twitter,
        )
    titles = []
    for index, (topic, topic_titles) in enumerate(TOPICS.items()):
        writer = WRITERS[index]
        for title in topic_titles:
            tags = [topic, "notes"] if len(titles) % 3 == 0 else [topic]
            made = api.call(
                "POST",
                "/articles",
                tokens[writer.username],
                expect=201,
                title=title,
                body=_body(title, topic),
                tags=tags,
            ).json()
            api.call("POST", f"/articles/{made['id']}/publish", tokens[writer.username])
            titles.append(title)
    featured = "Why this site is built by a Ghost starter"
    made = api.call(
        "POST",
        "/articles",
        editor,
        expect=201,
        title=featured,
        featured=True,
        body=_body(featured, "Byline"),
        tags=["notes"],
    ).json()
    api.call("POST", f"/articles/{made['id']}/publish", editor)
    titles.append(featured)
    about = api.call(
        "POST",
        "/articles",
        editor,
        expect=201,
        type="page",
        title="About",
        body="Byline is a serverless publishing backend. This site is a demo.",
    ).json()
    about_slug = api.call("POST", f"/articles/{about['id']}/publish", editor).json()["slug"]
    etag = api.call("GET", "/site").headers["ETag"]
    api.call(
        "PUT",
        "/site",
        admin,
        headers={"If-Match": etag},
        title="Field Notes",
        description="Cities, food and slow travel: a Byline site rendered by Ghost's starter.",
        navigation=[{"label": "Home", "url": "/"}, {"label": "About", "url": f"/{about_slug}/"}],
        lang="en",
        timezone="Europe/London",
    )
    key = api.call("POST", "/content-keys", admin, expect=201, name="Eleventy starter").json()
    print(f"ghost-demo: seeded {len(titles)} posts, an About page, settings and a key", flush=True)
    return str(key["key"]), titles


# ---------------------------------------------------------------- build, check, screenshots


def build(site: Path, api_url: str, key: str, site_url: str) -> Path:
    env = {
        **os.environ,
        "GHOST_API_URL": api_url,
        "GHOST_CONTENT_API_KEY": key,
        "SITE_URL": site_url,
        "NO_PROXY": "localhost,127.0.0.1",
    }
    shutil.rmtree(site / "dist", ignore_errors=True)
    _run(["npm", "run", "build"], site, "npm run build (the starter, unchanged)", env)
    return site / "dist"


def content(api_url: str, key: str, resource: str) -> list[dict[str, Any]]:
    """Every item of a Content API browse (the starter's own calls use limit=all)."""
    url = f"{api_url}/ghost/api/content/{resource}/"
    response = requests.get(url, params={"key": key, "limit": "all"}, timeout=60)
    if response.status_code != 200:
        raise DemoError(f"GET {url} answered {response.status_code}: {response.text}")
    found: list[dict[str, Any]] = response.json()[resource]
    return found


def check_output(dist: Path, api_url: str, key: str, titles: list[str]) -> list[str]:
    """What is wrong with dist/: the home pages list every post; a page per post, tag, author.
    Returns the posts' slugs, newest first."""
    posts = content(api_url, key, "posts")
    problems = [
        f"post {t!r} is not served by the Content API"
        for t in titles
        if t not in {p["title"] for p in posts}
    ]
    home = [dist / "index.html", *sorted(dist.glob("[0-9]*/index.html"))]
    listed = html.unescape(" ".join(page.read_text(encoding="utf-8") for page in home))
    problems += [
        f"home pages do not list {p['title']!r}" for p in posts if p["title"] not in listed
    ]
    expected = [f"{p['slug']}/index.html" for p in posts]
    expected += [f"tag/{t['slug']}/index.html" for t in content(api_url, key, "tags")]
    expected += [f"author/{a['slug']}/index.html" for a in content(api_url, key, "authors")]
    problems += [f"no {path}" for path in expected if not (dist / path).is_file()]
    if problems:
        raise DemoError("the built site is incomplete:\n  " + "\n  ".join(problems))
    print(
        f"ghost-demo: dist/ has {len(expected)} pages and home lists {len(posts)} posts", flush=True
    )
    return [str(p["slug"]) for p in posts]


class _Utf8Files(http.server.SimpleHTTPRequestHandler):
    """dist/ as a static host serves it: the starter's HTML has no <meta charset>."""

    extensions_map = {  # noqa: RUF012 - the base class's attribute, replaced
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".html": "text/html; charset=utf-8",
        ".xml": "application/xml; charset=utf-8",
        ".txt": "text/plain; charset=utf-8",
    }

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def serving(dist: Path, port: int) -> Iterator[str]:
    handler = functools.partial(_Utf8Files, directory=str(dist))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        server.server_close()


def screenshots(site_url: str, post_slug: str, dist: Path, output: Path) -> None:
    chromium = find_browser()
    if chromium is None:
        raise DemoError("no Chromium found: apt-get install chromium (or make chromium)")
    shutil.copyfile(DEPENDENCIES / "shot.cjs", BUILD / "shot.cjs")
    home, post = output / "ghost-demo-home.png", output / "ghost-demo-post.png"
    with serving(dist, int(site_url.rsplit(":", 1)[1])):
        _run(
            [
                "node",
                "shot.cjs",
                str(chromium),
                f"{site_url}/",
                str(home),
                f"{site_url}/{post_slug}/",
                str(post),
            ],
            BUILD,
            "screenshots (headless Chromium)",
        )
    print(f"ghost-demo: wrote {home} and {post}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--starter", default="", help=f"a checkout of {STARTER_REPOSITORY}")
    parser.add_argument("--api-url", help="a running Content API's base URL (skips the stack)")
    parser.add_argument("--key", help="its Content API key (with --api-url)")
    parser.add_argument("--output", type=Path, default=DOCS, help="where the screenshots go")
    parser.add_argument("--digest", type=Path, help="print a starter copy's digest and stop")
    args = parser.parse_args(argv)
    if args.digest:
        print(starter_digest(args.digest))
        return 0
    starter = check_starter(Path(args.starter) if args.starter else None)
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            raise DemoError(f"{tool} is required (the starter is a Node.js project)")
    site = prepare_build(starter)
    site_url = f"http://127.0.0.1:{free_port()}"  # where dist/ is served for the screenshots
    with contextlib.ExitStack() as stack:
        if args.api_url:
            if not args.key:
                raise DemoError("--api-url needs --key")
            api_url, key, titles = args.api_url.rstrip("/"), args.key, []
        else:
            api_url = stack.enter_context(local_stack())
            key, titles = seed_site(Api(api_url))
        dist = build(site, api_url, key, site_url)
        slugs = check_output(dist, api_url, key, titles)
        # the newest post that is not the featured one: an ordinary article page
        screenshots(site_url, slugs[1] if len(slugs) > 1 else slugs[0], dist, args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
