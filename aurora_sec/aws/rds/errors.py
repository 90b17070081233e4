"""Every error the RDS API emulation raises: AWS's code, its HTTP status and its wording.

Each builder returns an :class:`~aurora_sec.errors.AwsError`. HTTP statuses come from the
botocore model (``ERRORS`` in the generated table); codes the model does not list
(InvalidParameterValue, InvalidParameterCombination, ...) are 400 as AWS returns them.

Sources: wordings marked [OBS] were seen in real AWS responses quoted in public issue threads
(see docs/fidelity.md for the links); [DOC] are from the AWS API reference; UNCONFIRMED ones
follow the nearest observed pattern and are listed in docs/fidelity.md.
"""

from __future__ import annotations

from aurora_sec.aws._generated.rds_shapes import ERRORS
from aurora_sec.errors import AwsError

__all__ = ["UnsupportedByEmulator", "rds_error"]


class UnsupportedByEmulator(NotImplementedError):
    """A real AWS feature the emulator does not model; raised loudly, never ignored."""


def rds_error(code: str, message: str) -> AwsError:
    return AwsError(code, message, http_status=ERRORS.get(code, 400))


# -- identifiers and names -----------------------------------------------------------------


def invalid_identifier(parameter: str, *, arn_allowed: bool = False) -> AwsError:
    # [OBS] DBClusterIdentifier (sst#1702) mentions ARNs; DBInstanceIdentifier and parameter
    # group names (aws-cli#2886, quickstart-amazon-redshift#12) do not.
    either = "either be an ARN or " if arn_allowed else ""
    return rds_error(
        "InvalidParameterValue",
        f"The parameter {parameter} is not a valid identifier. Identifiers must {either}begin "
        "with a letter; must contain only ASCII letters, digits, and hyphens; and must not end "
        "with a hyphen or contain two consecutive hyphens.",
    )


def missing_parameter(parameter: str) -> AwsError:
    # [OBS] terraform#13279: "The parameter DBParameterGroupName must be provided and must not
    # be blank."
    return rds_error(
        "InvalidParameterValue",
        f"The parameter {parameter} must be provided and must not be blank.",
    )


def reserved_master_username(name: str) -> AwsError:
    # [OBS] aws-cdk#5076, #5125; cfn-lint#4425 (admin and rdsadmin refused on aurora-postgresql)
    return rds_error(
        "InvalidParameterValue",
        f"MasterUsername {name} cannot be used as it is a reserved word used by the engine",
    )


def invalid_master_username() -> AwsError:
    # UNCONFIRMED: modelled on "DatabaseName must begin with a letter and contain only
    # alphanumeric characters." [OBS terraform-provider-aws#38528]
    return rds_error(
        "InvalidParameterValue",
        "MasterUsername must begin with a letter and contain only alphanumeric characters.",
    )


def master_username_too_long() -> AwsError:
    # UNCONFIRMED wording; the limit (16) is documented for Aurora PostgreSQL [DOC S14].
    return rds_error(
        "InvalidParameterValue",
        "The parameter MasterUsername is not a valid identifier because it is longer than 16 "
        "characters.",
    )


def password_too_short() -> AwsError:
    # [OBS] reproduced by moto from real AWS responses
    return rds_error(
        "InvalidParameterValue",
        "The parameter MasterUserPassword is not a valid password because it is shorter than 8 "
        "characters.",
    )


def password_too_long() -> AwsError:
    # UNCONFIRMED: same pattern as the "shorter than 8" message; 41 is Aurora's limit [DOC S14]
    return rds_error(
        "InvalidParameterValue",
        "The parameter MasterUserPassword is not a valid password because it is longer than 41 "
        "characters.",
    )


def password_bad_characters() -> AwsError:
    # UNCONFIRMED exact wording; the rule (printable ASCII but / " @ and space) is [DOC S14]
    return rds_error(
        "InvalidParameterValue",
        "The parameter MasterUserPassword is not a valid password. Only printable ASCII "
        "characters besides '/', '@', '\"', ' ' may be used.",
    )


def invalid_database_name() -> AwsError:
    # [OBS] terraform-provider-aws#38528
    return rds_error(
        "InvalidParameterValue",
        "DatabaseName must begin with a letter and contain only alphanumeric characters.",
    )


# -- engines and versions -------------------------------------------------------------------


def invalid_engine(engine: str) -> AwsError:
    # UNCONFIRMED wording for an engine name RDS does not know at all
    return rds_error("InvalidParameterValue", f"Invalid DB engine: {engine}")


def unknown_engine_version(version: str, engine: str = "aurora-postgresql") -> AwsError:
    # [OBS] acloudfan/Amazon-RDS-Aurora-Postgres-v1#1
    return rds_error("InvalidParameterCombination", f"Cannot find version {version} for {engine}")


def invalid_family(family: str) -> AwsError:
    # [OBS] cloudformation-coverage-roadmap#703
    return rds_error(
        "InvalidParameterValue",
        f"ParameterGroupFamily {family} is not a valid parameter group family",
    )


def unsupported_combination(instance_class: str, engine: str, version: str) -> AwsError:
    # [OBS] aws-cdk#23431
    return rds_error(
        "InvalidParameterCombination",
        "RDS does not support creating a DB instance with the following combination: "
        f"DBInstanceClass={instance_class}, Engine={engine}, EngineVersion={version}, "
        "LicenseModel=postgresql-license. For supported combinations of instance class and "
        "database engine version, see the documentation.",
    )


# -- not found / already exists -------------------------------------------------------------


def cluster_not_found(identifier: str) -> AwsError:
    return rds_error("DBClusterNotFoundFault", f"DBCluster {identifier} not found.")


def cluster_exists() -> AwsError:
    return rds_error("DBClusterAlreadyExistsFault", "DB Cluster already exists")


def instance_not_found(identifier: str) -> AwsError:
    return rds_error("DBInstanceNotFound", f"DBInstance {identifier} not found.")


def instance_exists() -> AwsError:
    return rds_error("DBInstanceAlreadyExists", "DB instance already exists")


def cluster_parameter_group_not_found(name: str, *, referenced: bool = False) -> AwsError:
    # [OBS] aws-cdk#2512: "DBClusterParameterGroup not found: default.aurora5.6" (404). The
    # botocore model lists DBClusterParameterGroupNotFound for CreateDBCluster/ModifyDBCluster
    # (a reference from a cluster) and DBParameterGroupNotFound for the group's own operations.
    code = "DBClusterParameterGroupNotFound" if referenced else "DBParameterGroupNotFound"
    return rds_error(code, f"DBClusterParameterGroup not found: {name}")


def parameter_group_not_found(name: str) -> AwsError:
    return rds_error("DBParameterGroupNotFound", f"DBParameterGroup not found: {name}")


def parameter_group_exists(name: str, *, cluster: bool) -> AwsError:
    kind = "DBClusterParameterGroup" if cluster else "Parameter group"
    return rds_error("DBParameterGroupAlreadyExists", f"{kind} {name} already exists")


def subnet_group_not_found(name: str) -> AwsError:
    return rds_error("DBSubnetGroupNotFoundFault", f"DBSubnetGroup {name} not found.")


def subnet_group_exists(name: str) -> AwsError:
    return rds_error("DBSubnetGroupAlreadyExists", f"DB Subnet Group {name} already exists.")


def endpoint_exists(name: str) -> AwsError:
    return rds_error(
        "DBClusterEndpointAlreadyExistsFault", f"DBClusterEndpoint {name} already exists."
    )


def endpoint_not_found(name: str) -> AwsError:
    return rds_error("DBClusterEndpointNotFoundFault", f"DBClusterEndpoint {name} not found.")


# -- parameter groups -----------------------------------------------------------------------


def modify_default_group() -> AwsError:
    # [OBS] ankane/pghero#66
    return rds_error("InvalidParameterValue", "Cannot modify a default parameter group.")


def reset_default_group() -> AwsError:
    # UNCONFIRMED: pattern of the modify message; the rule itself is [DOC S2]
    return rds_error("InvalidParameterValue", "Cannot reset a default parameter group.")


def delete_default_group(name: str, *, cluster: bool) -> AwsError:
    # [OBS] awsdocs/amazon-rds-user-guide#14 (DB parameter group); cluster wording UNCONFIRMED
    kind = "DBClusterParameterGroup" if cluster else "DBParameterGroup"
    return rds_error("InvalidDBParameterGroupState", f"Default {kind} cannot be deleted: {name}")


def group_in_use(name: str, *, cluster: bool) -> AwsError:
    # [OBS] terraform-aws-rds-aurora#466 (DB parameter group); cluster wording UNCONFIRMED
    members = "DB clusters" if cluster else "database instances"
    return rds_error(
        "InvalidDBParameterGroupState",
        f"One or more {members} are still members of this parameter group {name}, so the group "
        "cannot be deleted",
    )


def unknown_parameter(name: str) -> AwsError:
    # [OBS] terraform#10514, terraform-provider-aws#522
    return rds_error("InvalidParameterValue", f"Could not find parameter with name: {name}")


def immediate_static() -> AwsError:
    # [OBS] aurora-facts.md section 5
    return rds_error(
        "InvalidParameterCombination", "cannot use immediate apply method for static parameter"
    )


def family_mismatch(group: str, group_family: str, wanted_family: str) -> AwsError:
    # [OBS] aws-cdk#5126
    return rds_error(
        "InvalidParameterCombination",
        f"The Parameter Group {group} with DBParameterGroupFamily {group_family} cannot be used "
        f"for this instance. Please use a Parameter Group with DBParameterGroupFamily {wanted_family}",
    )


# -- state ----------------------------------------------------------------------------------


def cluster_has_instances() -> AwsError:
    # [OBS] localstack#10215, aws-controllers-k8s#1151 (confirmed by moto PR #6998)
    return rds_error(
        "InvalidDBClusterStateFault",
        "Cluster cannot be deleted, it still contains DB instances in non-deleting state.",
    )


def final_snapshot_required() -> AwsError:
    # UNCONFIRMED exact wording
    return rds_error(
        "InvalidParameterCombination",
        "FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot is specified.",
    )


def deletion_protected_cluster() -> AwsError:
    # UNCONFIRMED exact wording
    return rds_error(
        "InvalidParameterCombination",
        "Cannot delete protected Cluster, please disable deletion protection and try again.",
    )


def deletion_protected_instance() -> AwsError:
    # UNCONFIRMED exact wording
    return rds_error(
        "InvalidParameterCombination",
        "Cannot delete protected DB Instance, please disable deletion protection and try again.",
    )


def set_on_cluster(what: str) -> AwsError:
    # [OBS] wording family "The requested DB Instance will be a member of a DB Cluster. Set
    # <x> for the DB Cluster."; the exact <x> per parameter is UNCONFIRMED
    return rds_error(
        "InvalidParameterCombination",
        f"The requested DB Instance will be a member of a DB Cluster. Set {what} for the DB Cluster.",
    )


def different_vpcs(resource: str, vpc_id: str, sg_vpc_id: str) -> AwsError:
    # [OBS] terraform-aws-rds#451, crossplane#179 (instances); the cluster variant UNCONFIRMED
    return rds_error(
        "InvalidParameterCombination",
        f"The {resource} and EC2 security group are in different VPCs. The {resource} is in "
        f"{vpc_id} and the EC2 security group is in {sg_vpc_id}",
    )


def security_group_not_found(group_id: str) -> AwsError:
    # UNCONFIRMED wording
    return rds_error(
        "InvalidParameterValue", f"Invalid security group , groupId= {group_id}, groupName=."
    )


def subnet_group_coverage(count: int) -> AwsError:
    # UNCONFIRMED exact wording
    return rds_error(
        "DBSubnetGroupDoesNotCoverEnoughAZs",
        "The DB subnet group doesn't meet Availability Zone (AZ) coverage requirement. Current AZ "
        f"coverage: {count}. Add subnets to cover at least 2 AZs.",
    )


def subnet_not_found(subnet_id: str) -> AwsError:
    return rds_error("InvalidSubnet", f"The subnet ID '{subnet_id}' does not exist")


def subnets_in_different_vpcs() -> AwsError:
    # UNCONFIRMED exact wording
    return rds_error("InvalidSubnet", "Subnets must all be in the same VPC.")


def subnet_group_in_use(name: str) -> AwsError:
    # UNCONFIRMED exact wording
    return rds_error(
        "InvalidDBSubnetGroupStateFault",
        f"Cannot delete the subnet group '{name}' because at least one database instance: {name} is still using it.",
    )


def tenancy_mismatch(instance_class: str, version: str) -> AwsError:
    # UNCONFIRMED: AWS documents the rule (burstable classes only in default tenancy, S5) but
    # not the error; it is reported as the unsupported-combination error.
    return unsupported_combination(instance_class, "aurora-postgresql", version)


def serverless_needs_scaling() -> AwsError:
    # UNCONFIRMED exact wording
    return rds_error(
        "InvalidParameterCombination",
        "Set the Serverless v2 scaling configuration on the parent DB cluster before creating a "
        "Serverless v2 DB instance.",
    )


def invalid_value(message: str) -> AwsError:
    return rds_error("InvalidParameterValue", message)


def invalid_combination(message: str) -> AwsError:
    return rds_error("InvalidParameterCombination", message)
