"""Where indicators are registered. The modules of the catalogue are imported here once,
so that `REGISTRY` is complete whoever asks first."""

import importlib

from django.utils.translation import gettext_lazy as _

from research.indicators.base import Indicator

# The sections of a research page and of a report, in order.
SECTIONS = {
    "path": _("Parcours des entrepreneur·es"),
    "activity": _("Activité et chiffre d'affaires"),
    "prevention": _("Actions de prévention"),
    "peer_support": _("Pair-aidance"),
    "situation": _("Situation des personnes"),
    "questionnaires": _("Questionnaires"),
}

_registry: dict[str, Indicator] = {}

# Every module that registers indicators.
MODULES = (
    "research.indicators.path",
    "research.indicators.activity",
    "research.indicators.peer_support",
    "research.indicators.situation",
    "research.indicators.questionnaires",
)


def register(indicator: Indicator) -> Indicator:
    if indicator.code in _registry:
        raise ValueError(f"Indicator {indicator.code!r} is registered twice.")
    if indicator.section not in SECTIONS:
        raise ValueError(f"Unknown section {indicator.section!r}.")
    _registry[indicator.code] = indicator
    return indicator


class _Registry(dict):
    """Loads the catalogue on first use (the modules import models)."""

    _loaded = False

    def _load(self):
        if not self._loaded:
            for module in MODULES:
                try:
                    importlib.import_module(module)
                except ModuleNotFoundError as error:
                    if error.name != module:
                        raise
            ordered = sorted(_registry.values(), key=lambda i: list(SECTIONS).index(i.section))
            self.update({i.code: i for i in ordered})
            type(self)._loaded = True

    def __getitem__(self, key):
        self._load()
        return super().__getitem__(key)

    def __iter__(self):
        self._load()
        return super().__iter__()

    def __len__(self):
        self._load()
        return super().__len__()

    def __contains__(self, key):
        self._load()
        return super().__contains__(key)

    def get(self, key, default=None):
        self._load()
        return super().get(key, default)

    def values(self):
        self._load()
        return super().values()

    def items(self):
        self._load()
        return super().items()

    def keys(self):
        self._load()
        return super().keys()


REGISTRY = _Registry()


def get(code: str) -> Indicator:
    """The indicator of this code (KeyError when unknown)."""
    return REGISTRY[code]
