"""The Lambda runtime: event intake, the changes queue, and one small module per function."""
