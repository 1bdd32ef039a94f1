"""``python -m bot.devtools.lean_rasa run ...``: exactly ``rasa run ...`` (Rasa's own CLI, unchanged), without JAX.

TensorFlow 2.12 imports JAX when it is installed (the lock has it: TensorFlow's metadata requires it)
only for TFLite's optional JAX converter (``tensorflow/lite/python/util.py``, inside
``try/except ImportError``); no Rasa component and no Madoguchi component uses it. Marking it absent
before TensorFlow is imported saves ~100 MB of resident memory per Rasa process (docs/benchmarks.md,
"Memory"). Rasa's code is not touched; any other ``rasa`` command works the same way.
"""
from __future__ import annotations

import sys

SKIPPED = ("jax", "jaxlib")


def block_optional_imports() -> None:
    for name in SKIPPED:
        sys.modules.setdefault(name, None)  # `import jax` now raises ImportError


def main() -> None:
    block_optional_imports()
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
