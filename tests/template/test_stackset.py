"""`make stackset`: the SAM template transformed offline, for StackSets (no transform allowed)."""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path
from typing import Any

import boto3
import pytest
from deploy import stackset
from local_aws.template import load_template
from moto import mock_aws
from samtranslator.translator.transform import transform

from tests.template.test_template import lint

BUCKET = "org-artifacts"


@pytest.fixture
def artifact(tmp_path: Path) -> Path:
    """Stands in for `sam build`'s output: the handlers' package, whatever it holds."""
    built = tmp_path / "built"
    (built / "vpc_remediator").mkdir(parents=True)
    (built / "vpc_remediator" / "__init__.py").write_text("# built\n")
    (built / "vpc_remediator" / "__pycache__").mkdir()
    (built / "vpc_remediator" / "__pycache__" / "x.pyc").write_bytes(b"cache")
    return built


def run(artifact: Path, out: Path, *extra: str) -> dict[str, Any]:
    code = stackset.main(
        [
            "--bucket",
            BUCKET,
            "--prefix",
            "platform/vpcr",
            "--artifact",
            str(artifact),
            "--out",
            str(out),
            *extra,
        ]
    )
    assert code == 0
    loaded: dict[str, Any] = json.loads((out / "template.yaml").read_text())
    return loaded


def test_the_stackset_template_has_no_transform_no_local_path_and_lints(
    artifact: Path, tmp_path: Path
) -> None:
    out = run(artifact, tmp_path / "out", "--no-upload")
    text = (tmp_path / "out" / "template.yaml").read_text()
    assert "Transform" not in out
    assert "AWS::Serverless" not in text
    assert "functions/" not in text and "CodeUri" not in text
    functions = [r for r in out["Resources"].values() if r["Type"] == "AWS::Lambda::Function"]
    assert len(functions) == 3
    codes = {json.dumps(f["Properties"]["Code"], sort_keys=True) for f in functions}
    (code,) = codes  # one zip for the three functions
    location = json.loads(code)
    assert location["S3Bucket"] == BUCKET
    assert location["S3Key"].startswith("platform/vpcr/vpc-remediator-") and location[
        "S3Key"
    ].endswith(".zip")
    assert (
        os.environ.get("AWS_REGION", "") not in text
    )  # nothing region-bound: one template for all
    result = lint(tmp_path / "out" / "template.yaml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_it_has_the_same_parameters_resources_and_grants_as_the_sam_templates_transformed_form(
    artifact: Path, tmp_path: Path
) -> None:
    out = run(artifact, tmp_path / "out", "--no-upload")
    sam = load_template()
    key = out["Resources"]["VpcChangesFunction"]["Properties"]["Code"]["S3Key"]
    sam["Globals"]["Function"]["CodeUri"] = f"s3://{BUCKET}/{key}"

    expected = transform(sam, {}, stackset.NoManagedPolicies())
    expected.pop("Transform", None)
    assert out["Parameters"] == load_template()["Parameters"]
    assert {k: r["Type"] for k, r in out["Resources"].items()} == {
        k: r["Type"] for k, r in expected["Resources"].items()
    }
    for name, resource in expected["Resources"].items():
        if resource["Type"] in ("AWS::IAM::Role", "AWS::IAM::Policy", "AWS::SQS::QueuePolicy"):
            assert out["Resources"][name] == resource, name
    assert out == json.loads(json.dumps(expected, default=str))
    for section in ("Conditions", "Outputs", "Rules", "Metadata"):
        assert out.get(section) == json.loads(json.dumps(expected.get(section), default=str))


def test_the_same_build_is_the_same_key_and_a_new_build_a_new_one(
    artifact: Path, tmp_path: Path
) -> None:
    first = run(artifact, tmp_path / "a", "--no-upload")
    again = run(artifact, tmp_path / "b", "--no-upload")
    key = first["Resources"]["SweepFunction"]["Properties"]["Code"]["S3Key"]
    assert again["Resources"]["SweepFunction"]["Properties"]["Code"]["S3Key"] == key
    with zipfile.ZipFile(tmp_path / "a" / "code.zip") as archive:
        assert archive.namelist() == ["vpc_remediator/__init__.py"]  # no caches
    (artifact / "vpc_remediator" / "__init__.py").write_text("# rebuilt\n")
    other = run(artifact, tmp_path / "c", "--no-upload")
    assert other["Resources"]["SweepFunction"]["Properties"]["Code"]["S3Key"] != key


def test_the_code_and_the_template_are_uploaded_to_the_bucket(
    artifact: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with mock_aws():
        s3 = boto3.client("s3", region_name="eu-south-1")
        s3.create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-south-1"}
        )
        out = run(artifact, tmp_path / "out")
        key = out["Resources"]["DeleteVpcFunction"]["Properties"]["Code"]["S3Key"]
        body = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
        assert body == (tmp_path / "out" / "code.zip").read_bytes()
        assert zipfile.ZipFile(io.BytesIO(body)).read("vpc_remediator/__init__.py") == b"# built\n"
        listed = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"]]
        (template_key,) = [k for k in listed if k.endswith(".yaml")]
        assert template_key.startswith("platform/vpcr/template-")
        uploaded = s3.get_object(Bucket=BUCKET, Key=template_key)["Body"].read()
        assert json.loads(uploaded) == out
    assert f"--template-url https://{BUCKET}.s3.eu-south-1.amazonaws.com/{template_key}" in (
        capsys.readouterr().out
    )


@pytest.mark.parametrize("bucket", ["", "a/b"])
def test_a_bad_bucket_or_no_build_is_a_clear_error_and_writes_nothing(
    bucket: str, artifact: Path, tmp_path: Path
) -> None:
    with pytest.raises(SystemExit, match="is not a bucket name"):
        stackset.main(
            ["--bucket", bucket, "--artifact", str(artifact), "--out", str(tmp_path / "o")]
        )
    with pytest.raises(SystemExit, match=r"no built code at .* \(run `make build` first\)"):
        stackset.main(
            ["--bucket", BUCKET, "--artifact", str(tmp_path / "none"), "--out", str(tmp_path / "o")]
        )
    assert not (tmp_path / "o").exists()


def test_stacks_in_several_regions_read_their_own_regions_bucket(
    artifact: Path, tmp_path: Path
) -> None:
    """Lambda reads a function's code only from a bucket in its own region."""
    named = "org-artifacts-${AWS::Region}"
    with mock_aws():
        for region in ("eu-south-1", "us-west-2"):
            boto3.client("s3", region_name=region).create_bucket(
                Bucket=f"org-artifacts-{region}",
                CreateBucketConfiguration={"LocationConstraint": region},
            )
        code = stackset.main(
            [
                "--bucket",
                named,
                "--regions",
                "eu-south-1",
                "us-west-2",
                "--artifact",
                str(artifact),
                "--out",
                str(tmp_path),
            ]
        )
        assert code == 0
        out = json.loads((tmp_path / "template.yaml").read_text())
        functions = [r for r in out["Resources"].values() if r["Type"] == "AWS::Lambda::Function"]
        assert {json.dumps(f["Properties"]["Code"]["S3Bucket"]) for f in functions} == {
            json.dumps({"Fn::Sub": named})
        }
        key = functions[0]["Properties"]["Code"]["S3Key"]
        for region in ("eu-south-1", "us-west-2"):
            s3 = boto3.client("s3", region_name=region)
            assert s3.head_object(Bucket=f"org-artifacts-{region}", Key=key)["ContentLength"] > 0
    assert lint(tmp_path / "template.yaml").returncode == 0
    with pytest.raises(SystemExit, match=r"put \$\{AWS::Region\} in --bucket"):
        stackset.main(
            [
                "--bucket",
                BUCKET,
                "--regions",
                "eu-south-1",
                "us-west-2",
                "--artifact",
                str(artifact),
            ]
        )
