"""Inspector Workbench: conformance inspection of consumer IoT devices."""

from workbench import native

__version__ = "0.1.0"

native.install()  # the capture engine's compiled copies, while they match their source
