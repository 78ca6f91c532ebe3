"""Capture engine: a pcap/pcapng file in, the tables the network checks read out.

from workbench.capture import analyse_capture
analysis = analyse_capture("device.pcap", device_ips=["192.168.1.50"])
analysis.credentials  # a pandas DataFrame; see docs/CONTRACTS.md for every table's columns
"""

from workbench.capture.analyse import analyse_capture
from workbench.capture.engine import Limits
from workbench.capture.result import COLUMNS, CaptureAnalysis

__all__ = ["COLUMNS", "CaptureAnalysis", "Limits", "analyse_capture"]
