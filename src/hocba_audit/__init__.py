"""hocba-audit: a data-quality audit workbench for Vietnam's digital school records."""

from hocba_audit.version import __version__

__all__ = ["__version__"]
