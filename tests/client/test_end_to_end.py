"""The three levels together: a client machine connects to an emulated Aurora cluster.

The seed's story: PGSSLMODE=disable against a force_ssl cluster gets the FATAL of the seed;
verify-full with the downloaded bundle succeeds on the cluster, reader and instance endpoints;
ssl_is_used() agrees with the negotiation; IAM database authentication needs a token over TLS.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest

import aurora_sec as aurora
from aurora_sec.aws.account import Account

PASSWORD = "correct-horse-battery"


def world(version: str = "15.4", *, iam: bool = False) -> tuple[Account, dict[str, Any]]:
    acct = Account(seed=5)
    ec2, rds = acct.client("ec2"), acct.client("rds")
    vpc = next(v for v in ec2.describe_vpcs()["Vpcs"] if v["IsDefault"])["VpcId"]
    sg = ec2.create_security_group(GroupName="db", Description="db", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=sg,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 5432,
                "ToPort": 5432,
                "IpRanges": [{"CidrIp": "203.0.113.0/24"}],
            }
        ],
    )
    family = f"aurora-postgresql{version.split('.')[0]}"
    rds.create_db_cluster_parameter_group(
        DBClusterParameterGroupName="g", DBParameterGroupFamily=family, Description="d"
    )
    cluster = rds.create_db_cluster(
        DBClusterIdentifier="prod",
        Engine="aurora-postgresql",
        EngineVersion=version,
        MasterUsername="postgres",
        MasterUserPassword=PASSWORD,
        DBClusterParameterGroupName="g",
        VpcSecurityGroupIds=[sg],
        EnableIAMDatabaseAuthentication=iam,
    )["DBCluster"]
    instance = rds.create_db_instance(
        DBInstanceIdentifier="prod-1",
        DBClusterIdentifier="prod",
        Engine="aurora-postgresql",
        DBInstanceClass="db.r6g.large",
    )["DBInstance"]
    return acct, {
        "cluster": cluster["Endpoint"],
        "reader": cluster["ReaderEndpoint"],
        "instance": instance["Endpoint"]["Address"],
    }


def force_ssl(acct: Account) -> None:
    acct.client("rds").modify_db_cluster_parameter_group(
        DBClusterParameterGroupName="g",
        Parameters=[
            {"ParameterName": "rds.force_ssl", "ParameterValue": "1", "ApplyMethod": "immediate"}
        ],
    )


def laptop(acct: Account, **kwargs: Any) -> aurora.Client:
    return aurora.Client(
        acct, ip="203.0.113.10", files={"rds-ca.pem": acct.ca_bundle_pem()}, **kwargs
    )


@pytest.mark.parametrize("endpoint", ["cluster", "reader", "instance"])
def test_verify_full_with_the_bundle(endpoint: str) -> None:
    acct, hosts = world()
    conn = laptop(acct, driver_version=15).connect(
        f"host={hosts[endpoint]} user=postgres password={PASSWORD} sslmode=verify-full sslrootcert=rds-ca.pem"
    )
    assert conn.ssl is not None
    assert conn.execute("SELECT current_user").value == "postgres"
    conn.execute("CREATE EXTENSION sslinfo")
    assert conn.execute("SELECT ssl_is_used(), ssl_version()").rows == (("t", conn.ssl.version),)


def test_the_seeds_force_ssl_story() -> None:
    acct, hosts = world("15.4")
    client = aurora.Client(acct, ip="203.0.113.10", driver_version=15, env={"PGSSLMODE": "disable"})
    plain = client.connect(f"host={hosts['cluster']} user=postgres password={PASSWORD}")
    assert plain.ssl is None
    assert plain.execute("CREATE EXTENSION sslinfo; SELECT ssl_is_used()").value == "f"
    force_ssl(acct)
    with pytest.raises(aurora.ConnectionFailed) as err:
        client.connect(f"host={hosts['cluster']} user=postgres password={PASSWORD}")
    assert str(err.value).endswith(
        'FATAL:  no pg_hba.conf entry for host "203.0.113.10", user "postgres", database "postgres", no encryption'
    )
    assert str(err.value).startswith(f'connection to server at "{hosts["cluster"]}"')
    assert PASSWORD not in str(err.value)
    # prefer (the default) simply uses TLS
    assert (
        aurora.Client(acct, ip="203.0.113.10", driver_version=15)
        .connect(f"host={hosts['cluster']} user=postgres password={PASSWORD}")
        .ssl
        is not None
    )


def test_force_ssl_words_before_14() -> None:
    acct, hosts = world("13.9")
    force_ssl(acct)
    with pytest.raises(aurora.ConnectionFailed) as err:
        laptop(acct, driver_version=13).connect(
            f"host={hosts['cluster']} user=postgres password={PASSWORD} sslmode=disable"
        )
    assert str(err.value).endswith(', database "postgres", SSL off')


def test_unreachable_clients_time_out() -> None:
    acct, hosts = world()
    home = aurora.Client(acct, ip="198.51.100.7", driver_version=15)
    with pytest.raises(aurora.ConnectionFailed) as err:
        home.connect(f"host={hosts['cluster']} user=postgres password={PASSWORD} connect_timeout=3")
    assert str(err.value).endswith("timeout expired")


def test_unknown_host() -> None:
    acct, _ = world()
    with pytest.raises(aurora.ConnectionFailed) as err:
        laptop(acct, driver_version=15).connect(
            "host=nope.cluster-x.us-east-1.rds.amazonaws.com user=postgres"
        )
    assert (
        'could not translate host name "nope.cluster-x.us-east-1.rds.amazonaws.com" to address'
        in str(err.value)
    )


def test_a_numeric_host_is_not_looked_up() -> None:
    """host=<the instance's address>: getaddrinfo takes the literal, so TLS works up to
    verify-ca and verify-full compares the address with the certificate's names (libpq's
    ``pq_verify_peer_name_matches_certificate``), which hold no address."""
    acct, hosts = world()
    address = acct.network("203.0.113.10").resolve(hosts["instance"])[0]
    client = laptop(acct, driver_version=16)
    dsn = f"host={address} user=postgres password={PASSWORD} sslrootcert=rds-ca.pem sslmode="
    conn = client.connect(dsn + "verify-ca")
    assert conn.execute("SELECT current_user").value == "postgres"
    with pytest.raises(aurora.ConnectionFailed) as err:
        client.connect(dsn + "verify-full")
    assert str(err.value).startswith(
        f'connection to server at "{address}", port 5432 failed: server certificate for "'
    )
    assert str(err.value).endswith(f'other names) does not match host name "{address}"')


def test_authentication_failures() -> None:
    acct, hosts = world()
    s = acct.session("prod")
    s.execute(
        "CREATE ROLE nologin PASSWORD 'pw'; CREATE ROLE expired LOGIN PASSWORD 'pw' VALID UNTIL '2001-01-01'"
    )
    s.execute("SET password_encryption = 'md5'; CREATE ROLE oldmd5 LOGIN PASSWORD 'pw'")
    client = laptop(acct, driver_version=15)
    host = hosts["cluster"]

    def fail(dsn: str) -> str:
        with pytest.raises(aurora.ConnectionFailed) as err:
            client.connect(f"host={host} dbname=postgres sslmode=require {dsn}")
        return str(err.value).split(" failed: ", 1)[1]

    assert (
        fail("user=postgres password=wrong")
        == 'FATAL:  password authentication failed for user "postgres"'
    )
    assert (
        fail("user=nobody password=x") == 'FATAL:  password authentication failed for user "nobody"'
    )
    assert (
        fail("user=expired password=pw")
        == 'FATAL:  password authentication failed for user "expired"'
    )
    assert fail("user=nologin password=pw") == 'FATAL:  role "nologin" is not permitted to log in'
    assert (
        fail(f"user=postgres password={PASSWORD} dbname=nosuch")
        == 'FATAL:  database "nosuch" does not exist'
    )
    assert fail("user=postgres") == "fe_sendauth: no password supplied"
    assert (
        client.connect(f"host={host} dbname=postgres sslmode=require user=oldmd5 password=pw").ssl
        is not None
    )
    acct.client("rds").modify_db_cluster_parameter_group(
        DBClusterParameterGroupName="g",
        Parameters=[
            {
                "ParameterName": "rds.accepted_password_auth_method",
                "ParameterValue": "scram",
                "ApplyMethod": "immediate",
            }
        ],
    )
    assert (
        fail("user=oldmd5 password=pw")
        == 'FATAL:  password authentication failed for user "oldmd5"'
    )


def test_pgjdbc_against_force_ssl() -> None:
    acct, hosts = world()
    force_ssl(acct)
    jdbc = aurora.Client(acct, ip="203.0.113.10", driver="pgjdbc")
    url = f"jdbc:postgresql://{hosts['cluster']}:5432/postgres"
    with pytest.raises(aurora.ConnectionFailed) as err:
        jdbc.connect(f"{url}?sslmode=disable", user="postgres", password=PASSWORD)
    assert "no pg_hba.conf entry" in str(err.value)
    conn = jdbc.connect(url, user="postgres", password=PASSWORD)  # default prefer
    assert conn.ssl is not None


def test_iam_database_authentication() -> None:
    acct, hosts = world(iam=True)
    iam = acct.client("iam")
    iam.create_user(UserName="app")
    key = iam.create_access_key(UserName="app")["AccessKey"]
    resource_id = acct.client("rds").describe_db_clusters()["DBClusters"][0]["DbClusterResourceId"]
    iam.put_user_policy(
        UserName="app",
        PolicyName="connect",
        PolicyDocument=(
            '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "rds-db:connect", '
            f'"Resource": "arn:aws:rds-db:us-east-1:123456789012:dbuser:{resource_id}/iamuser"}}]}}'
        ),
    )
    acct.session("prod").execute("CREATE ROLE iamuser LOGIN; GRANT rds_iam TO iamuser")
    signer: Any = acct.client(
        "rds", access_key_id=key["AccessKeyId"], secret_access_key=key["SecretAccessKey"]
    )
    token = signer.generate_db_auth_token(
        DBHostname=hosts["cluster"], Port=5432, DBUsername="iamuser"
    )
    client = laptop(acct, driver_version=15)
    conn = client.connect(
        f"host={hosts['cluster']} dbname=postgres user=iamuser sslmode=require password='{token}'"
    )
    assert conn.execute("SELECT current_user").value == "iamuser"
    with pytest.raises(aurora.ConnectionFailed) as err:
        client.connect(
            f"host={hosts['cluster']} dbname=postgres user=iamuser sslmode=require password=not-a-token"
        )
    assert str(err.value).endswith('FATAL:  PAM authentication failed for user "iamuser"')
    with pytest.raises(aurora.ConnectionFailed) as err:
        client.connect(
            f"host={hosts['cluster']} dbname=postgres user=iamuser sslmode=disable password='{token}'"
        )
    assert (
        'pg_hba.conf rejects connection for host "203.0.113.10", user "iamuser", database "postgres", no encryption'
        in str(err.value)
    )
    assert token not in str(err.value)


@pytest.mark.parametrize(
    ("psql", "server", "expected"),
    [
        (
            "15.4",
            "15.4",
            [
                "psql (15.4)",
                "SSL connection (protocol: TLSv1.3, cipher: TLS_AES_256_GCM_SHA384, compression: off)",
                'Type "help" for help.',
            ],
        ),
        (
            "14.9",
            "15.4",
            [
                "psql (14.9, server 15.4)",
                "WARNING: psql major version 14, server major version 15.",
                "         Some psql features might not work.",
                "SSL connection (protocol: TLSv1.3, cipher: TLS_AES_256_GCM_SHA384, bits: 256, compression: off)",
                'Type "help" for help.',
            ],
        ),
    ],
)
def test_psql_banner(psql: str, server: str, expected: list[str]) -> None:
    acct, hosts = world(server)
    conn = laptop(acct, driver_version=psql.split(".")[0]).connect(
        f"host={hosts['cluster']} dbname=postgres user=postgres password={PASSWORD} sslmode=require"
    )
    assert conn.banner(psql).split("\n") == expected


def test_valid_until_now_reads_the_cluster_clock() -> None:
    """VALID UNTIL 'now' (the idiom that expires a password) stores the cluster's clock
    (``acct.rds.now``), so a login after the clock moves on is refused as expired; 'now' again
    stores the new moment (no memo stores the old one again), and 'tomorrow' is midnight."""
    acct, hosts = world()
    s = acct.session("prod")
    s.execute("CREATE ROLE temp LOGIN PASSWORD 'pw'")
    client = laptop(acct, driver_version=15)
    dsn = f"host={hosts['cluster']} dbname=postgres sslmode=require user=temp password=pw"
    start = acct.rds.now
    for step in range(3):  # the same text each time: noted, remembered, then again
        acct.rds.now = start + datetime.timedelta(hours=step)
        s.execute("ALTER ROLE temp VALID UNTIL 'now'")
        stored = s.execute("SELECT rolvaliduntil FROM pg_roles WHERE rolname = 'temp'").value
        assert stored == acct.rds.now.strftime("%Y-%m-%d %H:%M:%S+00")
        assert client.connect(dsn).execute("SELECT current_user").value == "temp"
        acct.rds.now += datetime.timedelta(seconds=1)
        with pytest.raises(aurora.ConnectionFailed) as err:
            client.connect(dsn)
        assert str(err.value).endswith('FATAL:  password authentication failed for user "temp"')
    s.execute("ALTER ROLE temp VALID UNTIL 'tomorrow'")
    tomorrow = acct.rds.now.date() + datetime.timedelta(days=1)
    assert s.execute("SELECT rolvaliduntil FROM pg_roles WHERE rolname = 'temp'").value == (
        f"{tomorrow.isoformat()} 00:00:00+00"
    )
    assert client.connect(dsn).execute("SELECT current_user").value == "temp"
