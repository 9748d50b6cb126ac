"""Data for chainrule: named data sets, user files, splitting, scaling and batching.

Pure NumPy (optional packages only for ``digits`` and ``mnist1d``); batches are NumPy arrays.
"""

from .bundled import digits, mnist1d
from .files import MAX_INTEGER_CLASSES, csv_columns, load_csv, load_csv_features, load_npz
from .loader import ArrayDataset, DataLoader
from .preprocessing import Standardizer, train_test_split
from .record import Dataset
from .registry import DATASETS, load_data, load_dataset
from .synthetic import FUNCTIONS, circles, gaussians, moons, sine, spirals, xor

__all__ = [
    "DATASETS", "FUNCTIONS", "MAX_INTEGER_CLASSES", "ArrayDataset", "DataLoader", "Dataset",
    "Standardizer", "circles", "csv_columns", "digits", "gaussians", "load_csv",
    "load_csv_features", "load_data", "load_dataset", "load_npz", "mnist1d", "moons", "sine",
    "spirals", "train_test_split", "xor",
]
