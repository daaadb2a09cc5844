"""Create the local stand-in of a deployment in a moto server.

A bucket holding a small static site (index.html unless --no-index) and a CloudFront
distribution in front of it. Prints the distribution ID on standard output.
"""

import argparse
import uuid

import boto3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--endpoint", required=True, help="moto server URL")
    parser.add_argument("--bucket", required=True)
    parser.add_argument("--no-index", action="store_true", help="leave index.html out")
    parser.add_argument("--alias", action="append", default=[], help="a CNAME of the distribution")
    args = parser.parse_args()

    session = boto3.session.Session(
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    )
    s3 = session.client("s3", endpoint_url=args.endpoint)
    s3.create_bucket(Bucket=args.bucket)
    if not args.no_index:
        s3.put_object(
            Bucket=args.bucket,
            Key="index.html",
            Body=b"<!doctype html><title>demo</title><h1>It works</h1>\n",
            ContentType="text/html",
            CacheControl="no-cache",
        )
    s3.put_object(
        Bucket=args.bucket,
        Key="assets/app.js",
        Body=b"console.log('demo');\n",
        ContentType="application/javascript",
        CacheControl="public, max-age=31536000, immutable",
    )

    cloudfront = session.client("cloudfront", endpoint_url=args.endpoint)
    origin = f"{args.bucket}.s3.amazonaws.com"
    created = cloudfront.create_distribution(
        DistributionConfig={
            "CallerReference": str(uuid.uuid4()),
            "Comment": "remote-hands local stand-in",
            "Enabled": True,
            "Aliases": {"Quantity": len(args.alias), "Items": args.alias},
            "DefaultRootObject": "index.html",
            "Origins": {
                "Quantity": 1,
                "Items": [
                    {
                        "Id": "site",
                        "DomainName": origin,
                        "S3OriginConfig": {"OriginAccessIdentity": ""},
                    }
                ],
            },
            "DefaultCacheBehavior": {
                "TargetOriginId": "site",
                "ViewerProtocolPolicy": "redirect-to-https",
                "MinTTL": 0,
                "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
                "TrustedSigners": {"Enabled": False, "Quantity": 0},
            },
        }
    )
    print(created["Distribution"]["Id"])


if __name__ == "__main__":
    main()
