"""Import TensorFlow quietly (without slowing it down).

``TF_CPP_MIN_LOG_LEVEL=2`` silences TensorFlow's C++ info/warning lines, which otherwise land in
notebook outputs as stderr. We do *not* set ``TF_ENABLE_ONEDNN_OPTS=0``: it costs ~33 % speed.
Import TensorFlow in this package through :func:`tf` so the variable is set first.
"""

from __future__ import annotations

import os


def tf():
    """Return the ``tensorflow`` module, imported with C++ log noise silenced."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow  # noqa: PLC0415

    return tensorflow


# AutoGraph must not try to convert this helper when a tf.function calls it
# (it would log "AutoGraph could not transform ..."): the same marker `tf.autograph.experimental.do_not_convert` sets.
tf.autograph_info__ = {}
