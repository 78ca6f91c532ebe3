"""Inspector Workbench: conformance inspection of consumer IoT devices."""

__version__ = "0.1.0"
