"""Zip a built third-party layer once, for ``serverless package`` to take as it is (``package.artifact``).

    infra/layer_zip.py layers/deps artifacts/layers/deps.zip

infra/build_layers.sh calls it when it (re)builds a layer. Zipping the 110 MB of the three third-party layers
was most of every ``serverless package`` (deploys and the deployment tests package each stage anew), although
they change only with the lock. The zip is what serverless would make: ``python/...`` entries, every file time
1980-01-01 (zip's earliest), mode 644 or 755; names sorted and nothing else varying, so the same layer gives
the same bytes, the layer's hash in the template stays the same and a deploy publishes no new layer version.
"""

from __future__ import annotations

import os
import stat
import sys
import zipfile
from pathlib import Path

EARLIEST = (1980, 1, 1, 0, 0, 0)


def zip_layer(layer: Path, into: Path) -> None:
    """Write ``layer/python/**`` to ``into``, complete or not at all (a temporary file renamed at the end)."""
    into.parent.mkdir(parents=True, exist_ok=True)
    partial = into.with_name(f"{into.name}.{os.getpid()}.partial")
    files = sorted(path for path in (layer / "python").rglob("*") if path.is_file())
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in files:
            entry = zipfile.ZipInfo(path.relative_to(layer).as_posix(), EARLIEST)
            executable = path.stat().st_mode & stat.S_IXUSR
            entry.external_attr = (stat.S_IFREG | (0o755 if executable else 0o644)) << 16
            entry.compress_type = zipfile.ZIP_DEFLATED
            with path.open("rb") as source, archive.open(entry, "w") as target:
                while chunk := source.read(1 << 20):
                    target.write(chunk)
    partial.replace(into)


if __name__ == "__main__":
    zip_layer(Path(sys.argv[1]), Path(sys.argv[2]))
