"""Operations: the daily job and schedule, the executor, alerts and freshness.

Generic over whatever assets the layers define: jobs select by ``AssetSelection.all()``,
freshness is applied to every asset by ``defs/defs.yaml`` post-processing, so a new asset in
any layer is scheduled, alerted on and watched for lateness without touching this package.
"""
