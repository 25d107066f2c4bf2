"""Training checkpoints are committed whole: a crash between any two writes resumes consistently."""

from __future__ import annotations

import json

import numpy as np
import pytest

from frcnet_lite import _files, training


class _Var:
    """A stand-in for a TensorFlow variable (``numpy()`` and ``assign``): no TensorFlow needed."""

    def __init__(self, value):
        self.value = np.array(value, dtype=np.float32)

    def numpy(self):
        return self.value.copy()

    def assign(self, value):
        self.value = np.array(value, dtype=np.float32)


class _Holder:
    def __init__(self, *values):
        self.variables = [_Var(v) for v in values]


def _save(folder, epoch, value):
    model, opt = _Holder(np.full(3, value), [value]), _Holder([value * 10])
    training._save_checkpoint(folder, model, opt, {"epoch": epoch, "history": [{"epoch": e} for e in range(epoch)]})


def _restore(folder):
    model, opt = _Holder(np.zeros(3), [0.0]), _Holder([0.0])
    state = training._restore_checkpoint(folder, model, opt)
    return state, float(model.variables[0].value[0]), float(opt.variables[0].value[0])


def test_round_trip(tmp_path):
    _save(tmp_path, 3, 1.5)
    state, w, o = _restore(tmp_path)
    assert state["epoch"] == 3 and w == 1.5 and o == 15.0
    assert json.loads((tmp_path / "state.json").read_text())["epoch"] == 3  # the readable copy


@pytest.mark.parametrize("crash_at", ["savez", "rename", "state.json"])
def test_a_crash_at_any_write_leaves_a_consistent_checkpoint(tmp_path, monkeypatch, crash_at):
    _save(tmp_path, 1, 1.0)
    real_savez, real_replace, real_write = np.savez, _files.os.replace, training.write_text

    def boom(*a, **k):
        raise OSError(f"crash at {crash_at}")

    if crash_at == "savez":
        monkeypatch.setattr(np, "savez", boom)
    elif crash_at == "rename":
        monkeypatch.setattr(_files.os, "replace", boom)
    else:
        monkeypatch.setattr(training, "write_text", boom)
    with pytest.raises(OSError, match="crash"):
        _save(tmp_path, 2, 2.0)
    monkeypatch.setattr(np, "savez", real_savez)
    monkeypatch.setattr(_files.os, "replace", real_replace)
    monkeypatch.setattr(training, "write_text", real_write)
    state, w, o = _restore(tmp_path)
    # weights, optimizer and epoch belong together: all old, or (once state.npz is in place) all new
    assert (state["epoch"], w, o) == ((2, 2.0, 20.0) if crash_at == "state.json" else (1, 1.0, 10.0))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.json", "state.npz"]  # no partial files


def test_legacy_checkpoint_and_other_model(tmp_path):
    model, opt = _Holder(np.full(3, 4.0)), _Holder([1.0])
    np.savez(tmp_path / "state.npz", m0=np.full(3, 4.0), o0=np.array([1.0]))
    (tmp_path / "state.json").write_text(json.dumps({"epoch": 7, "history": []}))
    assert training._restore_checkpoint(tmp_path, _Holder(np.zeros(3)), _Holder([0.0]))["epoch"] == 7
    with pytest.raises(ValueError, match="another model"):
        training._restore_checkpoint(tmp_path, _Holder(np.zeros(3), [0.0]), opt)
    assert training._restore_checkpoint(tmp_path / "none", model, opt) is None
