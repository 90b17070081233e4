"""Data tables generated from botocore. DO NOT EDIT."""
