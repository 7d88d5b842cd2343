#!/usr/bin/env bash
# Build the third-party layers for Lambda (python3.13 on Amazon Linux 2023, x86_64) without Docker, from the
# hashed runtime lock (requirements.lock, see infra/locks.py): pip installs only the locked versions' binary
# wheels for manylinux_2_28/manylinux2014, every file checked against its sha256, into layers/<name>/python.
#   layers/deps   <- requirements.lock, less what only a heavy layer's packages need (every function)
#   layers/<name> <- the locked packages only layers/<name>/requirements.txt needs (the few functions that use it,
#                    e.g. layers/reports for report_build)
# A layer is rebuilt only when its part of the lock changed (hash kept beside it). FORCE=1 rebuilds.
# Packages published only as source must be pure Python: they are listed in SOURCE_ONLY, their sdist is checked
# against the lock's hash while pip builds it into a wheel here (any platform's wheel of pure Python is Lambda's too).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-.venv/bin/python}
[[ -x $PYTHON ]] || PYTHON=python3
SOURCE_ONLY=()
WHEELS=artifacts/wheels
# One build at a time, and none while `serverless package` zips the layers (tests/deploy/conftest.py takes
# the same lock): a rebuild empties a layer directory before it fills it again.
mkdir -p artifacts
exec 9> artifacts/layers.lock
flock 9

LAMBDA_PYTHON=3.13
LAMBDA_ABI=cp313

# Moves the source-only packages' entries out of a lock file into wheels built from their hash-checked sdists.
build_source_only_wheels() {
  local lock=$1 name block
  for name in "${SOURCE_ONLY[@]}"; do
    block=$(awk -v n="$name" 'tolower($0) ~ "^"n"==" {on=1} on && !/^ *#/ {print} on && !/\\$/ {on=0}' "$lock")
    [[ -n $block ]] || continue
    printf '%s\n' "$block" > "$WHEELS/$name.lock"
    "$PYTHON" -m pip wheel --quiet --disable-pip-version-check --no-deps --require-hashes --wheel-dir "$WHEELS" \
      -r "$WHEELS/$name.lock"
    awk -v n="$name" 'tolower($0) ~ "^"n"==" {on=1} !on {print} on && !/\\$/ && !/^ *#/ {on=0}' "$lock" > "$lock.tmp"
    mv "$lock.tmp" "$lock"
    echo "$WHEELS/$(basename "$(ls "$WHEELS"/"$name"-*-py3-none-any.whl | tail -1)")" >> "$lock.source-built"
  done
}

# serverless.yml names artifacts/layers/<name>.zip as the layer's package.artifact: serverless takes it as it is
# instead of zipping the layer again on every package and deploy (infra/layer_zip.py). Each stamp holds the
# digest its layer or zip was made from; the zip is made anew whenever the layer is.
build_layer() {
  local requirements=$1 layer=$2
  local stamp=$layer/requirements.sha256 zip=artifacts/layers/$(basename "$layer").zip digest
  digest=$(cat "$requirements" <(echo "$LAMBDA_PYTHON") | sha256sum | cut -d' ' -f1)
  if [[ -z ${FORCE:-} && -f $stamp && $(cat "$stamp") == "$digest" && -d $layer/python ]]; then
    echo "layer $layer: up to date"
  else
    rm -f "$stamp" "$zip.sha256"
    install_layer "$requirements" "$layer"
    echo "$digest" > "$stamp"
  fi
  if [[ ! -f $zip || $(cat "$zip.sha256" 2>/dev/null) != "$digest" ]]; then
    rm -f "$zip.sha256"
    "$PYTHON" infra/layer_zip.py "$layer" "$zip"
    echo "$digest" > "$zip.sha256"
  fi
}

install_layer() {
  local requirements=$1 layer=$2
  echo "layer $layer: installing $requirements"
  rm -rf "$layer/python"
  mkdir -p "$layer" "$WHEELS"
  local binary=$WHEELS/$(basename "$layer").binary.lock
  cp "$requirements" "$binary"
  rm -f "$binary.source-built"
  build_source_only_wheels "$binary"
  # Every package is in the lock with its dependencies, so none is resolved here (--no-deps).
  "$PYTHON" -m pip install --quiet --disable-pip-version-check --no-compile --no-deps --require-hashes \
    --platform manylinux_2_28_x86_64 --platform manylinux2014_x86_64 --implementation cp \
    --python-version "$LAMBDA_PYTHON" --abi "$LAMBDA_ABI" --only-binary=:all: --target "$layer/python" -r "$binary"
  if [[ -s $binary.source-built ]]; then
    xargs "$PYTHON" -m pip install --quiet --disable-pip-version-check --no-compile --no-deps \
      --target "$layer/python" < "$binary.source-built"
  fi
  # /opt is read-only on Lambda, so a module without a valid .pyc is compiled again on every cold start.
  # The layer zips set every file time to 1980 (infra/layer_zip.py), which would make ordinary (timestamp) .pyc
  # files stale: these are checked by hash of nothing ("unchecked"), fine for files that never change.
  if [[ $("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])') == "$LAMBDA_PYTHON" ]]; then
    "$PYTHON" -W ignore::SyntaxWarning -m compileall -q -j 0 --invalidation-mode unchecked-hash "$layer/python" > /dev/null
  fi
  # Test suites shipped inside packages are never imported on Lambda.
  find "$layer/python" -depth -type d \( -name tests -o -name test \) -path '*/site-packages/*' -exec rm -rf {} + 2>/dev/null || true
}

# The heavy layers: each the packages only its requirements.txt names need; the deps layer has the rest of the lock
# (Lambda merges every layer into one /opt, so a package shared by both lives in deps only).
heavy_layers=() heavy_names=()
for requirements in layers/*/requirements.txt; do
  [[ -e $requirements ]] || continue
  # only the layers serverless.yml declares (a heavy layer costs CI time to build and package)
  grep -qE "^ +path: $(dirname "$requirements")\s*$" serverless.yml || { echo "layer $(dirname "$requirements"): not in serverless.yml, skipped"; continue; }
  heavy_layers+=("$(dirname "$requirements")")
  heavy_names+=($(sed -E 's/#.*//; s/[ <>=!~;\[].*//' "$requirements" | grep -v '^$'))
done
mkdir -p artifacts "$WHEELS"
"$PYTHON" infra/locks.py check
"$PYTHON" infra/locks.py layer artifacts/deps-requirements.lock "${heavy_names[@]}"
build_layer artifacts/deps-requirements.lock layers/deps
for layer in "${heavy_layers[@]}"; do
  names=($(sed -E 's/#.*//; s/[ <>=!~;\[].*//' "$layer/requirements.txt" | grep -v '^$'))
  "$PYTHON" infra/locks.py only "artifacts/$(basename "$layer")-requirements.lock" "${names[@]}"
  build_layer "artifacts/$(basename "$layer")-requirements.lock" "$layer"
done

# The shared layer is our source: its .pyc files are checked against the source's hash, not its time, so they
# stay valid in the zip and are still recompiled locally whenever a module changes.
if [[ $("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])') == "$LAMBDA_PYTHON" ]]; then
  "$PYTHON" -m compileall -q -f -j 0 --invalidation-mode checked-hash layers/shared/python > /dev/null
fi
