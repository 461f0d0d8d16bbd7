"""Verilog and SystemVerilog in, through Yosys.

``circuitnn run design.v`` synthesises the design to gates with Yosys and
reads the JSON it writes (:mod:`circuitnn.read.yosys_json`)::

    read_verilog [-sv] -I <dir> <files>
    hierarchy -check -top <top>     (or -auto-top)
    synth -flatten -top <top>; abc -g AND,NAND,OR,NOR,XOR,XNOR,MUX; opt_clean
    write_json <cache>/<key>.json

The JSON is cached, keyed by a hash of the Yosys version, this script,
``top`` and the bytes of every source file (the named ones and every file
they `` `include``), so a second run of an unchanged design does not run
Yosys again.  ``.sv`` files are read with Yosys's ``read_verilog -sv``, which
handles a part of SystemVerilog only (no interfaces, no classes; packages and
``always_comb`` are fine): for the whole language, convert with a tool such as
sv2v first.  Combinational designs only; flip-flops are refused by the JSON
reader.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from ..errors import Loc, NetlistError, UsageError
from ..ir.records import Design

__all__ = ["read_verilog", "synthesise", "SCRIPT", "INSTALL"]

#: the gate-level synthesis every design goes through
SCRIPT = ("hierarchy -check {top}; synth -flatten {top}; "
          "abc -g AND,NAND,OR,NOR,XOR,XNOR,MUX; opt_clean; write_json {out}")
INSTALL = ("reading Verilog needs Yosys, which is not installed (or not on PATH): "
           "'apt install yosys' (Debian, Ubuntu), 'brew install yosys' (macOS), or the "
           "OSS CAD Suite (github.com/YosysHQ/oss-cad-suite-build); or synthesise "
           "elsewhere with write_json and give circuitnn the .json file")
_INCLUDE = re.compile(r'^\s*`include\s+"([^"]+)"', re.MULTILINE)
_ERROR_AT = re.compile(r"(?P<file>[^\s:]+\.s?v):(?P<line>\d+)")


def _sources(paths: Sequence[Path]) -> list[Path]:
    """The named files and every file they include, each once, in order."""
    seen: dict[str, Path] = {}
    todo = list(paths)
    while todo:
        p = todo.pop(0)
        key = os.path.realpath(p)
        if key in seen:
            continue
        try:
            text = p.read_bytes().decode("utf-8", "replace")
        except FileNotFoundError:
            raise NetlistError("no such file; check the path", Loc(str(p))) from None
        except OSError as e:
            raise NetlistError(f"cannot be read: {e.strerror}", Loc(str(p))) from None
        if text.startswith("\ufeff"):
            raise NetlistError("the file starts with a UTF-8 byte-order mark, and Yosys then "
                               "reads no Verilog from it at all; save it without the mark",
                               Loc(str(p), 1))
        seen[key] = p
        # an include that is not beside its file is left to Yosys to report
        todo += [p.parent / m.group(1) for m in _INCLUDE.finditer(text)
                 if (p.parent / m.group(1)).is_file()]
    return list(seen.values())


def _cache_dir() -> Path:
    from ..store import default_root

    return default_root() / "yosys"


def _yosys_version(yosys: str) -> str:
    run = subprocess.run([yosys, "-V"], capture_output=True, text=True, check=False)
    return run.stdout.strip()


def synthesise(paths: str | os.PathLike | Sequence[str | os.PathLike], top: str | None = None,
               cache: str | os.PathLike | None = None) -> Path:
    """Gate-level Yosys JSON of Verilog sources, from the cache when it has it.

    Parameters
    ----------
    paths
        One Verilog file or several (``.sv`` ones are read as SystemVerilog).
    top
        The top module; Yosys picks it (``-auto-top``) when None.
    cache
        Where the JSON files are kept (default: ``yosys/`` in the model
        store's directory).

    Returns
    -------
    Path
        The cached JSON file.

    Examples
    --------
    >>> synthesise("tests/data/formats/cmp6.v").suffix
    '.json'
    """
    named = [Path(p) for p in ([paths] if isinstance(paths, (str, os.PathLike)) else paths)]
    yosys = shutil.which("yosys")
    if yosys is None:
        raise UsageError(INSTALL, Loc(str(named[0])))
    sources = _sources(named)
    top_opt = f"-top {top}" if top else "-auto-top"
    script = SCRIPT.format(top=top_opt, out="{out}").replace("synth -flatten -auto-top",
                                                              "synth -flatten")
    digest = hashlib.sha256()
    for part in (_yosys_version(yosys), script, top or ""):
        digest.update(part.encode() + b"\0")
    for src in sources:
        digest.update(src.name.encode() + b"\0" + src.read_bytes() + b"\0")
    folder = Path(cache) if cache is not None else _cache_dir()
    out = folder / f"{digest.hexdigest()[:32]}.json"
    if out.is_file():
        return out
    folder.mkdir(parents=True, exist_ok=True)
    reads = "; ".join(
        f"read_verilog {'-sv ' if p.suffix.lower() == '.sv' else ''}-I {_q(p.parent)} {_q(p)}"
        for p in named)
    # written beside the cache entry and renamed into place, so an
    # interrupted run never leaves a half-written JSON to be found later
    fd, tmp = tempfile.mkstemp(suffix=".json.tmp", dir=folder)
    os.close(fd)
    run_script = script.format(out=_q(tmp))
    listing = top is None and " " not in tmp  # Yosys's tee takes no quoted file name
    if listing:
        # the modules before and after Yosys picks the top: the ones it drops
        # are candidates the user may have meant
        run_script = (f"tee -q -o {tmp}.before ls; "
                      + run_script.replace("; synth", f"; tee -q -o {tmp}.after ls; synth", 1))
    try:
        run = subprocess.run([yosys, "-q", "-p", f"{reads}; " + run_script],
                             capture_output=True, text=True, check=False)
        if run.returncode != 0:
            raise _yosys_error(run.stdout + run.stderr, named[0], sources)
        if listing:
            left = _listed(tmp + ".before") - _listed(tmp + ".after")
            if left:
                out.with_suffix(".left-out").write_text("\n".join(sorted(left)) + "\n")
        os.replace(tmp, out)
    finally:
        for junk in (tmp, tmp + ".before", tmp + ".after"):
            if os.path.exists(junk):
                os.unlink(junk)
    return out


def _listed(path: str) -> set[str]:
    """The module names of a Yosys ``ls`` listing."""
    with open(path, encoding="utf-8", errors="replace") as f:
        return {ln.strip() for ln in f if ln.startswith("  ") and ln.strip()}


def _q(path) -> str:
    """A path for a Yosys command line (quoted: it may hold spaces)."""
    return '"' + str(path).replace('"', '\\"') + '"'


_MODULE = re.compile(r"^\s*module\s+\\?([A-Za-z_][\w$]*)", re.MULTILINE)
_UNDEFINED = re.compile(r"Module `\\?(\S+)' referenced in module `\\?(\S+)' in cell "
                        r"`\\?(\S+)' is not part of the design")
_NO_TOP = re.compile(r"Module `\\?(\S+)' not found!")


def _yosys_error(log: str, first: Path, sources: Sequence[Path] = ()) -> NetlistError:
    """Yosys's ERROR line as one located message."""
    line = next((ln for ln in log.splitlines() if "ERROR" in ln), None)
    if line is None:
        line = (log.strip().splitlines() or ["Yosys failed with no message"])[-1]
    text = line.split("ERROR:", 1)[-1].strip()
    known = _known_modules(line, sources)
    if known is not None:
        return known
    m = _ERROR_AT.search(line)
    loc = Loc(m.group("file"), int(m.group("line"))) if m else Loc(str(first))
    if m:
        text = _ERROR_AT.sub("", text, count=1).strip(" :")
        text = re.sub(r"^Parser error in line\s*", "", text).strip(" :")
    return NetlistError(f"Yosys: {text}", loc)


def _known_modules(line: str, sources: Sequence[Path]) -> NetlistError | None:
    """Yosys's "module not part of the design" and "module not found" errors,
    located at the instance and naming the modules the files do define."""
    from ..ir.primitives import did_you_mean

    texts = {p: p.read_bytes().decode("utf-8", "replace") for p in sources}
    modules = [m for t in texts.values() for m in _MODULE.findall(t)]
    undefined, no_top = _UNDEFINED.search(line), _NO_TOP.search(line)
    if undefined:
        child, parent, cell = undefined.groups()
        where = next((Loc(str(p), t[:m.start()].count("\n") + 1) for p, t in texts.items()
                      for m in re.finditer(rf"^\s*{re.escape(child)}\b", t, re.MULTILINE)),
                     Loc(str(next(iter(texts), ""))))
        return NetlistError(f"module {child!r} (instance {cell!r} in {parent!r}) is defined in "
                            f"none of the files given{did_you_mean(child, modules)}; give the "
                            "file that defines it too", where)
    if no_top and modules:
        top = no_top.group(1)
        return NetlistError(f"no module {top!r} in the files given{did_you_mean(top, modules)}; "
                            f"they define {', '.join(modules)}", Loc(str(next(iter(texts)))))
    return None


def read_verilog(path: str | os.PathLike | Sequence[str | os.PathLike],
                 top: str | None = None, cache: str | os.PathLike | None = None) -> Design:
    """Read Verilog (or SystemVerilog) by synthesising it with Yosys.

    Examples
    --------
    >>> from circuitnn import compile_design
    >>> c = compile_design(read_verilog("tests/data/formats/cmp6.v"))
    >>> [(p.name, p.width) for p in c.inputs]
    [('a', 6), ('b', 6), ('en', 1)]

    ``cache`` is as for :func:`synthesise`.
    """
    from ..errors import CircuitError
    from .yosys_json import read_yosys_json

    json_path = synthesise(path, top, cache)
    first = path if isinstance(path, (str, os.PathLike)) else path[0]
    try:
        design = read_yosys_json(json_path, top=top)
    except CircuitError as e:
        # the cached JSON is no file of the user's: name the source instead
        raise NetlistError(f"after synthesis by Yosys: {e.message}", Loc(str(first))) from None
    # the cached JSON is no file of the user's: written netlists name the sources
    named = [path] if isinstance(path, (str, os.PathLike)) else list(path)
    design = dataclasses.replace(design, source=", ".join(str(p) for p in named))
    left_out = json_path.with_suffix(".left-out")
    if top is None and left_out.is_file():
        others = left_out.read_text().split()
        design = dataclasses.replace(design, warnings=design.warnings + (NetlistError(
            f"Yosys took {design.top!r} as the top module; {', '.join(map(repr, others))} "
            f"{'is' if len(others) == 1 else 'are'} not under it and left out (pick the top "
            "with top=NAME)", Loc(str(first)), cli=f"Yosys took {design.top!r} as the top "
            f"module; {', '.join(map(repr, others))} {'is' if len(others) == 1 else 'are'} "
            "not under it and left out (pick the top with --top NAME)"),))
    return design
