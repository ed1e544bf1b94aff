"""Lambda: reconcile a VPC once it has settled after changes (docs/design.md section 4).

Created VPCs and subnets (auto intent applies to them), an attached gateway (auto intent applies
to the VPC), and changes to routes, associations, propagation, gateway endpoints and subnet
attributes (explicit intent is enforced; the managed table follows the main table). EventBridge
delivers them to the changes queue; the queue to this function in batches (changes.py).
"""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from ...observability import logger, metrics
from ..changes import handle_changes

CREATIONS = frozenset({"CreateVpc", "CreateDefaultVpc", "CreateSubnet"})
ROUTING = frozenset(
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
EVENT_NAMES = CREATIONS | ROUTING


@metrics.log_metrics
# log_event=False whatever POWERTOOLS_LOGGER_LOG_EVENT says: events carry access key ids.
@logger.inject_lambda_context(clear_state=True, log_event=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return handle_changes(event, context, accepted=EVENT_NAMES)
