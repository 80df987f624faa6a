"""Use cases. No HTTP and no boto3 types here: services speak models and domain errors."""
