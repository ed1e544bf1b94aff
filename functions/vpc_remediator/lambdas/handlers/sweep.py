"""Lambda: the scheduled sweep of every VPC in the region.

It catches what a lost CloudTrail event missed: explicit intent is enforced; auto-intent gaps
and changes made by hand are reported in one digest (unless SweepAppliesAutoIntent is on).
"""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from ...domain.actions import REGION_ACTION_TYPES
from ...observability import logger, metrics
from ..runtime import handle_schedule

# The sweep reconciles the region (the default VPC) as well as every VPC.
ACTION_TYPES = REGION_ACTION_TYPES


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path="id", clear_state=True, log_event=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return handle_schedule(event, context)
