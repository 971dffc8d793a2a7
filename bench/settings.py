"""Settings of the submit benchmark: production settings plus the bare ceiling view's URL."""

from satisfaction.settings import *

ROOT_URLCONF = "bench.urls"
