"""Progress bars: tqdm's notebook widget where Jupyter can show one, its text bar elsewhere.

``tqdm.auto`` warns (``TqdmWarning: IProgress not found``) when it is imported in a notebook kernel without
ipywidgets, then falls back to the text bar anyway; the warning says nothing a user of supplysim can act on, so it is
silenced here and every progress bar of the package comes from this module.
"""

from __future__ import annotations

import warnings

from tqdm import TqdmWarning

with warnings.catch_warnings():
    warnings.simplefilter("ignore", TqdmWarning)
    from tqdm.auto import tqdm

__all__ = ["tqdm"]
