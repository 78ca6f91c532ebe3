"""Where each extracted layer appears in the image's path space.

The root filesystem (the layer that looks like one: etc/, bin/, usr/, ...) is mounted at `/`.
Other top-level layers appear at `/@<offset>` (their offset in the raw image); a layer found
inside a file F appears at `F!` (the whole file was the container) or `F!@<offset>`. So
`/@0/kernel.bin` is the payload of the uImage at offset 0, and `/usr/share/pkg.zip!/a.tar`
is a member of a zip inside the root filesystem.
"""

from __future__ import annotations

import os
from typing import Any

ROOTFS_NAMES = {"etc", "bin", "sbin", "usr", "lib", "www", "var", "root", "dev", "proc"}


def join(base: str, rel: str) -> str:
    if not rel or rel == ".":
        return base
    return base.rstrip("/") + "/" + rel.lstrip("/")


def natural_mounts(layers: list[dict[str, Any]]) -> dict[int, str]:
    by_id = {layer["id"]: layer for layer in layers}
    mounts: dict[int, str] = {}

    def mount(layer: dict[str, Any]) -> str:
        if layer["id"] in mounts:
            return mounts[layer["id"]]
        if layer["parent"] is None or layer["parent"] not in by_id:
            path = f"/@{layer['offset']}"
        else:
            base = join(mount(by_id[layer["parent"]]), layer["container"] or "")
            path = f"{base}!" if layer["whole"] else f"{base}!@{layer['offset']}"
        mounts[layer["id"]] = path
        return path

    for layer in layers:
        mount(layer)
    return mounts


def rootfs_score(directory: str) -> int:
    try:
        names = set(os.listdir(directory))
    except OSError:
        return 0
    return len(names & ROOTFS_NAMES)


def assign_mounts(layers: list[dict[str, Any]], layer_dir) -> dict[int, str]:
    """layer id -> image path of its content, with the root filesystem at `/`."""
    mounts = natural_mounts(layers)
    extracted = [layer for layer in layers if layer.get("dir")]
    scored = [(rootfs_score(str(layer_dir(layer))), layer) for layer in extracted]
    best = [(-score, layer["depth"], layer["id"], layer) for score, layer in scored if score >= 2]
    root = min(best, key=lambda item: item[:3])[3] if best else None
    top = [layer for layer in layers if layer["parent"] is None]
    if root is None and len(top) == 1 and top[0].get("dir"):
        root = top[0]
    if root is None:
        return mounts
    prefix = mounts[root["id"]]
    for layer_id, path in mounts.items():
        if path == prefix:
            mounts[layer_id] = "/"
        elif path.startswith(prefix + "/") or path.startswith(prefix + "!"):
            rest = path[len(prefix) :]
            mounts[layer_id] = "/" + rest.lstrip("/") if rest.startswith("/") else "/" + rest
    return mounts
