"""A simulated IoT device for tests, the demo and training: real servers from Debian, configured with
planted defects (the defective variant) or done right (the clean variant), run on 127.0.0.1 inside a
private network namespace. It knows nothing of the workbench that probes it."""
