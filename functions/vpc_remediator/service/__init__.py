"""The service and what it keeps: the reconcile loop, settling, holds, makers, the record of
what it owns, the settings, and the wiring (the one place adapters are built)."""
