"""Re-inspection: compare two cases of a device, renew a case for a new firmware version or edition."""
