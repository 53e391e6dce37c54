"""A scenario's effective settings in a channel: catalog defaults ← the shop's saved changes."""

from __future__ import annotations

from dataclasses import dataclass

from .. import conf
from ..addresses import header_problem
from ..models import ScenarioSetting
from .catalog import LANGUAGES, SCENARIOS, Scenario
from .content.validate import text_problems

COMMON = {  # parameters every scenario has: label and help, ja/en like the catalogue's
    "holdout_percent": ({"ja": "対照群の割合（%）", "en": "Holdout (%)"},
                        {"ja": "このシナリオの対照群の割合を上書きします（0〜50）。",
                         "en": "Overrides the shop's holdout share for this scenario (0-50)."}),
    "copy": ({"ja": "メール文面", "en": "Mail copy"},
             {"ja": 'メール文面の上書き：{"ja": {"subject": …, "intro": …, "cta": …}, "en": {…}}',
              "en": 'Mail copy overrides: {"ja": {"subject": …, "intro": …, "cta": …}, "en": {…}}.'}),
}


@dataclass(frozen=True)
class ScenarioConfig:
    scenario: Scenario
    channel: str
    enabled: bool
    params: dict
    shop: conf.ChannelSettings

    @property
    def holdout_percent(self) -> int:
        if self.scenario.staff_steps and not self.scenario.mails_buyer:
            return 0  # a staff alert has nothing to hold out
        return int(self.params.get("holdout_percent", self.shop.holdout_percent))

    def copy_for(self, language: str, step: int = 0) -> dict[str, str]:
        """The mail step's own copy, the shop's `copy` override (every step) on top."""
        copies = self.scenario.step_copy(step)
        base = copies.get(language) or copies.get("en", {})
        return {**base, **(self.params.get("copy", {}).get(language) or {})}


def load(channel: str) -> dict[str, ScenarioConfig]:
    saved = {s.scenario: s for s in ScenarioSetting.objects.filter(channel=channel)}
    shop = conf.channel_settings(channel)
    configs = {}
    for key, scenario in SCENARIOS.items():
        row = saved.get(key)
        params = {name: p.default for name, p in scenario.params.items()}
        params.update(row.params if row else {})
        configs[key] = ScenarioConfig(scenario, channel, bool(row and row.enabled), params, shop)
    return configs


def flow_config(channel: str, key: str) -> ScenarioConfig:
    """The config a flow the shop built itself sends under: the shop's settings, no parameters."""
    blank = Scenario(key=key, title={}, description={}, trigger={})
    return ScenarioConfig(blank, channel, True, {}, conf.channel_settings(channel))


def validate_params(scenario: Scenario, raw: dict) -> tuple[dict, dict[str, str]]:
    """Clean a partial params dict; errors are keyed `params.<name>`."""
    clean: dict = {}
    errors: dict[str, str] = {}
    for name, value in raw.items():
        where = f"params.{name}"
        if name == "copy":
            problem = _copy_problem(value)
            if problem:
                errors[where] = problem
            else:
                clean[name] = value
            continue
        if name == "holdout_percent":
            spec_min, spec_max = 0, 50
        elif name in scenario.params:
            spec = scenario.params[name]
            spec_min, spec_max = spec.minimum, spec.maximum
        else:
            errors[where] = f"unknown parameter for {scenario.key}"
            continue
        if name == "segment_id":
            if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
                errors[where] = "must be a saved segment id or null"
            else:
                clean[name] = value
        elif name == "delays_hours":
            if (not isinstance(value, list) or not 1 <= len(value) <= 5
                    or not all(_number(v) and spec_min <= v <= spec_max for v in value)):
                errors[where] = f"must be a list of 1 to 5 hours, each from {spec_min:g} to {spec_max:g}"
            elif value != sorted(value):
                errors[where] = "must be in ascending order"
            else:
                clean[name] = value
        elif not _number(value) or not spec_min <= value <= spec_max:
            errors[where] = f"must be a number from {spec_min:g} to {spec_max:g}"
        else:
            clean[name] = value
    return clean, errors


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _copy_problem(value) -> str | None:
    if not isinstance(value, dict):
        return "must be an object keyed by language"
    for language, texts in value.items():
        if language not in LANGUAGES:
            return f"unknown language {language!r}; use one of {', '.join(LANGUAGES)}"
        if not isinstance(texts, dict) or not set(texts) <= {"subject", "intro", "cta"}:
            return f"{language}: only subject, intro and cta may be set"
        if not all(isinstance(t, str) and 0 < len(t) <= 500 and "\x00" not in t for t in texts.values()):
            return f"{language}: each text must be 1 to 500 characters"
        problem = header_problem(texts.get("subject", ""))
        if problem:  # the subject is a header; intro and cta are body text and may span lines
            return f"{language}: subject {problem}"
        for name, text in texts.items():  # the same merge-field rules as a content document's texts
            problem = next((p.message for p in text_problems(f"copy.{language}.{name}", text)), None)
            if problem:
                return f"{language}: {problem}"
    return None
