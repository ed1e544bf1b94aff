"""The command line: one account (main), the organisation, and the output both share."""
