"""Test-wide settings: hypothesis runs derandomized (same examples every run), no deadline."""

from hypothesis import HealthCheck, settings

settings.register_profile(
    "microbp",
    derandomize=True,
    deadline=None,
    max_examples=60,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("microbp")
