"""Checkpoints of a Monte Carlo run: every finished draw on disk at once, resumable.

Layout of a checkpoint folder::

    run.json                 the run's specification and its SHA-256 (``spec_hash``)
    draws/000017.cost.parquet, 000017.takeup.parquet, ...   one file per draw and output
    draws/000017.json        the draw's marker: seed, parameter values, SHA-256 of each file

Each file is written to a temporary name in the same folder and moved into place with
``os.replace`` (atomic on POSIX and Windows), and the marker is written last: a draw counts
as finished only when its marker exists, parses, and every file it lists has the listed
checksum and reads back as Parquet. Anything else (a crash mid-write, a truncated or edited
file) is detected and the draw is computed again. A folder holding another run (a different
``spec_hash``: population, scenarios, years, seed, uncertain inputs, sampler, n, outputs or
llrsim version) is refused with :class:`CheckpointMismatchError`.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from llrsim.errors import LlrsimError
from llrsim.montecarlo.outputs import canonical

FORMAT = 1
RUN_FILE = "run.json"
DRAWS = "draws"


class CheckpointError(LlrsimError, ValueError):
    """A checkpoint folder cannot be used (not a folder, unreadable run file, ...)."""


class CheckpointMismatchError(CheckpointError):
    """The checkpoint folder holds a run with other arguments; it is never mixed in."""


def spec_hash(spec: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical JSON of a run specification."""
    text = json.dumps(spec, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _diff(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[str]:
    return sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))


class Checkpoint:
    """A checkpoint folder bound to one run specification (see the module docstring)."""

    def __init__(self, folder: str | Path, spec: Mapping[str, Any]) -> None:
        self.folder = Path(folder)
        #: draws found damaged in this session and why (they are computed again)
        self.discarded: list[tuple[int, str]] = []
        self.spec = json.loads(json.dumps(dict(spec), allow_nan=False))
        self.hash = spec_hash(self.spec)
        if self.folder.exists() and not self.folder.is_dir():
            raise CheckpointError(f"checkpoint: {self.folder} exists and is not a folder")
        run_file = self.folder / RUN_FILE
        if run_file.exists():
            try:
                stored = json.loads(run_file.read_text(encoding="utf-8"))
                stored_hash = stored["spec_hash"]
                stored_spec = stored["spec"]
            except (OSError, ValueError, KeyError, TypeError) as exc:
                raise CheckpointError(
                    f"checkpoint: {run_file} is unreadable ({exc}); use another folder"
                ) from exc
            if stored_hash != self.hash:
                fields = _diff(stored_spec, self.spec) if isinstance(stored_spec, dict) else []
                raise CheckpointMismatchError(
                    f"checkpoint: {self.folder} holds another run (spec hash "
                    f"{stored_hash[:12]}, this run {self.hash[:12]}; differing: "
                    f"{', '.join(fields) or 'unknown'}); resume with the same arguments or "
                    "use an empty folder"
                )
        else:
            if self.folder.exists() and any(self.folder.iterdir()):
                raise CheckpointError(
                    f"checkpoint: {self.folder} is not empty and has no {RUN_FILE}; give an "
                    "empty or new folder"
                )
            (self.folder / DRAWS).mkdir(parents=True, exist_ok=True)
            body = {"format": FORMAT, "spec_hash": self.hash, "spec": self.spec}
            _atomic_write(run_file, json.dumps(body, indent=2, sort_keys=True).encode())
        (self.folder / DRAWS).mkdir(parents=True, exist_ok=True)

    def _marker(self, draw: int) -> Path:
        return self.folder / DRAWS / f"{draw:06d}.json"

    def _file(self, draw: int, output: str) -> Path:
        return self.folder / DRAWS / f"{draw:06d}.{output}.parquet"

    def write(
        self,
        draw: int,
        seed: int,
        values: Mapping[str, float],
        frames: Mapping[str, pd.DataFrame],
    ) -> None:
        """Write draw ``draw``'s tables, then its marker (each atomically)."""
        sums = {}
        for name, frame in frames.items():
            buf = io.BytesIO()
            frame.to_parquet(buf, index=False)
            data = buf.getvalue()
            _atomic_write(self._file(draw, name), data)
            sums[name] = hashlib.sha256(data).hexdigest()
        marker = {"draw": int(draw), "seed": int(seed), "values": dict(values), "files": sums}
        _atomic_write(self._marker(draw), json.dumps(marker, sort_keys=True).encode())

    def read(
        self,
        draw: int,
        seed: int,
        values: Mapping[str, float],
        outputs: Mapping[str, tuple[str, ...]],
    ) -> dict[str, pd.DataFrame] | None:
        """Draw ``draw``'s tables when it finished intact; ``None`` when it must be redone.

        A missing, unreadable or inconsistent marker (other seed or values), a file whose
        checksum differs or that is not valid Parquet all mean "not finished"; the stale
        files are removed so the draw is written anew.
        """
        marker = self._marker(draw)
        if not marker.exists():
            return None
        try:
            meta = json.loads(marker.read_text(encoding="utf-8"))
            ok = (
                meta["draw"] == draw
                and meta["seed"] == seed
                and meta["values"] == dict(values)
                and set(meta["files"]) == set(outputs)
            )
            if not ok:
                raise ValueError("marker disagrees with the run")
            frames = {}
            for name, by in outputs.items():
                data = self._file(draw, name).read_bytes()
                if hashlib.sha256(data).hexdigest() != meta["files"][name]:
                    raise ValueError(f"checksum of {name} differs")
                frames[name] = canonical(pd.read_parquet(io.BytesIO(data)), name, by)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            self.discard(draw, outputs, reason=str(exc))
            return None
        return frames

    def discard(self, draw: int, outputs: Mapping[str, Any], reason: str = "") -> None:
        """Remove draw ``draw``'s marker and files (a damaged draw to be redone)."""
        self.discarded.append((draw, reason))
        for path in [self._marker(draw), *(self._file(draw, k) for k in outputs)]:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
