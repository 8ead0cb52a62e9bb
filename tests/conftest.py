import os
import sys
from pathlib import Path

from hypothesis import HealthCheck, settings

sys.path.insert(0, str(Path(__file__).parent))  # tests/helpers.py

# Hypothesis profiles for the property-based tests (tests/test_properties.py). The environment variable
# DERIVE_HYPOTHESIS_PROFILE chooses one:
#   default  few examples, derandomized (the same examples on every run, so CI is reproducible), no deadline;
#            keeps tests/test_properties.py under a minute (about 55 s on 2 cores).
#   long     DERIVE_HYPOTHESIS_PROFILE=long python -m pytest tests/test_properties.py
#            many random examples (new ones each run; failures are saved in .hypothesis/ and replayed).
_SLOW = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
settings.register_profile("default", max_examples=12, deadline=None, derandomize=True, suppress_health_check=_SLOW)
settings.register_profile("long", max_examples=400, deadline=None, suppress_health_check=_SLOW, print_blob=True)
settings.load_profile(os.environ.get("DERIVE_HYPOTHESIS_PROFILE", "default"))
