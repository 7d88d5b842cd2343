#!/usr/bin/env bash
# Build the third-party layers for Lambda (Python 3.11, Linux x86_64) without Docker: pip installs only
# manylinux2014 binary wheels (the python3.11 runtime is Amazon Linux 2, glibc 2.26) into layers/<name>/python.
#   layers/deps   <- requirements.txt, less what a heavy layer holds (every function)
#   layers/<name> <- layers/<name>/requirements.txt (a heavy layer for the few functions that use it,
#                    e.g. layers/reports for report_build)
# A layer is rebuilt only when its requirements file changed (hash kept beside it). FORCE=1 rebuilds.
# Packages published only as source must be pure Python: they are listed in SOURCE_ONLY and built into
# a wheel here first (any platform's wheel of pure Python is Lambda's too).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-.venv/bin/python}
[[ -x $PYTHON ]] || PYTHON=python3
SOURCE_ONLY=(jieba)
WHEELS=artifacts/wheels
# One build at a time, and none while `serverless package` zips the layers (tests/deploy/conftest.py takes
# the same lock): a rebuild empties a layer directory before it fills it again.
mkdir -p artifacts
exec 9> artifacts/layers.lock
flock 9

build_source_only_wheels() {
  local requirements=$1 name line
  for name in "${SOURCE_ONLY[@]}"; do
    line=$(grep -iE "^${name}([<>=!~ \[;]|$)" "$requirements" || true)
    [[ -n $line ]] || continue
    ls "$WHEELS"/"${name}"-*-py3-none-any.whl > /dev/null 2>&1 && continue
    "$PYTHON" -m pip wheel --quiet --disable-pip-version-check --no-deps --wheel-dir "$WHEELS" "$line"
  done
}

build_layer() {
  local requirements=$1 layer=$2 constraints=${3:-}
  local stamp=$layer/requirements.sha256 digest
  digest=$(sha256sum "$requirements" | cut -d' ' -f1)
  if [[ -z ${FORCE:-} && -f $stamp && $(cat "$stamp") == "$digest" && -d $layer/python ]]; then
    echo "layer $layer: up to date"
    return
  fi
  echo "layer $layer: installing $requirements"
  rm -rf "$layer/python" "$stamp"
  mkdir -p "$layer" "$WHEELS"
  build_source_only_wheels "$requirements"
  "$PYTHON" -m pip install --quiet --disable-pip-version-check --no-compile --find-links "$WHEELS" \
    --platform manylinux2014_x86_64 --implementation cp --python-version 3.11 --abi cp311 \
    --only-binary=:all: --target "$layer/python" -r "$requirements" ${constraints:+-c "$constraints"}
  if [[ -n $constraints ]]; then  # Lambda unpacks every layer into /opt: keep one copy, the deps layer's
    "$PYTHON" - "$layer/python" "$constraints" <<'PY'
import shutil, sys
from importlib.metadata import distributions
target, constraints = sys.argv[1], sys.argv[2]
in_deps = {line.split("==")[0].lower().replace("_", "-") for line in open(constraints) if "==" in line}
for dist in distributions(path=[target]):
    if dist.metadata["Name"].lower().replace("_", "-") in in_deps:
        for file in dist.files or []:
            path = file.locate()
            if path.is_file():
                path.unlink()
        shutil.rmtree(dist._path, ignore_errors=True)
PY
    find "$layer/python" -depth -type d -empty -delete
  fi
  # /opt is read-only on Lambda, so a module without a valid .pyc is compiled again on every cold start.
  # The zips serverless builds reset every file time to 1980, which would make ordinary (timestamp) .pyc
  # files stale: these are checked by hash of nothing ("unchecked"), fine for files that never change.
  if [[ $("$PYTHON" -c 'import sys; print(sys.version_info[:2] == (3, 11))') == True ]]; then
    "$PYTHON" -m compileall -q -j 0 --invalidation-mode unchecked-hash "$layer/python" > /dev/null
  fi
  # Test suites shipped inside packages are never imported on Lambda.
  find "$layer/python" -depth -type d \( -name tests -o -name test \) -path '*/site-packages/*' -exec rm -rf {} + 2>/dev/null || true
  echo "$digest" > "$stamp"
}

# requirements.txt less every package a heavy layer lists (the venv still installs all of them for tests).
heavy=$(sed -E 's/#.*//; s/[ <>=!~;\[].*//' layers/*/requirements.txt 2>/dev/null | grep -v '^$' | tr 'A-Z_' 'a-z-' || true)
mkdir -p artifacts
grep -v -i -E "^($(echo $heavy | tr ' ' '|'))([ <>=!~;\[]|$)" requirements.txt > artifacts/deps-requirements.txt
build_layer artifacts/deps-requirements.txt layers/deps
# A heavy layer uses the deps layer's versions of what both need (Lambda merges layers into one /opt).
"$PYTHON" -m pip list --format=freeze --path layers/deps/python > artifacts/deps-constraints.txt 2> /dev/null
for requirements in layers/*/requirements.txt; do
  [[ -e $requirements ]] || continue
  # only the layers serverless.yml declares (a heavy layer costs CI time to build and package)
  grep -qE "^ +path: $(dirname "$requirements")\s*$" serverless.yml || { echo "layer $(dirname "$requirements"): not in serverless.yml, skipped"; continue; }
  build_layer "$requirements" "$(dirname "$requirements")" artifacts/deps-constraints.txt
done

# The shared layer is our source: its .pyc files are checked against the source's hash, not its time, so they
# stay valid in the zip and are still recompiled locally whenever a module changes.
if [[ $("$PYTHON" -c 'import sys; print(sys.version_info[:2] == (3, 11))') == True ]]; then
  "$PYTHON" -m compileall -q -f -j 0 --invalidation-mode checked-hash layers/shared/python > /dev/null
fi
