"""A few AWS managed policies, as data: ``arn:aws:iam::aws:policy/<name>``.

Documents, default version ids and update dates from the iann0036/iam-dataset snapshot of
AWS's managed policies (``aws/managedpolicies/<name>.json``); ``AdministratorAccess`` is the
well-known allow-everything document (v1). UNCONFIRMED: the policy ids (``ANPA...``), which
the dataset does not record, are derived deterministically from the name; ``CreateDate`` is
the date of the default version.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = ["AWS_MANAGED"]

#: name -> (default version id, date of that version, policy document)
AWS_MANAGED: Mapping[str, tuple[str, str, str]] = MappingProxyType(
    {
        "AdministratorAccess": (
            "v1",
            "2015-02-06T18:39:46+00:00",
            "{\n"
            '    "Version": "2012-10-17",\n'
            '    "Statement": [\n'
            "        {\n"
            '            "Effect": "Allow",\n'
            '            "Action": "*",\n'
            '            "Resource": "*"\n'
            "        }\n"
            "    ]\n"
            "}",
        ),
        "AmazonEC2ReadOnlyAccess": (
            "v5",
            "2026-02-12T18:03:17+00:00",
            "{\n"
            '    "Statement": [\n'
            "        {\n"
            '            "Action": [\n'
            '                "ec2:Describe*",\n'
            '                "ec2:GetSecurityGroupsForVpc"\n'
            "            ],\n"
            '            "Effect": "Allow",\n'
            '            "Resource": "*"\n'
            "        },\n"
            "        {\n"
            '            "Action": [\n'
            '                "elasticloadbalancing:Describe*"\n'
            "            ],\n"
            '            "Effect": "Allow",\n'
            '            "Resource": "*"\n'
            "        },\n"
            "        {\n"
            '            "Action": [\n'
            '                "cloudwatch:ListMetrics",\n'
            '                "cloudwatch:GetMetricStatistics",\n'
            '                "cloudwatch:Describe*"\n'
            "            ],\n"
            '            "Effect": "Allow",\n'
            '            "Resource": "*"\n'
            "        },\n"
            "        {\n"
            '            "Action": [\n'
            '                "autoscaling:Describe*"\n'
            "            ],\n"
            '            "Effect": "Allow",\n'
            '            "Resource": "*"\n'
            "        }\n"
            "    ],\n"
            '    "Version": "2012-10-17"\n'
            "}",
        ),
        "AmazonRDSFullAccess": (
            "v14",
            "2023-08-17T23:00:17+00:00",
            "{\n"
            '    "Statement": [\n'
            "        {\n"
            '            "Action": [\n'
            '                "rds:*",\n'
            '                "application-autoscaling:DeleteScalingPolicy",\n'
            '                "application-autoscaling:DeregisterScalableTarget",\n'
            '                "application-autoscaling:DescribeScalableTargets",\n'
            '                "application-autoscaling:DescribeScalingActivities",\n'
            '                "application-autoscaling:DescribeScalingPolicies",\n'
            '                "application-autoscaling:PutScalingPolicy",\n'
            '                "application-autoscaling:RegisterScalableTarget",\n'
            '                "cloudwatch:DescribeAlarms",\n'
            '                "cloudwatch:GetMetricStatistics",\n'
            '                "cloudwatch:PutMetricAlarm",\n'
            '                "cloudwatch:DeleteAlarms",\n'
            '                "cloudwatch:ListMetrics",\n'
            '                "cloudwatch:GetMetricData",\n'
            '                "ec2:DescribeAccountAttributes",\n'
            '                "ec2:DescribeAvailabilityZones",\n'
            '                "ec2:DescribeCoipPools",\n'
            '                "ec2:DescribeInternetGateways",\n'
            '                "ec2:DescribeLocalGatewayRouteTablePermissions",\n'
            '                "ec2:DescribeLocalGatewayRouteTables",\n'
            '                "ec2:DescribeLocalGatewayRouteTableVpcAssociations",\n'
            '                "ec2:DescribeLocalGateways",\n'
            '                "ec2:DescribeSecurityGroups",\n'
            '                "ec2:DescribeSubnets",\n'
            '                "ec2:DescribeVpcAttribute",\n'
            '                "ec2:DescribeVpcs",\n'
            '                "ec2:GetCoipPoolUsage",\n'
            '                "sns:ListSubscriptions",\n'
            '                "sns:ListTopics",\n'
            '                "sns:Publish",\n'
            '                "logs:DescribeLogStreams",\n'
            '                "logs:GetLogEvents",\n'
            '                "outposts:GetOutpostInstanceTypes",\n'
            '                "devops-guru:GetResourceCollection"\n'
            "            ],\n"
            '            "Effect": "Allow",\n'
            '            "Resource": "*"\n'
            "        },\n"
            "        {\n"
            '            "Action": [\n'
            '                "pi:*"\n'
            "            ],\n"
            '            "Effect": "Allow",\n'
            '            "Resource": [\n'
            '                "arn:aws:pi:*:*:metrics/rds/*",\n'
            '                "arn:aws:pi:*:*:perf-reports/rds/*"\n'
            "            ]\n"
            "        },\n"
            "        {\n"
            '            "Action": [\n'
            '                "iam:CreateServiceLinkedRole"\n'
            "            ],\n"
            '            "Condition": {\n'
            '                "StringLike": {\n'
            '                    "iam:AWSServiceName": [\n'
            '                        "rds.amazonaws.com",\n'
            '                        "rds.application-autoscaling.amazonaws.com"\n'
            "                    ]\n"
            "                }\n"
            "            },\n"
            '            "Effect": "Allow",\n'
            '            "Resource": "*"\n'
            "        },\n"
            "        {\n"
            '            "Action": [\n'
            '                "devops-guru:SearchInsights",\n'
            '                "devops-guru:ListAnomaliesForInsight"\n'
            "            ],\n"
            '            "Condition": {\n'
            '                "ForAllValues:StringEquals": {\n'
            '                    "devops-guru:ServiceNames": [\n'
            '                        "RDS"\n'
            "                    ]\n"
            "                },\n"
            '                "Null": {\n'
            '                    "devops-guru:ServiceNames": "false"\n'
            "                }\n"
            "            },\n"
            '            "Effect": "Allow",\n'
            '            "Resource": "*"\n'
            "        }\n"
            "    ],\n"
            '    "Version": "2012-10-17"\n'
            "}",
        ),
        "AmazonRDSReadOnlyAccess": (
            "v7",
            "2023-04-14T12:32:09+00:00",
            "{\n"
            '    "Statement": [\n'
            "        {\n"
            '            "Action": [\n'
            '                "rds:Describe*",\n'
            '                "rds:ListTagsForResource",\n'
            '                "ec2:DescribeAccountAttributes",\n'
            '                "ec2:DescribeAvailabilityZones",\n'
            '                "ec2:DescribeInternetGateways",\n'
            '                "ec2:DescribeSecurityGroups",\n'
            '                "ec2:DescribeSubnets",\n'
            '                "ec2:DescribeVpcAttribute",\n'
            '                "ec2:DescribeVpcs"\n'
            "            ],\n"
            '            "Effect": "Allow",\n'
            '            "Resource": "*"\n'
            "        },\n"
            "        {\n"
            '            "Action": [\n'
            '                "cloudwatch:GetMetricStatistics",\n'
            '                "cloudwatch:ListMetrics",\n'
            '                "cloudwatch:GetMetricData",\n'
            '                "logs:DescribeLogStreams",\n'
            '                "logs:GetLogEvents",\n'
            '                "devops-guru:GetResourceCollection"\n'
            "            ],\n"
            '            "Effect": "Allow",\n'
            '            "Resource": "*"\n'
            "        },\n"
            "        {\n"
            '            "Action": [\n'
            '                "devops-guru:SearchInsights",\n'
            '                "devops-guru:ListAnomaliesForInsight"\n'
            "            ],\n"
            '            "Condition": {\n'
            '                "ForAllValues:StringEquals": {\n'
            '                    "devops-guru:ServiceNames": [\n'
            '                        "RDS"\n'
            "                    ]\n"
            "                },\n"
            '                "Null": {\n'
            '                    "devops-guru:ServiceNames": "false"\n'
            "                }\n"
            "            },\n"
            '            "Effect": "Allow",\n'
            '            "Resource": "*"\n'
            "        }\n"
            "    ],\n"
            '    "Version": "2012-10-17"\n'
            "}",
        ),
        "IAMFullAccess": (
            "v2",
            "2019-06-21T19:40:00+00:00",
            "{\n"
            '    "Statement": [\n'
            "        {\n"
            '            "Action": [\n'
            '                "iam:*",\n'
            '                "organizations:DescribeAccount",\n'
            '                "organizations:DescribeOrganization",\n'
            '                "organizations:DescribeOrganizationalUnit",\n'
            '                "organizations:DescribePolicy",\n'
            '                "organizations:ListChildren",\n'
            '                "organizations:ListParents",\n'
            '                "organizations:ListPoliciesForTarget",\n'
            '                "organizations:ListRoots",\n'
            '                "organizations:ListPolicies",\n'
            '                "organizations:ListTargetsForPolicy"\n'
            "            ],\n"
            '            "Effect": "Allow",\n'
            '            "Resource": "*"\n'
            "        }\n"
            "    ],\n"
            '    "Version": "2012-10-17"\n'
            "}",
        ),
        "IAMReadOnlyAccess": (
            "v4",
            "2018-01-25T19:11:27+00:00",
            "{\n"
            '    "Statement": [\n'
            "        {\n"
            '            "Action": [\n'
            '                "iam:GenerateCredentialReport",\n'
            '                "iam:GenerateServiceLastAccessedDetails",\n'
            '                "iam:Get*",\n'
            '                "iam:List*",\n'
            '                "iam:SimulateCustomPolicy",\n'
            '                "iam:SimulatePrincipalPolicy"\n'
            "            ],\n"
            '            "Effect": "Allow",\n'
            '            "Resource": "*"\n'
            "        }\n"
            "    ],\n"
            '    "Version": "2012-10-17"\n'
            "}",
        ),
    }
)
