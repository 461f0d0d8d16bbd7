"""Safe YAML loading with line numbers and limits for hostile files.

:func:`parse_yaml` turns YAML text into plain Python data whose mappings and
sequences remember their lines (:class:`LDict`, :class:`LList`), refusing
duplicate keys, more than :data:`ALIAS_BUDGET` aliases (alias bombs) and
nesting deeper than :data:`MAX_NESTING`, each with its line.

Two loaders give the same data and the same messages:

* libyaml's C parser, when PyYAML was built with it: its event stream is
  checked and built into data in one pass here, the limits enforced event by
  event before anything is built.  Anything unusual (explicit tags, merge
  keys, collections as keys, several documents, a syntax error) goes to
* PyYAML's pure-Python loader, with the limits hooked into its scanner and
  composer.  It is the fallback and the source of every syntax message.
"""

from __future__ import annotations

import re
from contextvars import ContextVar
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import ScalarNode
from yaml.resolver import Resolver

from ..errors import Loc, NetlistError
from ..ir.numbers import whole_number

__all__ = ["LDict", "LList", "parse_yaml", "ALIAS_BUDGET", "MAX_NESTING", "LIBYAML"]

#: YAML aliases allowed in one file; more is refused (alias bombs).
ALIAS_BUDGET = 64
#: YAML collections nested deeper than this are refused (before PyYAML's
#: scanner, quadratic in the nesting depth, or Python's stack gives out).
MAX_NESTING = 100
#: Whether PyYAML was built with libyaml.
LIBYAML_AVAILABLE = bool(getattr(yaml, "__with_libyaml__", False))
#: Whether :func:`parse_yaml` uses libyaml's C parser.
LIBYAML = LIBYAML_AVAILABLE


class LDict(dict):
    """A mapping that remembers the line of itself and of each key."""

    line: int = 0
    key_lines: dict


class LList(list):
    """A sequence that remembers the line of itself and of each item."""

    line: int = 0
    item_lines: list


def parse_yaml(text: str, file: str) -> Any:
    """The data of one YAML document, with lines, within the limits.

    Examples
    --------
    >>> data = parse_yaml("inputs: [a, b]\\noutputs: [y]\\n", "demo.yaml")
    >>> data["inputs"], data.key_lines["outputs"]
    (['a', 'b'], 2)
    >>> parse_yaml("a: 1\\na: 2\\n", "demo.yaml")
    Traceback (most recent call last):
    ...
    circuitnn.errors.NetlistError: demo.yaml:2: key 'a' appears twice in one mapping ...
    """
    token = _FILE.set(file)
    try:
        if LIBYAML:
            try:
                return _parse_events(text, file)
            except _Unusual:
                pass
        return _parse_python(text, file)
    except ValueError as e:  # int() of a number of more than 4300 digits
        if "digits" not in str(e):
            raise
        raise NetlistError("a number has more than 4300 decimal digits; write wide "
                           "constants in hex (0x...)", Loc(file)) from None
    finally:
        _FILE.reset(token)


#: the file being read, for messages from the shared scalar constructor
_FILE: ContextVar[str | None] = ContextVar("yaml_file", default=None)


def _too_many_aliases(file: str, line: int) -> NetlistError:
    return NetlistError(f"more than {ALIAS_BUDGET} YAML aliases; alias expansion is limited "
                        "to keep hostile files small (write the netlist out, or use "
                        "'repeat')", Loc(file, line))


def _too_deep(file: str, line: int) -> NetlistError:
    return NetlistError(f"YAML nesting is deeper than {MAX_NESTING} levels; a netlist "
                        "needs a few", Loc(file, line))


def _duplicate(file: str, key, first: int, line: int) -> NetlistError:
    return NetlistError(f"key {key!r} appears twice in one mapping (first on line "
                        f"{first}); each key may appear once", Loc(file, line))


# ----------------------------------------------------------- libyaml events
class _Unusual(Exception):
    """The text needs the pure-Python loader (for its data or its message)."""


_MISSING = object()  # no key pending; no value cached


_STR = "tag:yaml.org,2002:str"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
_MERGE = "tag:yaml.org,2002:merge"
#: Scalar tags built here (through PyYAML's own constructors).
_SCALARS = {f"tag:yaml.org,2002:{t}" for t in ("null", "bool", "int", "float", "timestamp")}


class _Resolver(Resolver):
    """YAML 1.1's traps, closed: only true/false are booleans (a port named
    'on', 'off', 'yes' or 'no' stays a name), and integers follow the one rule
    of :mod:`circuitnn.ir.numbers` (010 is ten, not octal eight; no base-60
    '1:30')."""


_Resolver.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers
            if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:int")]
    for first, resolvers in Resolver.yaml_implicit_resolvers.items()
}
_Resolver.add_implicit_resolver("tag:yaml.org,2002:bool",
                                re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                                list("tTfF"))
_Resolver.add_implicit_resolver("tag:yaml.org,2002:int", re.compile(
    r"^[-+]?(?:0[bB][01_]+|0[oO][0-7_]+|0[xX][0-9a-fA-F_]+|[0-9][0-9_]*)$"),
    list("-+0123456789"))


def _construct_int(constructor, node) -> int:
    text = constructor.construct_scalar(node)
    value = whole_number(text.lstrip("+-"))
    if value is None:
        raise NetlistError("a number has more than 4300 decimal digits; write wide "
                           "constants in hex (0x...)",
                           Loc(getattr(constructor, "file", None) or _FILE.get(),
                               node.start_mark.line + 1))
    return -value if text.startswith("-") else value


class _Constructor(SafeConstructor):
    pass


_Constructor.add_constructor("tag:yaml.org,2002:int", _construct_int)
_RESOLVER = _Resolver()
#: First characters of plain scalars that an implicit resolver may claim.
_PLAIN_FIRST = frozenset(k for k in _Resolver.yaml_implicit_resolvers if k)


class _Any:
    def __contains__(self, item) -> bool:
        return True


_ANY = _Any()
_CONSTRUCTOR = _Constructor()


def _parse_events(text: str, file: str) -> Any:
    if yaml.reader.Reader.NON_PRINTABLE.search(text):
        raise _Unusual  # the pure loader words control characters
    parser = yaml.CSafeLoader(text)
    try:
        return _build(parser.get_event, file)
    except yaml.YAMLError:
        raise _Unusual from None
    finally:
        parser.dispose()


def _build(get_event, file: str) -> Any:
    """Data from the event stream of one document, checked as it streams."""
    E = yaml.events
    Scalar, Alias = E.ScalarEvent, E.AliasEvent
    SeqStart, MapStart = E.SequenceStartEvent, E.MappingStartEvent
    SeqEnd, MapEnd = E.SequenceEndEvent, E.MappingEndEvent
    resolve, tags, values = _RESOLVER.resolve, {}, {}
    # an implicit resolver for every first character (None) makes every plain
    # scalar a candidate
    plain_first = _PLAIN_FIRST if None not in _Resolver.yaml_implicit_resolvers else _ANY
    anchors: dict[str, tuple[Any, int]] = {}
    aliases = 0
    # a frame: [collection, anchor, key pending (mappings), the key's line]
    stack: list[list] = []
    frame: list | None = None
    root: Any = None
    documents = 0
    line = 0

    get_event()  # StreamStart
    while True:
        event = get_event()
        kind = type(event)
        if kind is Scalar:
            value = event.value
            tag = event.tag
            if tag is None or tag == "!":
                # quoted scalars, and plain ones no implicit resolver claims, are strings
                if event.implicit[0] and (not value or value[0] in plain_first):
                    tag = tags.get(value)
                    if tag is None:
                        tag = tags[value] = resolve(ScalarNode, value, event.implicit)
                else:
                    tag = _STR
            if tag != _STR:
                if tag not in _SCALARS:
                    raise _Unusual  # merge keys, explicit tags
                got = values.get((tag, value), _MISSING)
                if got is _MISSING:
                    node = ScalarNode(tag, value, event.start_mark, event.end_mark,
                                      event.style)
                    got = values[(tag, value)] = \
                        _CONSTRUCTOR.yaml_constructors[tag](_CONSTRUCTOR, node)
                value = got
            if event.anchor is not None:
                if event.anchor in anchors:
                    raise _Unusual
                line = event.start_mark.line + 1
                anchors[event.anchor] = (value, line)
            elif frame is None or frame[0].__class__ is LList or frame[2] is _MISSING:
                line = event.start_mark.line + 1  # an item or a key: its line is kept
        elif kind is MapStart or kind is SeqStart:
            line = event.start_mark.line + 1
            if len(stack) >= MAX_NESTING:
                raise _too_deep(file, line)
            if event.tag not in (None, "!", _MAP if kind is MapStart else _SEQ):
                raise _Unusual
            if kind is MapStart:
                coll = LDict()
                coll.key_lines = {}
            else:
                coll = LList()
                coll.item_lines = []
            coll.line = line
            if event.anchor is not None and event.anchor in anchors:
                raise _Unusual
            frame = [coll, event.anchor, _MISSING, 0]
            stack.append(frame)
            continue
        elif kind is MapEnd or kind is SeqEnd:
            value, anchor = stack.pop()[:2]
            frame = stack[-1] if stack else None
            line = value.line
            if anchor is not None:
                anchors[anchor] = (value, line)
        elif kind is Alias:
            aliases += 1
            if aliases > ALIAS_BUDGET:
                raise _too_many_aliases(file, event.start_mark.line + 1)
            got = anchors.get(event.anchor)
            if got is None:
                raise _Unusual  # undefined, or an alias inside its own anchor
            value, line = got
        elif kind is E.DocumentStartEvent:
            documents += 1
            if documents > 1:
                raise _Unusual  # the pure loader says "expected a single document"
            continue
        elif kind is E.DocumentEndEvent:
            continue
        else:  # StreamEnd
            return root
        # a value is complete: place it
        if frame is None:
            root = value
            continue
        coll = frame[0]
        if coll.__class__ is LList:
            coll.append(value)
            coll.item_lines.append(line)
        elif frame[2] is _MISSING:
            if value.__class__ is LDict or value.__class__ is LList:
                raise _Unusual  # a collection as a key
            frame[2] = value
            frame[3] = line
        else:
            key = frame[2]
            if key in coll:
                raise _duplicate(file, key, coll.key_lines[key], frame[3])
            coll[key] = value
            coll.key_lines[key] = frame[3]
            frame[2] = _MISSING


# ----------------------------------------------------------- pure Python
class _Loader(yaml.SafeLoader):
    def __init__(self, stream, file: str):
        super().__init__(stream)
        self.file = file
        self.aliases = 0
        self.merged: dict[int, int] = {}  # id of a mapping node -> pairs merged into it

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > ALIAS_BUDGET:
                raise _too_many_aliases(self.file, self.peek_event().start_mark.line + 1)
        return super().compose_node(parent, index)

    def fetch_flow_collection_start(self, TokenClass):
        if self.flow_level >= MAX_NESTING:
            raise _too_deep(self.file, self.get_mark().line + 1)
        super().fetch_flow_collection_start(TokenClass)

    def add_indent(self, column):
        if len(self.indents) >= MAX_NESTING:
            raise _too_deep(self.file, self.get_mark().line + 1)
        return super().add_indent(column)

    def flatten_mapping(self, node):
        # merged pairs come first in node.value; remember how many, so that a
        # key written here may override a merged one (YAML's merge rule) and
        # only keys written twice here are duplicates
        written = sum(1 for key_node, _ in node.value if key_node.tag != _MERGE)
        super().flatten_mapping(node)
        if len(node.value) > written or id(node) not in self.merged:
            self.merged[id(node)] = len(node.value) - written

    def construct_mapping(self, node, deep=False):
        self.flatten_mapping(node)
        merged = self.merged.get(id(node), 0)
        out = LDict()
        out.line = node.start_mark.line + 1
        out.key_lines = {}
        written = set()
        for index, (key_node, value_node) in enumerate(node.value):
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            try:
                hash(key)
            except TypeError:
                raise NetlistError(f"mapping key {key!r} is not a plain value",
                                   Loc(self.file, line)) from None
            if index >= merged:
                if key in written:
                    raise _duplicate(self.file, key, out.key_lines[key], line)
                written.add(key)
            out[key] = self.construct_object(value_node, deep=True)
            out.key_lines[key] = line
        return out

    def construct_sequence(self, node, deep=False):
        out = LList(self.construct_object(child, deep=True) for child in node.value)
        out.line = node.start_mark.line + 1
        out.item_lines = [child.start_mark.line + 1 for child in node.value]
        return out


_Loader.add_constructor(_MAP, _Loader.construct_mapping)
_Loader.add_constructor(_SEQ, _Loader.construct_sequence)
_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_Loader.yaml_implicit_resolvers = _Resolver.yaml_implicit_resolvers


def _parse_python(text: str, file: str) -> Any:
    try:
        loader = _Loader(text, file)
    except yaml.reader.ReaderError as e:
        # PyYAML checks the whole text for control characters up front
        ch = e.character if isinstance(e.character, str) else chr(e.character or 0)
        line = text[:e.position].count("\n") + 1
        raise NetlistError(f"character U+{ord(ch):04X} is not allowed in YAML (a control "
                           "character); remove it", Loc(file, line)) from None
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark is not None else None
        what = e.problem or e.context or "invalid YAML"
        raise NetlistError(f"YAML syntax error: {what}", Loc(file, line)) from None
    except yaml.YAMLError as e:
        raise NetlistError(f"YAML error: {e}", Loc(file)) from None
    except RecursionError:
        raise NetlistError("YAML nesting is too deep", Loc(file)) from None
    finally:
        loader.dispose()
