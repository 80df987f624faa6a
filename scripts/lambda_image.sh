#!/usr/bin/env bash
# Build a Lambda-compatible python3.13 x86_64 image without any image registry, for
# `sam local invoke|start-api --invoke-image IMAGE --skip-pull-image` (docs/decisions/0016).
#
#   sudo scripts/lambda_image.sh [IMAGE]        (default byline/lambda-python3.13:local)
#
# A Debian bookworm root (debootstrap, minbase), this machine's Python 3.13 copied to /var/lang
# as Lambda's images have it, awslambdaric and boto3 in /var/runtime, and /var/runtime/bootstrap,
# which SAM's emulator (the RIE it mounts at /var/rapid) starts. `docker import` makes the image.
#
# Environment:
#   LAMBDA_PYTHON          the Python 3.13 to copy (a Linux x86_64 build; default python3.13)
#   LAMBDA_IMAGE_SCRATCH   where the root is built (default .local/lambda-image); the
#                          debootstrap result is kept there as base/ and reused
#   DEBIAN_MIRROR          a Debian mirror for debootstrap (default: debootstrap's own)
#   FORCE=1                rebuild although the image exists
# Needs root (debootstrap, chroot), docker, debootstrap, and network access to Debian's
# packages and PyPI.
set -euo pipefail

IMAGE=${1:-byline/lambda-python3.13:local}
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(dirname "$HERE")
SCRATCH=${LAMBDA_IMAGE_SCRATCH:-$REPO/.local/lambda-image}
PYTHON=${LAMBDA_PYTHON:-python3.13}
SUITE=bookworm
# libraries the interpreter's own extension modules link against (ssl, ctypes, sqlite3, ...)
PACKAGES=ca-certificates,libssl3,libffi8,libsqlite3-0,zlib1g,liblzma5,libbz2-1.0,libreadline8,libncursesw6,libuuid1,libexpat1,tzdata

say() { printf 'lambda_image: %s\n' "$*" >&2; }

if [ -z "${FORCE:-}" ] && docker image inspect "$IMAGE" >/dev/null 2>&1; then
  say "$IMAGE exists (FORCE=1 rebuilds it)"
  exit 0
fi
[ "$(id -u)" = 0 ] || { say "needs root (debootstrap, chroot)"; exit 2; }
for tool in docker debootstrap; do
  command -v "$tool" >/dev/null || { say "$tool is missing: apt-get install -y docker.io debootstrap"; exit 2; }
done
[ "$(uname -m)" = x86_64 ] || { say "builds an x86_64 image, on an x86_64 host only"; exit 2; }

PREFIX=$("$PYTHON" -c 'import sys; assert sys.version_info[:2] == (3, 13); print(sys.base_prefix)') \
  || { say "$PYTHON is not Python 3.13 (set LAMBDA_PYTHON)"; exit 2; }
PY_BIN="$PREFIX/bin/python3.13"
[ -x "$PY_BIN" ] || { say "no $PY_BIN"; exit 2; }

mkdir -p "$SCRATCH"
BASE="$SCRATCH/base"
ROOT="$SCRATCH/root"

# 1. Debian bookworm, kept and reused: debootstrap takes minutes.
if [ ! -f "$BASE/.complete" ]; then
  rm -rf "$BASE"
  say "debootstrap --variant=minbase $SUITE (a few minutes)"
  # shellcheck disable=SC2086 # DEBIAN_MIRROR is one word or none
  debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$BASE" ${DEBIAN_MIRROR:-} \
    > "$SCRATCH/debootstrap.log" 2>&1 || { say "debootstrap failed: see $SCRATCH/debootstrap.log"; exit 1; }
  touch "$BASE/.complete"
fi
rm -rf "$ROOT"
cp -a "$BASE" "$ROOT"
rm -f "$ROOT/.complete"
rm -rf "$ROOT"/var/cache/apt/archives/*.deb "$ROOT"/var/lib/apt/lists/* "$ROOT"/usr/share/doc \
  "$ROOT"/usr/share/man "$ROOT"/usr/share/info

# 2. Python 3.13 under /var/lang, as Lambda's images have it; no site-packages of the host's,
#    no test suite, no Tk.
say "copying Python from $PREFIX to /var/lang"
mkdir -p "$ROOT/var/lang"
tar -C "$PREFIX" --exclude='./lib/python3.13/site-packages/*' --exclude='./lib/python3.13/test' \
  --exclude='./lib/python3.13/idlelib' --exclude='./lib/python3.13/tkinter' \
  --exclude='./lib/python3.13/turtledemo' --exclude='__pycache__' --exclude='./share' \
  -cf - . | tar -C "$ROOT/var/lang" -xf -
ln -sf python3.13 "$ROOT/var/lang/bin/python3"
ln -sf python3.13 "$ROOT/var/lang/bin/python"
# the interpreter links libpython from its build prefix (rpath): here it is /var/lang/lib
LIBRARY_PATH=/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib
chroot "$ROOT" /usr/bin/env LD_LIBRARY_PATH=$LIBRARY_PATH /var/lang/bin/python3.13 -c \
  'import ssl, ctypes, sqlite3, lzma, bz2, zlib, decimal, uuid, json; print("python ok")' >&2 \
  || { say "the copied Python does not run in the image (its libraries do not match bookworm's)"; exit 1; }

# 3. The runtime interface client and boto3 in /var/runtime (wheels for this very interpreter).
say "installing $(grep -cE '^[a-z]' "$HERE/lambda_image.requirements.txt") pinned packages into /var/runtime"
"$PY_BIN" -m pip install --quiet --disable-pip-version-check --no-input --root-user-action=ignore \
  --only-binary=:all: --no-compile --target "$ROOT/var/runtime" \
  --requirement "$HERE/lambda_image.requirements.txt"
rm -rf "$ROOT/var/runtime/bin"

# 4. What SAM's emulator starts: the RIE runs /var/runtime/bootstrap with the handler in
#    _HANDLER (or as its argument); sys.path as on Lambda (task, layers, runtime).
mkdir -p "$ROOT/var/task" "$ROOT/opt"
cat > "$ROOT/var/runtime/bootstrap" <<'BOOT'
#!/bin/sh
export PYTHONPATH="/var/task:/opt/python/lib/python3.13/site-packages:/opt/python:/var/runtime"
cd "${LAMBDA_TASK_ROOT:-/var/task}" || exit 1
exec /var/lang/bin/python3.13 -m awslambdaric "${_HANDLER:-$1}"
BOOT
chmod 755 "$ROOT/var/runtime/bootstrap"
ln -sf /var/runtime/bootstrap "$ROOT/lambda-entrypoint.sh"

# 5. The image.
say "docker import $IMAGE"
tar -C "$ROOT" --numeric-owner -cf - . | docker import \
  --change "ENV LANG=en_US.UTF-8" \
  --change "ENV TZ=:/etc/localtime" \
  --change "ENV PATH=/var/lang/bin:/usr/local/bin:/usr/bin:/bin" \
  --change "ENV LD_LIBRARY_PATH=$LIBRARY_PATH" \
  --change "ENV LAMBDA_TASK_ROOT=/var/task" \
  --change "ENV LAMBDA_RUNTIME_DIR=/var/runtime" \
  --change "WORKDIR /var/task" \
  --change 'ENTRYPOINT ["/var/runtime/bootstrap"]' \
  - "$IMAGE" >/dev/null
rm -rf "$ROOT"
say "$IMAGE: $(docker image inspect --format '{{.Size}}' "$IMAGE" | awk '{printf "%d MB", $1/1e6}')"
