"""Which launchers matter in a region: those whose tags are on its subnets, and those the
settings name (`Launchers`, `VPCR_LAUNCHERS`, `--for`).

A notice keeps one short line per launcher that matters; the JSON speaks for all of them.
The tags are each launcher's own, from its documentation or source:

- EKS: `kubernetes.io/cluster/<name>` (the EKS User Guide, "subnet requirements": EKS and
  the AWS Load Balancer Controller read it) and `kubernetes.io/role/elb` /
  `kubernetes.io/role/internal-elb` (the controller's pkg/networking/subnet_resolver.go);
- Karpenter: `karpenter.sh/discovery` (its getting-started guide's `subnetSelectorTerms`);
- ParallelCluster: `parallelcluster:*` (pcluster/constants.py's `PCLUSTER_PREFIX`, which it
  tags what it makes with; a subnet tagged so was given to it).
AWS Batch tags no subnet: it matters where the settings name it.
"""

from __future__ import annotations

from collections.abc import Iterable

from .model import Subnet

FAMILIES = ("skypilot", "ray", "dstack", "eks", "batch", "parallelcluster", "karpenter")
# The launchers whose rules need the VPC's DNS attributes and interface endpoints.
NEED_VPC_FACTS = frozenset({"eks", "batch", "parallelcluster", "karpenter"})

CLUSTER_TAG = "kubernetes.io/cluster/"
ELB_ROLE_TAG = "kubernetes.io/role/elb"
INTERNAL_ELB_ROLE_TAG = "kubernetes.io/role/internal-elb"
KARPENTER_TAG = "karpenter.sh/discovery"
PARALLELCLUSTER_PREFIX = "parallelcluster:"


def tagged_for(subnet: Subnet) -> frozenset[str]:
    """The launchers whose own tags the subnet carries."""
    found = set()
    for key in subnet.tags:
        if key.startswith(CLUSTER_TAG) or key in (ELB_ROLE_TAG, INTERNAL_ELB_ROLE_TAG):
            found.add("eks")
        elif key == KARPENTER_TAG:
            found.add("karpenter")
        elif key.startswith(PARALLELCLUSTER_PREFIX):
            found.add("parallelcluster")
    return frozenset(found)


def present(subnets: Iterable[Subnet]) -> frozenset[str]:
    """The launchers whose tags are on some subnet of the region."""
    return frozenset(f for s in subnets for f in tagged_for(s))


def matter(named: frozenset[str], subnets: Iterable[Subnet]) -> frozenset[str]:
    """The launchers a notice speaks for: those named, and those whose tags are present."""
    return named | present(subnets)


def needs_vpc_facts(named: frozenset[str] | None, subnets: Iterable[Subnet]) -> bool:
    """Whether to read the VPCs' DNS attributes and interface endpoints: always for the
    command line (`named` None), else where a launcher that matters needs them."""
    if named is None:
        return True
    return bool(matter(named, subnets) & NEED_VPC_FACTS)


def families(value: str) -> frozenset[str]:
    """`--for skypilot,eks` or `VPCR_LAUNCHERS`: launcher families, each known."""
    wanted = frozenset(w.strip().lower() for w in value.split(",") if w.strip())
    unknown = wanted - set(FAMILIES)
    if unknown or not wanted:
        raise ValueError(
            f"a comma-separated list of {', '.join(FAMILIES)} is expected; "
            f"not {', '.join(sorted(unknown)) or 'an empty list'}"
        )
    return wanted
