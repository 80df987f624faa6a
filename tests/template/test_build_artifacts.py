"""What `sam build` produced is what Lambda arm64 (Graviton) can load.

A layer installed with the host's wheels on an x86_64 machine holds x86_64 `.so` files: it builds
and deploys green, then fails at the first import on Lambda. These tests read `.aws-sam/build`,
which `make test` creates (its `build` step runs before `pytest`); they fail, never skip, without
it.
"""

from __future__ import annotations

import importlib.machinery
import importlib.metadata
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.tags import compatible_tags, cpython_tags
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / ".aws-sam" / "build"
BUILT_TEMPLATE = BUILD / "template.yaml"  # written by every sam build, cached or not
LAYER = BUILD / "CommonLayer" / "python"
LAYER_SOURCE = ROOT / "layers" / "common"
# The inputs that decide which binaries the layer holds.
BINARY_INPUTS = (LAYER_SOURCE / "requirements.txt", LAYER_SOURCE / "Makefile")

ELF_MAGIC = b"\x7fELF"
EM_AARCH64 = 0xB7
MACHINE_NAMES = {0x03: "x86", 0x28: "ARM (32-bit)", 0x3E: "x86_64", 0xB7: "AArch64"}
# Extension module suffixes the Lambda python3.13 arm64 interpreter imports.
LAMBDA_EXTENSION_SUFFIXES = (".cpython-313-aarch64-linux-gnu.so", ".abi3.so")
# Provided by the Lambda Python runtime; shipping them would shadow the runtime's copies.
RUNTIME_PROVIDED = frozenset(
    canonicalize_name(name)
    for name in ("boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "six", "urllib3")
)
RUNTIME_IMPORT_NAMES = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "six", "urllib3")
# Wheel tags the python3.13 runtime accepts: CPython 3.13 on Amazon Linux 2023 (glibc 2.34).
LAMBDA_PLATFORMS = [
    *(f"manylinux_2_{minor}_aarch64" for minor in range(34, 16, -1)),
    "manylinux2014_aarch64",
]
LAMBDA_WHEEL_TAGS = frozenset(
    str(tag)
    for tags in (
        cpython_tags((3, 13), abis=["cp313"], platforms=LAMBDA_PLATFORMS),
        compatible_tags((3, 13), "cp313", platforms=LAMBDA_PLATFORMS),
    )
    for tag in tags
)
# The environment markers of Lambda's python3.13 runtime on arm64.
LAMBDA_MARKERS = {
    "python_version": "3.13",
    "python_full_version": "3.13.0",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
    "sys_platform": "linux",
    "platform_system": "Linux",
    "platform_machine": "aarch64",
    "os_name": "posix",
    "extra": "",
}


@pytest.fixture(scope="module")
def build() -> Path:
    if not BUILT_TEMPLATE.is_file():
        pytest.fail(f"No sam build output at {BUILD}: run `make build` first (`make test` does).")
    built_at = BUILT_TEMPLATE.stat().st_mtime
    if stale := [str(p.relative_to(ROOT)) for p in BINARY_INPUTS if p.stat().st_mtime > built_at]:
        pytest.fail(f"{BUILD} is older than {', '.join(stale)}: run `make build` first.")
    return BUILD


@pytest.fixture(scope="module")
def layer(build: Path) -> Path:
    if not LAYER.is_dir():
        pytest.fail(f"{LAYER} is missing: Lambda only adds a layer's python/ folder to sys.path.")
    return LAYER


def files_under(top: Path) -> Iterator[Path]:
    return (path for path in sorted(top.rglob("*")) if path.is_file() and not path.is_symlink())


def elf_machine(path: Path) -> int | None:
    """e_machine of an ELF file, None when the file is not ELF."""
    with path.open("rb") as f:
        header = f.read(20)
    if header[:4] != ELF_MAGIC:
        return None
    byteorder = "little" if header[5] == 1 else "big"
    return int.from_bytes(header[18:20], byteorder)


def is_shared_object(path: Path) -> bool:
    return path.suffix == ".so" or ".so." in path.name


def layer_distributions(layer: Path) -> list[importlib.metadata.PathDistribution]:
    return [importlib.metadata.PathDistribution(p) for p in sorted(layer.glob("*.dist-info"))]


def test_every_native_binary_in_the_build_is_aarch64(build: Path) -> None:
    wrong = []
    for path in files_under(build):
        machine = elf_machine(path)
        if machine is None and is_shared_object(path):
            wrong.append(f"{path.relative_to(build)}: not an ELF file")
        elif machine is not None and machine != EM_AARCH64:
            name = MACHINE_NAMES.get(machine, hex(machine))
            wrong.append(f"{path.relative_to(build)}: {name}")
    assert not wrong, "Lambda arm64 cannot load:\n" + "\n".join(wrong)


def test_layer_ships_pydantic_core_compiled_for_lambda_arm64(layer: Path) -> None:
    shared_objects = [p for p in files_under(layer) if is_shared_object(p)]
    assert shared_objects, "The layer holds no .so at all: pydantic_core's extension is missing."
    assert any(p.name.startswith("_pydantic_core.") for p in shared_objects), shared_objects
    for path in shared_objects:
        assert elf_machine(path) == EM_AARCH64, path
    extensions = [p for p in shared_objects if p.suffix == ".so" and ".libs" not in p.parent.name]
    misnamed = [p.name for p in extensions if not p.name.endswith(LAMBDA_EXTENSION_SUFFIXES)]
    assert not misnamed, f"Lambda's arm64 python3.13 would not import: {misnamed}"


def test_layer_wheels_were_chosen_for_lambda_python313_on_arm64(layer: Path) -> None:
    wrong = []
    for dist in layer_distributions(layer):
        tags = {
            line.split(":", 1)[1].strip()
            for line in (dist.read_text("WHEEL") or "").splitlines()
            if line.startswith("Tag:")
        }
        assert tags, f"{dist.name} was not installed from a wheel"
        if not tags & LAMBDA_WHEEL_TAGS:
            wrong.append(f"{dist.name} {dist.version}: {sorted(tags)}")
    assert not wrong, "Wheels Lambda python3.13 arm64 cannot use:\n" + "\n".join(wrong)


def test_layer_has_the_python_folder_lambda_puts_on_sys_path(build: Path, layer: Path) -> None:
    assert [p.name for p in (build / "CommonLayer").iterdir()] == ["python"]
    package = layer / "byline"
    for name in ("__init__.py", "py.typed", "openapi.json"):
        assert (package / name).is_file(), f"byline/{name} is missing from the layer"
    json.loads((package / "openapi.json").read_text(encoding="utf-8"))
    assert not (layer / "bin").exists()
    assert not [p for p in layer.rglob("tests") if p.is_dir()]


def test_layer_holds_the_byline_package_as_it_was_at_build_time(build: Path, layer: Path) -> None:
    built_at = BUILT_TEMPLATE.stat().st_mtime
    source = LAYER_SOURCE / "byline"
    missing, different = [], []
    for path in files_under(source):
        relative = path.relative_to(source)
        if "__pycache__" in relative.parts or path.suffix == ".pyc":
            continue
        if path.stat().st_mtime > built_at:
            continue  # changed since the build; the next build picks it up
        built = layer / "byline" / relative
        if not built.is_file():
            missing.append(str(relative))
        elif built.read_bytes() != path.read_bytes():
            different.append(str(relative))
    assert not missing, f"Missing from the layer: {missing}"
    assert not different, f"Differ from the source: {different} (run `make build` again)"


def test_layer_leaves_boto3_and_its_dependencies_to_the_lambda_runtime(layer: Path) -> None:
    shipped = {canonicalize_name(d.metadata["Name"]) for d in layer_distributions(layer)}
    assert not shipped & RUNTIME_PROVIDED
    for name in RUNTIME_IMPORT_NAMES:
        assert not (layer / name).exists(), name
        assert not (layer / f"{name}.py").exists(), name


def test_layer_pins_every_dependency_its_packages_need(layer: Path) -> None:
    """The layer is installed with --no-deps, so a missing pin would only fail on Lambda."""
    dists = layer_distributions(layer)
    shipped = {canonicalize_name(d.metadata["Name"]) for d in dists}
    assert "pydantic-core" in shipped
    missing = []
    for dist in dists:
        for line in dist.requires or []:
            requirement = Requirement(line)
            if requirement.marker and not requirement.marker.evaluate(LAMBDA_MARKERS):
                continue
            name = canonicalize_name(requirement.name)
            if name not in shipped | RUNTIME_PROVIDED:
                missing.append(f"{dist.metadata['Name']} needs {requirement}")
    assert not missing, "Pin these in layers/common/requirements.txt:\n" + "\n".join(missing)


def test_layer_bytecode_is_precompiled_for_python313_and_never_stale(layer: Path) -> None:
    """/opt is read-only on Lambda: a .py without valid bytecode is compiled on every cold start."""
    without_bytecode, wrong = [], []
    for source in layer.rglob("*.py"):
        pyc = Path(importlib.util.cache_from_source(str(source)))
        if not pyc.is_file():
            without_bytecode.append(str(source.relative_to(layer)))
            continue
        header = pyc.read_bytes()[:16]
        flags = int.from_bytes(header[4:8], "little")
        if header[:4] != importlib.util.MAGIC_NUMBER:
            wrong.append(f"{pyc.relative_to(layer)}: not Python 3.13 bytecode")
        elif flags != 0b01:  # hash-based and not checked: the layer never changes in place
            wrong.append(f"{pyc.relative_to(layer)}: flags {flags:#b}, want unchecked-hash")
        elif header[8:16] != importlib.util.source_hash(source.read_bytes()):
            wrong.append(f"{pyc.relative_to(layer)}: compiled from another source")
    assert not without_bytecode, f"No bytecode for: {without_bytecode[:20]}"
    assert not wrong, "\n".join(wrong[:20])


def swap_in_host_builds(copy: Path, layer: Path) -> None:
    """Replace each layer distribution that holds native code by the test environment's
    installation of the same version, which this machine can load."""
    for dist in layer_distributions(layer):
        files = [f for f in dist.files or [] if ".." not in f.parts]
        if not any(is_shared_object(Path(f.name)) for f in files):
            continue
        name = dist.metadata["Name"]
        try:
            host = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            pytest.fail(f"{name} is not installed in the test environment (make .venv/.installed)")
        assert host.version == dist.version, (
            f"{name}: the layer has {dist.version}, the test environment {host.version}: "
            "requirements/dev.txt and layers/common/requirements.txt disagree (make lock)"
        )
        for file in files:
            (copy / file).unlink(missing_ok=True)
        for file in host.files or []:
            if ".." not in file.parts:
                (copy / file).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(Path(str(file.locate())), copy / file)


@pytest.fixture
def host_runnable_layer(layer: Path, tmp_path: Path) -> Path:
    """A copy of the layer whose native distributions are swapped for the host's builds of the
    same versions, beside the runtime-provided packages from the test environment: as close to
    importing the layer on Lambda as an x86_64 machine gets."""
    copy = tmp_path / "opt" / "python"
    shutil.copytree(layer, copy, symlinks=True)
    swap_in_host_builds(copy, layer)
    runtime = tmp_path / "runtime"
    runtime.mkdir()
    for name in RUNTIME_IMPORT_NAMES:
        spec = importlib.util.find_spec(name)
        assert spec, name
        assert spec.origin, name
        origin = Path(spec.origin)
        target = origin.parent if origin.name == "__init__.py" else origin
        (runtime / target.name).symlink_to(target)
    return copy


SANDBOX = textwrap.dedent(
    """
    import importlib, importlib.util, json, pkgutil, sys
    layer, runtime, functions = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    sys.path[:0] = [layer, runtime]
    import byline
    assert byline.__file__.startswith(layer), byline.__file__
    for module in pkgutil.walk_packages(byline.__path__, "byline."):
        importlib.import_module(module.name)
    for name, folder in functions.items():
        spec = importlib.util.spec_from_file_location(f"handler_{name}", f"{folder}/app.py")
        handler = importlib.util.module_from_spec(spec)
        sys.path.insert(0, folder)
        spec.loader.exec_module(handler)
        sys.path.remove(folder)
        assert callable(handler.lambda_handler), name
    leaked = sorted(
        m.__name__ for m in list(sys.modules.values())
        if getattr(m, "__file__", None) and "site-packages" in m.__file__
    )
    assert not leaked, leaked
    print(len(sys.modules))
    """
)


def test_built_layer_and_handlers_import_with_nothing_but_the_runtime(
    build: Path, host_runnable_layer: Path, tmp_path: Path
) -> None:
    functions = {path.parent.name: str(path.parent) for path in sorted(build.glob("*/app.py"))}
    assert functions, "No function was built"
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "STAGE": "sandbox",
        "TABLE_NAME": "byline-sandbox",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_NAMESPACE": "Byline",
        "POWERTOOLS_SERVICE_NAME": "sandbox",
    }
    # -I -S: no site-packages, no user site, no PYTHON* variables, no current directory.
    result = subprocess.run(  # noqa: S603
        [
            sys.executable,
            "-I",
            "-S",
            "-B",
            "-c",
            SANDBOX,
            str(host_runnable_layer),
            str(tmp_path / "runtime"),
            json.dumps(functions),
        ],
        capture_output=True,
        text=True,
        env=environment,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-4000:]
