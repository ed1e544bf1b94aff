"""Pure domain: snapshot model, intent, planner, launchers' readiness, report text.

Standard library only.
"""
