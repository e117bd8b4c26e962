"""What a frame says about a failure: its package, a version-stable key, and how much it weighs.

Pure functions over ``Frame``; any stage may use them. A frame near the raise
says more than one near ``<module>``; a frame every PyTorch failure passes
through (``Module._call_impl``) says almost nothing (siggen's irrelevant-frame
list, Sentry's in-app rules).
"""

from __future__ import annotations

import re

from .trace import ExceptionBlock, Frame

KNOWN_PACKAGES = (
    "peft",
    "transformers",
    "accelerate",
    "bitsandbytes",
    "trl",
    "deepspeed",
    "torch",
    "safetensors",
    "huggingface_hub",
    "datasets",
    "optimum",
    "tokenizers",
)
_SITE = re.compile(r"(?:site|dist)-packages/")
# (path fragment, function) pairs seen in nearly every traceback of their library.
_COMMON_FRAMES: tuple[tuple[str, str], ...] = (
    ("torch/nn/modules/module.py", "_call_impl"),
    ("torch/nn/modules/module.py", "_wrapped_call_impl"),
    ("torch/nn/modules/module.py", "__call__"),
    ("torch/utils/_contextlib.py", "decorate_context"),
    ("torch/utils/checkpoint.py", ""),
    ("torch/_dynamo/", ""),
    ("torch/autograd/function.py", "apply"),
    ("accelerate/hooks.py", "new_forward"),
    ("accelerate/utils/operations.py", "__call__"),
    ("accelerate/utils/operations.py", "convert_to_fp32"),
    ("transformers/utils/generic.py", "wrapper"),
    ("transformers/utils/deprecation.py", "wrapped_func"),
    ("transformers/modeling_layers.py", "__call__"),
    ("transformers/trainer.py", "train"),
    ("transformers/trainer.py", "_inner_training_loop"),
    ("functools.py", ""),
    ("runpy.py", ""),
    ("<frozen runpy>", ""),
    ("threading.py", ""),
    ("torch/distributed/elastic/multiprocessing/errors/__init__.py", "wrapper"),
)
COMMON_FRAME_WEIGHT = 0.1
STDLIB_WEIGHT = 0.3
DISTANCE_DECAY = 0.5  # weight = 1 / (1 + DISTANCE_DECAY * frames between this one and the raise)


def package_of(path: str) -> str:
    """Which library a frame belongs to: a name from ``KNOWN_PACKAGES``, ``other``, ``stdlib`` or ``user``."""
    normal = path.replace("\\", "/")
    marker = _SITE.search(normal)
    if marker:
        top = normal[marker.end() :].split("/", 1)[0].split(".", 1)[0]
        return top if top in KNOWN_PACKAGES else "other"
    for package in KNOWN_PACKAGES:
        if f"/{package}/" in normal:
            return package
    if normal.startswith("<frozen") or re.search(r"/lib/python3\.\d+/[^/]+\.py$", normal):
        return "stdlib"
    return "user"


def frame_key(frame: Frame) -> str:
    """A key that survives user paths and line shifts: ``peft/tuners/tuners_utils.py:inject_adapter``.

    Library frames keep their path below ``site-packages``; user frames keep the file name only.
    The function loses its class (IPython prints ``BaseTuner.inject_adapter``, CPython ``inject_adapter``).
    """
    normal = frame.path.replace("\\", "/")
    marker = _SITE.search(normal)
    if marker:
        where = normal[marker.end() :]
    elif frame.package in KNOWN_PACKAGES:
        where = normal[normal.find(f"/{frame.package}/") + 1 :]
    else:
        where = normal.rsplit("/", 1)[-1]
    return f"{where}:{frame.function.rsplit('.', 1)[-1]}"


def site_key(frame: Frame) -> str | None:
    """Where a library raised, as a key that survives releases: ``torch:grad_scaler.py:_unscale_grads_``.

    Package, file name and function only: libraries move files between releases
    (``torch/cuda/amp`` became ``torch/amp``) more often than they rename the raising function.
    None for user and standard-library frames and for wrappers every failure passes through.
    """
    if frame.package not in KNOWN_PACKAGES or not frame.function or is_common_frame(frame):
        return None
    name = frame.path.replace("\\", "/").rsplit("/", 1)[-1]
    return f"{frame.package}:{name}:{frame.function.rsplit('.', 1)[-1]}"


def is_common_frame(frame: Frame) -> bool:
    """True for frames nearly every failure of that library passes through (little signal)."""
    normal = frame.path.replace("\\", "/")
    function = frame.function.rsplit(".", 1)[-1]
    return any(part in normal and (not func or func == function) for part, func in _COMMON_FRAMES)


def weighted_frames(block: ExceptionBlock) -> list[tuple[Frame, float]]:
    """Each frame of ``block`` (in printed order) with a weight in (0, 1].

    The frame that raised weighs 1 before the rarity factor; each frame further
    from the raise weighs less. Common wrapper frames are scaled by
    ``COMMON_FRAME_WEIGHT``, standard-library frames by ``STDLIB_WEIGHT``.
    """
    out: list[tuple[Frame, float]] = []
    last = len(block.frames) - 1
    for index, frame in enumerate(block.frames):
        weight = 1.0 / (1.0 + DISTANCE_DECAY * (last - index))
        if is_common_frame(frame):
            weight *= COMMON_FRAME_WEIGHT
        elif frame.package == "stdlib":
            weight *= STDLIB_WEIGHT
        out.append((frame, round(weight, 4)))
    return out
