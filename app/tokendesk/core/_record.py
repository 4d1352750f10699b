"""``NamedTuple`` without importing :mod:`typing` at run time.

``tokendesk decode`` has a start-up budget (issue 2: at most 3× ``python -c pass``), and
``typing`` alone costs a tenth of it. Type checkers see :class:`typing.NamedTuple`; at run time a
class statement over :data:`NamedTuple` becomes the equivalent ``collections.namedtuple``, with
the same fields, defaults, methods and properties.
"""

from __future__ import annotations

from collections import namedtuple

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import NamedTuple
else:
    _SKIP = frozenset({"__annotations__", "__module__", "__qualname__", "__dict__",
                       "__weakref__", "__orig_bases__", "__static_attributes__",
                       "__firstlineno__"})

    class _RecordMeta(type):
        def __new__(mcls, name, bases, namespace):
            if not bases:
                return super().__new__(mcls, name, bases, namespace)
            fields = list(namespace.get("__annotations__", {}))
            defaults = [namespace[f] for f in fields if f in namespace]
            cls = namedtuple(name, fields, defaults=defaults or None,
                             module=namespace.get("__module__"))
            for key, value in namespace.items():
                if key not in _SKIP and key not in fields:
                    setattr(cls, key, value)
            cls.__qualname__ = namespace.get("__qualname__", name)
            return cls

    class NamedTuple(metaclass=_RecordMeta):
        pass

__all__ = ["NamedTuple"]
