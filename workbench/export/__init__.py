"""The evidence in standard formats: OSCAL assessment results, JUnit XML, SARIF, CycloneDX, the
scheme's registry record. Each is built from a sealed bundle's content (workbench.sealed) with a
library made for the format, and validated before it is written."""
