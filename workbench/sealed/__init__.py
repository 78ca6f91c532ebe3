"""A sealed evidence bundle, read: its file names, safe member access (zip or folder), its records.

Imported by the batch (which writes bundles), the export formats, signing and reproduction; it imports
nothing of them.
"""

from workbench.sealed.names import FORMAT, MANIFEST, MANIFEST_HASH, SEALS, SIGNATURE
from workbench.sealed.source import BundleSource, open_bundle
from workbench.sealed.view import BundleView

__all__ = [
    "FORMAT", "MANIFEST", "MANIFEST_HASH", "SEALS", "SIGNATURE", "BundleSource", "BundleView", "open_bundle",
]
