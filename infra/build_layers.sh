#!/usr/bin/env bash
# Build the third-party layers for Lambda (Python 3.11, Linux x86_64) without Docker: pip installs only
# manylinux2014 binary wheels (the python3.11 runtime is Amazon Linux 2, glibc 2.26) into layers/<name>/python.
#   layers/deps   <- requirements.txt            (every function)
#   layers/<name> <- layers/<name>/requirements.txt (a heavy layer for the few functions that use it)
# A layer is rebuilt only when its requirements file changed (hash kept beside it). FORCE=1 rebuilds.
# A package published only as source (e.g. jieba) needs a wheel built first: see docs/packaging.md.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-.venv/bin/python}
[[ -x $PYTHON ]] || PYTHON=python3

build_layer() {
  local requirements=$1 layer=$2
  local stamp=$layer/requirements.sha256 digest
  digest=$(sha256sum "$requirements" | cut -d' ' -f1)
  if [[ -z ${FORCE:-} && -f $stamp && $(cat "$stamp") == "$digest" && -d $layer/python ]]; then
    echo "layer $layer: up to date"
    return
  fi
  echo "layer $layer: installing $requirements"
  rm -rf "$layer/python" "$stamp"
  mkdir -p "$layer"
  # .pyc files are only useful when they match the runtime (3.11): /opt is read-only on Lambda, so a
  # missing .pyc is recompiled on every cold start.
  local compile=--no-compile
  [[ $("$PYTHON" -c 'import sys; print(sys.version_info[:2] == (3, 11))') == True ]] && compile=--compile
  "$PYTHON" -m pip install --quiet --disable-pip-version-check "$compile" \
    --platform manylinux2014_x86_64 --implementation cp --python-version 3.11 --abi cp311 \
    --only-binary=:all: --target "$layer/python" -r "$requirements"
  # The runtime's own copies are not used by our code paths once ours are on sys.path first; tests and
  # metadata that Lambda never reads are dropped to keep the layer small.
  find "$layer/python" -depth -type d \( -name tests -o -name test \) -path '*/site-packages/*' -exec rm -rf {} + 2>/dev/null || true
  echo "$digest" > "$stamp"
}

build_layer requirements.txt layers/deps
for requirements in layers/*/requirements.txt; do
  [[ -e $requirements ]] || continue
  build_layer "$requirements" "$(dirname "$requirements")"
done
