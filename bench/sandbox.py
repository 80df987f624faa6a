"""A Lambda-like python3.13 execution environment on this machine, for timing cold starts.

On Lambda a function's process has its code in ``/var/task`` (read-only, no bytecode: SAM ships
``app.py`` alone, so it is compiled at every cold start), the layer's ``python/`` folder on
``sys.path`` (read-only, with the ``.pyc`` files the layer build compiled) and boto3 from the
runtime. :func:`sandbox` lays out the same three folders in a scratch directory:

- the task: a copy of the function's ``CodeUri`` without ``__pycache__`` (what SAM ships);
  children run with ``-B`` so nothing gets compiled into it;
- the layer: a copy of ``.aws-sam/build/CommonLayer/python`` whose native distributions
  (pydantic_core, nh3, wrapt, markupsafe: arm64 builds there) are swapped for this interpreter's
  installation of the same versions, so x86_64 can load them, and whose ``byline`` package is
  the working tree's, compiled as the layer build does (unchecked-hash ``.pyc``). Without a
  build: ``layers/common`` with the dependencies linked from this interpreter's site-packages
  (their ``.pyc`` are pip's);
- the runtime: links to this interpreter's boto3, botocore and their dependencies.

Children run with ``-I -S`` (no site-packages, no user site, no ``PYTHON*`` variables) and
``sys.path`` set by the timing code, so nothing leaks in from the development environment. The
environment is the function's own from template.yaml (``Ref`` and ``GetAtt`` of resources become
dummy names, parameters take their defaults) plus what the Lambda runtime sets, including
``LAMBDA_TASK_ROOT``: powertools' Tracer is therefore *enabled*, as with ``Tracing: Active``, and
patches botocore through aws-xray-sdk at import, exactly as in a deployed cold start.
"""

from __future__ import annotations

import compileall
import importlib.metadata
import importlib.util
import os
import py_compile
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from local.template import REPO_ROOT, Resolver, Template, as_env_value

BUILD = REPO_ROOT / ".aws-sam" / "build"
BUILT_LAYER = BUILD / "CommonLayer" / "python"
SOURCE_LAYER = REPO_ROOT / "layers" / "common"
BENCH = Path(__file__).resolve().parent
RUNTIME_PROVIDED = (
    "boto3",
    "botocore",
    "s3transfer",
    "jmespath",
    "python-dateutil",
    "six",
    "urllib3",
)
"""What the Lambda python3.13 runtime provides, as distribution names."""
DUMMY_ACCOUNT = "123456789012"


class _DummyResources:
    """``Ref``/``GetAtt`` of the template's resources: plausible names, no stack needed."""

    def ref(self, logical_id: str) -> Any:
        return f"bench-{logical_id.lower()}"

    def get_att(self, logical_id: str, attribute: str) -> Any:
        return f"arn:aws:bench:us-east-1:{DUMMY_ACCOUNT}:{logical_id.lower()}/{attribute.lower()}"


@dataclass(frozen=True)
class Function:
    """One function of template.yaml, as far as a cold start cares."""

    logical_id: str
    code_dir: Path
    handler: str
    environment: Mapping[str, str]

    @property
    def folder(self) -> str:
        return self.code_dir.name

    @property
    def module(self) -> str:
        return self.handler.rsplit(".", 1)[0]


def template_functions(template_path: Path | None = None) -> list[Function]:
    """Every Python function of template.yaml with its configured environment, in template
    order."""
    template = Template.load(template_path) if template_path else Template.load()
    resolver = Resolver(template, _DummyResources())
    functions = []
    for logical_id in template.of_type("AWS::Serverless::Function"):
        if not resolver.is_included(logical_id):
            continue
        props = resolver.resolve(template.properties(logical_id))
        if not str(props.get("Runtime", "")).startswith("python") or "CodeUri" not in props:
            continue
        variables = (props.get("Environment") or {}).get("Variables") or {}
        functions.append(
            Function(
                logical_id=logical_id,
                code_dir=(template.root / str(props["CodeUri"])).resolve(),
                handler=str(props.get("Handler", "app.lambda_handler")),
                environment={k: as_env_value(v) for k, v in variables.items()},
            )
        )
    return functions


def lambda_variables(name: str, task: Path, handler: str = "app.lambda_handler") -> dict[str, str]:
    """What the Lambda runtime sets in every function's environment."""
    return {
        "AWS_LAMBDA_FUNCTION_NAME": name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{name}",
        "AWS_LAMBDA_LOG_STREAM_NAME": "2026/01/01/[$LATEST]bench",
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_SESSION_TOKEN": "bench",
        "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
        "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000",
        "LAMBDA_TASK_ROOT": str(task),
        "LAMBDA_RUNTIME_DIR": str(task),
        "_HANDLER": handler,
        "TZ": ":UTC",
        "LANG": "en_US.UTF-8",
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
    }


def _requirement_applies(requirement: Requirement) -> bool:
    environment: dict[str, str] = {str(k): str(v) for k, v in default_environment().items()}
    environment["extra"] = ""
    return requirement.marker is None or requirement.marker.evaluate(environment)


def distribution_closure(names: Iterable[str], exclude: Iterable[str] = ()) -> list[str]:
    """The installed distributions ``names`` need, transitively (no extras), minus ``exclude``."""
    excluded = {canonicalize_name(n) for n in exclude}
    seen: dict[str, str] = {}
    pending = list(names)
    while pending:
        name = canonicalize_name(pending.pop())
        if name in seen or name in excluded:
            continue
        dist = importlib.metadata.distribution(name)
        seen[name] = dist.metadata["Name"]
        for line in dist.requires or []:
            requirement = Requirement(line)
            if _requirement_applies(requirement):
                pending.append(requirement.name)
    return sorted(seen.values())


def link_distributions(names: Iterable[str], target: Path) -> None:
    """Make ``target`` a folder that imports these installed distributions (links to their
    top-level modules and packages, as a deployment package would hold them)."""
    target.mkdir(parents=True, exist_ok=True)
    for name in names:
        dist = importlib.metadata.distribution(name)
        for file in dist.files or []:
            if ".." in file.parts or file.parts[0].endswith((".dist-info", ".data")):
                continue
            top = file.parts[0]
            if top == "__pycache__" or (target / top).exists() or (target / top).is_symlink():
                continue
            source = Path(str(dist.locate_file(top)))
            if source.exists():
                (target / top).symlink_to(source)


def _is_shared_object(name: str) -> bool:
    return name.endswith(".so") or ".so." in name


def swap_in_host_builds(copy: Path, layer: Path) -> list[str]:
    """Replace the layer's distributions that hold native code by this interpreter's
    installation of the same version (tests/unit/test_build_artifacts.py does the same)."""
    swapped = []
    for info in sorted(layer.glob("*.dist-info")):
        dist = importlib.metadata.PathDistribution(info)
        files = [f for f in dist.files or [] if ".." not in f.parts]
        if not any(_is_shared_object(f.name) for f in files):
            continue
        name = dist.metadata["Name"]
        host = importlib.metadata.distribution(name)
        if host.version != dist.version:
            raise RuntimeError(
                f"{name}: the layer has {dist.version}, this interpreter {host.version} (make lock)"
            )
        for file in files:
            (copy / file).unlink(missing_ok=True)
        for file in host.files or []:
            if ".." not in file.parts:
                (copy / file).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(Path(str(file.locate())), copy / file)
        swapped.append(name)
    return swapped


def _copy_code(source: Path, target: Path) -> Path:
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", "*.py[co]"))
    return target


@dataclass
class Sandbox:
    root: Path
    layer: Path
    layer_kind: str
    """``built`` (.aws-sam/build, with the build's bytecode) or ``source`` (layers/common)."""
    runtime: Path
    swapped: list[str] = field(default_factory=list)
    _packages: dict[str, Path] = field(default_factory=dict)

    def task(self, function: Function) -> Path:
        """A fresh copy of the function's code as Lambda would unpack it into /var/task."""
        target = self.root / "task" / function.logical_id
        if not target.exists():
            _copy_code(function.code_dir, target)
        return target

    def code(self, name: str, source: Path) -> Path:
        """A copy of some other handler folder (the floor, the FastAPI version)."""
        target = self.root / "task" / name
        if not target.exists():
            _copy_code(source, target)
        return target

    def package(self, name: str, distributions: Iterable[str]) -> Path:
        """A folder holding these distributions and what they need (minus the runtime's), as a
        deployment package or layer would."""
        if name not in self._packages:
            target = self.root / "packages" / name
            link_distributions(distribution_closure(distributions, RUNTIME_PROVIDED), target)
            self._packages[name] = target
        return self._packages[name]

    def environment(self, function: Function) -> dict[str, str]:
        task = self.task(function)
        return (
            dict(function.environment)
            | lambda_variables(function.logical_id, task, function.handler)
            | {"TABLE_NAME": function.environment.get("TABLE_NAME", "bench-table")}
        )

    def paths(self, task: Path, *extra: Path) -> list[str]:
        """sys.path as Lambda orders it: the task, the layer(s), then the runtime."""
        return [str(task), *(str(p) for p in extra), str(self.runtime)]


@contextmanager
def sandbox(prefer_built: bool = True) -> Iterator[Sandbox]:
    with tempfile.TemporaryDirectory(prefix="byline-bench-") as scratch:
        root = Path(scratch)
        runtime = root / "runtime"
        link_distributions(distribution_closure(RUNTIME_PROVIDED), runtime)
        layer = root / "opt" / "python"
        if prefer_built and (BUILT_LAYER / "byline").is_dir():
            shutil.copytree(
                BUILT_LAYER, layer, symlinks=True, ignore=shutil.ignore_patterns("byline")
            )
            box = Sandbox(root, layer, "built", runtime)
            box.swapped = swap_in_host_builds(layer, BUILT_LAYER)
        else:
            requirements = (SOURCE_LAYER / "requirements.txt").read_text().splitlines()
            pinned = [
                Requirement(line.split("#")[0]).name
                for line in requirements
                if line.split("#")[0].strip()
            ]
            link_distributions(distribution_closure(pinned, RUNTIME_PROVIDED), layer)
            box = Sandbox(root, layer, "source", runtime)
        # The working tree's byline, compiled as the layer build compiles it, so that a change
        # to the layer is measured without waiting for `sam build`.
        _copy_code(SOURCE_LAYER / "byline", layer / "byline")
        compileall.compile_dir(
            layer / "byline",
            quiet=1,
            invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
        )
        yield box


def run_isolated(
    code: str,
    environment: Mapping[str, str],
    cwd: Path,
    *args: str,
    flags: tuple[str, ...] = (),
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter with no site-packages and no bytecode writing."""
    return subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-I", "-S", "-B", *flags, "-c", code, *args],
        capture_output=True,
        text=True,
        env=dict(environment),
        cwd=cwd,
        timeout=timeout,
        check=False,
    )


def has_module(name: str) -> bool:
    return importlib.util.find_spec(name) is not None


__all__ = ["BENCH", "Function", "Sandbox", "has_module", "sandbox", "template_functions"]
