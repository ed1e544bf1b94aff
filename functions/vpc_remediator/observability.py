"""The one place that creates the Powertools Logger and Metrics.

Both read their settings (POWERTOOLS_SERVICE_NAME, POWERTOOLS_METRICS_NAMESPACE, log level)
from the environment the template sets; neither opens a connection.
"""

from aws_lambda_powertools import Logger, Metrics

logger = Logger(service="vpc-remediator")
metrics = Metrics()


def count(name: str) -> None:
    """One more of `name` (a count metric of this invocation, flushed by the handler)."""
    from aws_lambda_powertools.metrics import MetricUnit

    metrics.add_metric(name=name, unit=MetricUnit.Count, value=1)
