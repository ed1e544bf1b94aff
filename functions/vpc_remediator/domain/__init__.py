"""Pure domain: snapshot model, intent, planner, verdict and report text. Standard library only."""
