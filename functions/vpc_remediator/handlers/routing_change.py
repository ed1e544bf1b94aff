"""Lambda: reconcile when routing or a subnet attribute changes.

Explicit intent is enforced; an attached internet gateway also applies auto intent. A change
to the main table's routes, propagation or gateway endpoints is followed by the managed table.
"""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from ..observability import logger, metrics
from ..runtime import handle_event

EVENT_NAMES = frozenset(
    {
        "AttachInternetGateway",
        "DetachInternetGateway",
        "CreateRouteTable",
        "AssociateRouteTable",
        "ReplaceRouteTableAssociation",
        "DisassociateRouteTable",
        "CreateRoute",
        "DeleteRoute",
        "ReplaceRoute",
        "EnableVgwRoutePropagation",
        "DisableVgwRoutePropagation",
        "CreateVpcEndpoint",
        "ModifyVpcEndpoint",
        "ModifySubnetAttribute",
    }
)


@metrics.log_metrics
# log_event=False whatever POWERTOOLS_LOGGER_LOG_EVENT says: events carry access key ids.
@logger.inject_lambda_context(
    correlation_id_path="detail.eventID", clear_state=True, log_event=False
)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return handle_event(event, context, accepted=EVENT_NAMES)
