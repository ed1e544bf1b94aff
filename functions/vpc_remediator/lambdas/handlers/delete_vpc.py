"""Lambda: reconcile when a VPC is deleted.

The region's default VPC is checked, and restored when the setting allows it.
"""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from ...observability import logger, metrics
from ..runtime import handle_event

EVENT_NAMES = frozenset({"DeleteVpc"})


@metrics.log_metrics
# log_event=False whatever POWERTOOLS_LOGGER_LOG_EVENT says: events carry access key ids.
@logger.inject_lambda_context(
    correlation_id_path="detail.eventID", clear_state=True, log_event=False
)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return handle_event(event, context, accepted=EVENT_NAMES)
