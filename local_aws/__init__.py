"""Local stand-ins for AWS services the emulator lacks: EventBridge routing from template.yaml.

Development tooling for `make demo` and the tests; not part of the Lambda package.
"""
