"""vpc-remediator: finishes half-done AWS VPC networking."""

__version__ = "0.1.0"
