"""Capture engine: a pcap/pcapng file in, the tables the network checks read out.

from workbench.capture import analyse_capture
analysis = analyse_capture("device.pcap", device_ips=["192.168.1.50"], out="device-result")
analysis.credentials  # a pandas DataFrame; `TABLES` declares every table's columns
analysis.table("flows", ["server_ip", "server_port"])  # only those columns read from the Parquet file
"""

from workbench.capture.analyse import analyse_capture
from workbench.capture.engine import Limits
from workbench.capture.result import CaptureAnalysis
from workbench.capture.schema import TABLES
from workbench.capture.versions import TlsVersion

__all__ = ["TABLES", "CaptureAnalysis", "Limits", "TlsVersion", "analyse_capture"]
