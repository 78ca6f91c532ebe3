"""The live probe: tests the running device with the field's own tools (nmap, sslyze, protocol clients),
captures every packet it sends and receives, and writes typed tables (tables.yaml) as evidence. An
engine: it describes what the device does and judges nothing; the checks judge."""
