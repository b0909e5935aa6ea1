"""The options of one import (declared in the core, `linkgraph.import_options`, where the CLI builds them)."""

from linkgraph.import_options import ImportOptions

__all__ = ["ImportOptions"]
