"""The OCR engine: rapidocr-onnxruntime (PP-OCRv4 detection and recognition, CPU, onnxruntime).

The only module that imports rapidocr.  The models are the ones inside the installed wheel, passed by
path so nothing is ever looked up or downloaded: `model_files()` names them and a missing file is an
`OcrUnavailable`, never a fetch.  Detection and recognition are called separately through the engine's
documented switches (use_det / use_rec), so the page can be detected at a lower resolution than it is
read at, and the text lines recognised in parallel threads (onnxruntime releases the GIL).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["Engine", "OcrUnavailable", "Quad", "engine", "model_files"]

Quad = tuple[tuple[float, float], tuple[float, float], tuple[float, float], tuple[float, float]]

_PACKAGE = "rapidocr_onnxruntime"
_MODELS = {
    "det": "ch_PP-OCRv4_det_infer.onnx",
    "rec": "ch_PP-OCRv4_rec_infer.onnx",
    "cls": "ch_ppocr_mobile_v2.0_cls_infer.onnx",
}
MIN_CROP_H = 8  # pixels: anything lower is a speck, not a line of text


class OcrUnavailable(RuntimeError):
    """The OCR engine cannot be used here (package or model file missing)."""


def model_files() -> dict[str, Path]:
    """The model files shipped inside the installed rapidocr-onnxruntime wheel."""
    try:
        root = resources.files(_PACKAGE)
    except ModuleNotFoundError as err:
        raise OcrUnavailable("rapidocr-onnxruntime is not installed") from err
    files = {key: Path(str(root / "models" / name)) for key, name in _MODELS.items()}
    missing = [str(p) for p in files.values() if not p.is_file()]
    if missing:
        raise OcrUnavailable(f"OCR model file(s) missing from the installed package: {', '.join(missing)}")
    return files


@dataclass(frozen=True)
class Line:
    """One recognised text line: the text, the recogniser's confidence (0..1)."""

    text: str
    confidence: float


class Engine:
    """Detection and recognition on RGB uint8 images.  `threads`: cores to use (lines recognised in
    that many threads at once)."""

    def __init__(self, threads: int = 1) -> None:
        self.threads = max(1, min(threads, os.cpu_count() or 1))
        files = model_files()
        try:
            from rapidocr_onnxruntime import RapidOCR
        except ImportError as err:  # numpy/opencv/onnxruntime binary trouble
            raise OcrUnavailable(f"rapidocr-onnxruntime cannot be loaded: {err}") from err
        self._ocr = RapidOCR(
            det_model_path=str(files["det"]),
            rec_model_path=str(files["rec"]),
            cls_model_path=str(files["cls"]),
            # One thread per onnxruntime call: cores are used by recognising lines in parallel (below);
            # intra-op threads on small line crops mostly spin (bench_ocr: +60% CPU for no gain).
            intra_op_num_threads=1,
            inter_op_num_threads=1,
            use_cls=False,
            print_verbose=False,
        )
        self._pool = ThreadPoolExecutor(self.threads) if self.threads > 1 else None
        self.calls = 0  # recognised lines, for tests and the benchmark (a cached rerun does none)
        self._lock = threading.Lock()

    def detect(self, rgb: np.ndarray, scale: float = 1.0) -> list[Quad]:
        """Text line quadrilaterals (page pixels), detected on the image resized by `scale`."""
        import cv2

        small = (
            rgb if scale == 1.0 else cv2.resize(rgb, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        )
        found, _ = self._ocr(_bgr(small), use_det=True, use_cls=False, use_rec=False)
        if not found:
            return []
        return [_quad(np.asarray(q, dtype=np.float32) / scale) for q in found]

    def recognise(self, crops: Sequence[np.ndarray]) -> list[Line]:
        """Each crop (one line of text, RGB) read as text with its confidence."""
        if self._pool is not None and len(crops) > 1:
            return list(self._pool.map(self._one, crops))
        return [self._one(c) for c in crops]

    def _one(self, crop: np.ndarray) -> Line:
        if crop.shape[0] < MIN_CROP_H or crop.shape[1] < MIN_CROP_H:
            return Line("", 0.0)
        with self._lock:
            self.calls += 1
        found: Any
        found, _ = self._ocr(_bgr(crop), use_det=False, use_cls=False, use_rec=True)
        if not found:
            return Line("", 0.0)
        text, score = found[0][0], found[0][1]
        return Line(str(text), float(score))

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False)


def _bgr(rgb: np.ndarray) -> np.ndarray:
    if rgb.ndim == 2:
        rgb = np.repeat(rgb[:, :, None], 3, axis=2)
    return np.ascontiguousarray(rgb[:, :, ::-1])


def _quad(a: np.ndarray) -> Quad:
    return tuple((float(x), float(y)) for x, y in a[:4])  # type: ignore[return-value]


def engine(threads: int = 1) -> Engine:
    """One engine per process and thread count (loading the models takes ~0.3 s).  A worker forked from
    a process that had already read a page does not use the engine it inherited: onnxruntime's thread
    pool did not come along, and reading with it waits for ever."""
    return _engine(os.getpid(), threads)


@lru_cache(maxsize=4)
def _engine(pid: int, threads: int) -> Engine:
    return Engine(threads)
