"""`make stackset BUCKET=... [PREFIX=...]`: the stack in the form a StackSet takes.

CloudFormation StackSets with service-managed permissions do not accept a template that uses a
transform, and the SAM transform is one. This packages the functions' built code (one zip for
the three functions, which share their code) to the bucket and writes
`build/stackset/template.yaml`: template.yaml run through the SAM transform offline
(aws-sam-translator, as `sam deploy` would have CloudFormation run it), with no `Transform`,
every function's code an S3 location in the bucket and the same parameters. The template is
uploaded next to the code, for `create-stack-set --template-url`.

    python -m deploy.stackset --bucket B [--prefix P] [--artifact DIR] [--no-upload]

`--artifact` is the built code (`sam build`'s `.aws-sam/build/<Function>`); the keys name the
SHA-256 of what they hold, so a new build never overwrites what running stacks use.

Lambda reads a function's code only from a bucket in the function's own region. For stack
instances in several regions, name the bucket with `${AWS::Region}` in it
(`--bucket 'org-artifacts-${AWS::Region}' --regions eu-south-1 us-east-1`): the template's
`S3Bucket` becomes an `Fn::Sub`, and the code is uploaded to each region's bucket.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import io
import json
import re
import sys
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "build" / "stackset"
# A fixed time in the zip, so that the same build is the same zip (and the same key).
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
REGION_VARIABLE = "${AWS::Region}"
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


class NoManagedPolicies:
    """The transform asks IAM for managed policy ARNs only for policy names it cannot resolve;
    this template names none, and nothing here may call AWS."""

    def load(self) -> dict[str, str]:
        return {}


def zipped(directory: Path) -> bytes:
    """The directory as a deterministic zip (sorted, fixed times, no caches)."""
    if not directory.is_dir():
        raise SystemExit(f"stackset: no built code at {directory} (run `make build` first)")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in directory.rglob("*") if p.is_file()):
            if "__pycache__" in path.parts or path.suffix == ".pyc":
                continue
            info = zipfile.ZipInfo(str(path.relative_to(directory)), _ZIP_TIME)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    return buffer.getvalue()


def content_key(prefix: str, stem: str, content: bytes, suffix: str) -> str:
    """`prefix/stem-<sha256>.suffix`: a new build never overwrites what running stacks use."""
    digest = hashlib.sha256(content).hexdigest()[:20]
    return "/".join(p for p in (prefix.strip("/"), f"{stem}-{digest}.{suffix}") if p)


def transformed(template: dict[str, Any], code_uri: str, region: str) -> dict[str, Any]:
    """template.yaml with the SAM transform applied offline and the code at `code_uri`."""
    import boto3
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator

    packaged = copy.deepcopy(template)
    packaged["Globals"]["Function"]["CodeUri"] = code_uri
    # The session only names the partition (ARNs of AWS managed policies); no call is made.
    translator = Translator(None, Parser(), boto_session=boto3.session.Session(region_name=region))
    out: dict[str, Any] = translator.translate(
        packaged, parameter_values={}, get_managed_policy_map=NoManagedPolicies().load
    )
    out.pop("Transform", None)
    bucket = code_uri.removeprefix("s3://").split("/", 1)[0]
    if REGION_VARIABLE in bucket:  # each region's stacks read their own region's bucket
        for resource in out["Resources"].values():
            code = resource.get("Properties", {}).get("Code")
            if resource["Type"] == "AWS::Lambda::Function" and code:
                code["S3Bucket"] = {"Fn::Sub": bucket}
    return out


def bucket_for(bucket: str, region: str) -> str:
    return bucket.replace(REGION_VARIABLE, region)


def valid_bucket(bucket: str) -> bool:
    return bool(_BUCKET.match(bucket_for(bucket, "eu-south-1")))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make stackset", description=__doc__.split("\n\n")[0])
    parser.add_argument("--bucket", required=True, help="the S3 bucket the organisation reads")
    parser.add_argument("--prefix", default="vpc-remediator", help="a key prefix in the bucket")
    parser.add_argument("--artifact", type=Path, default=ROOT / ".aws-sam/build/VpcChangesFunction")
    parser.add_argument("--region", default="eu-south-1", help="the bucket's region")
    parser.add_argument(
        "--regions",
        nargs="+",
        help=f"with {REGION_VARIABLE} in --bucket: the regions whose buckets get the code",
    )
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--no-upload", action="store_true", help="only write the files")
    args = parser.parse_args(argv)
    if not valid_bucket(args.bucket):
        raise SystemExit(f"stackset: {args.bucket!r} is not a bucket name")
    regions = args.regions or [args.region]
    if len(regions) > 1 and REGION_VARIABLE not in args.bucket:
        raise SystemExit(
            f"stackset: Lambda reads code only from its own region: with --regions, put "
            f"{REGION_VARIABLE} in --bucket"
        )

    sys.path.insert(0, str(ROOT))
    from local_aws.template import load_template

    code = zipped(args.artifact)
    key = content_key(args.prefix, "vpc-remediator", code, "zip")
    template = transformed(load_template(), f"s3://{args.bucket}/{key}", args.region)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "code.zip").write_bytes(code)
    # JSON is YAML: CloudFormation and cfn-lint read it as is, with nothing lost in a dump.
    text = json.dumps(template, indent=1, sort_keys=False, default=str) + "\n"
    (args.out / "template.yaml").write_text(text)
    template_key = content_key(args.prefix, "template", text.encode(), "yaml")
    home = bucket_for(args.bucket, regions[0])
    if not args.no_upload:
        import boto3

        for region in regions:
            s3 = boto3.client("s3", region_name=region)
            s3.put_object(Bucket=bucket_for(args.bucket, region), Key=key, Body=code)
        boto3.client("s3", region_name=regions[0]).put_object(
            Bucket=home, Key=template_key, Body=text.encode()
        )
    for region in regions:
        where = f"s3://{bucket_for(args.bucket, region)}/{key}"
        print(f"code:     {where}" + ("" if args.no_upload else " (uploaded)"))
    print(f"template: {args.out / 'template.yaml'}")
    print(f"          --template-url https://{home}.s3.{regions[0]}.amazonaws.com/{template_key}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
