"""Load the user's configuration: the file, then environment overrides,
validated with precise errors. A broken file never stops the app: it starts
with the last configuration that validated and says what it ignored."""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w
from pydantic import ValidationError

from playground.config import paths
from playground.config.build import Settings, build_settings
from playground.config.env_overrides import apply_overrides, env_overrides
from playground.config.files import write_private
from playground.config.limits import MAX_BYTES, MAX_DEPTH, depth_exceeds
from playground.config.locate import KeyIndex
from playground.config.problems import ConfigError, ConfigProblem, describe_problems, problem
from playground.config.schema import PolicyFile
from playground.config.template import FIRST_RUN_CONFIG
from playground.core.errors import UserError


@dataclass(frozen=True)
class LoadedConfig:
    settings: Settings
    path: Path | None
    problems: list[ConfigProblem] = field(default_factory=list)
    # "last good" or "defaults" when the file was rejected, else "".
    fell_back_to: str = ""
    created: bool = False
    # Other things worth saying (model discovery results).
    info: list[str] = field(default_factory=list)

    def notices(self) -> list[str]:
        """Messages for the user, one per topic: a created file, ignored values."""
        lines = [f"created {self.path} with the default configuration (edit it to change providers, "
                 f"models, strategies and resilience)"] if self.created else []
        lines += self.info
        if self.problems:
            head = (f"configuration problems: using the {self.fell_back_to.removesuffix('s')} configuration "
                    f"and ignoring {self.path}:")
            lines.append("\n".join([head, *(f"  {p}" for p in describe_problems(self.problems))]))
        return lines


def parse_policy_text(text: str, origin: str, env: Mapping[str, str] | None = None,
                      extra_models: Mapping[str, dict[str, Any]] | None = None) -> Settings:
    """Validate policy TOML; raise `ConfigError` with located problems."""
    data = parse_toml(text, origin)
    overrides = env_overrides(env or {})
    for name, key, value in overrides:
        if len(key) > MAX_DEPTH or depth_exceeds(value, MAX_DEPTH - len(key)):
            raise ConfigError([ConfigProblem(f"environment variable {name}", (), _TOO_DEEP)])
    data = apply_overrides(data, overrides)
    from_env = {path: name for name, path, _ in overrides}
    try:
        policy = PolicyFile.model_validate(data)
        return build_settings(policy, origin, extra_models)
    except ValidationError as exc:
        problems = [_from_pydantic(err) for err in exc.errors()]
    except ConfigError as exc:
        problems = exc.problems
    index = KeyIndex(text)
    raise ConfigError([_place(p, index, origin, from_env) for p in problems]) from None


_TOO_DEEP = f"nested more than {MAX_DEPTH} levels deep; a policy file is a few tables of plain values"


def read_capped(path: Path, limit: int = MAX_BYTES) -> str:
    """The file's text, reading at most `limit` characters and one more (so
    `--config /dev/zero` is refused at once instead of filling memory)."""
    with open(path, encoding="utf-8") as handle:
        return handle.read(limit + 1)


def parse_toml(text: str, origin: str) -> dict[str, Any]:
    """TOML text as data, or a `ConfigError` that says where it is not TOML
    (or is too large or too deeply nested to be a policy)."""
    if len(text) > MAX_BYTES:
        raise ConfigError([ConfigProblem(origin, (), f"{len(text):,} characters; a policy file is at most "
                                                     f"{MAX_BYTES:,}")])
    try:
        data = tomllib.loads(text)
    except RecursionError:
        raise ConfigError([ConfigProblem(origin, (), _TOO_DEEP)]) from None
    except ValueError as exc:  # TOMLDecodeError, or an integer too long to convert
        # Python 3.11's error has no line attribute; its message ends with one.
        where = re.search(r"\(at line (\d+), column (\d+)\)$", str(exc))
        line = int(where.group(1)) if where else None
        message = re.sub(r" \(at line \d+, column (\d+)\)$", r" (column \1)", str(exc))
        raise ConfigError([ConfigProblem(origin, (), f"not valid TOML: {message}", line=line)]) from None
    if depth_exceeds(data):
        raise ConfigError([ConfigProblem(origin, (), _TOO_DEEP)])
    return data


def _from_pydantic(err: Any) -> ConfigProblem:
    key = tuple(str(part) for part in err["loc"])
    message = err["msg"]
    if err["type"] == "extra_forbidden":
        message = "unknown key (check the spelling; see the commented default config for the keys there are)"
    elif err["type"] == "literal_error":
        message = message.replace("Input should be", "allowed:")
    elif err["type"] == "missing":
        message = "required"
    message = message.removeprefix("Value error, ").replace("Input should be", "must be")
    # Never echo what was put where a variable NAME belongs: it may be a key.
    has_value = err["type"] != "missing" and key[-1:] != ("api_key_env",)
    return problem(key, message, err.get("input")) if has_value else problem(key, message)


def _place(p: ConfigProblem, index: KeyIndex, origin: str, from_env: Mapping[tuple[str, ...], str]) -> ConfigProblem:
    for path, name in from_env.items():
        if p.key[:len(path)] == path or (path[:len(p.key)] == p.key and p.key):
            return p.at(f"environment variable {name}", None)
    return p.at(origin, index.locate(p.key) if p.key else p.line)  # keep the decoder's line


def resolve_config_path(path: Path | None, env: Mapping[str, str]) -> tuple[Path, bool]:
    """(the file to read, whether the user named it: --config or $PLAYGROUND_CONFIG)."""
    if path is not None:
        return Path(path).expanduser(), True
    named = env.get(paths.CONFIG_ENV, "").strip()
    return (Path(named).expanduser(), True) if named else (paths.config_dir() / "config.toml", False)


def load_config(path: Path | None = None, *, env: Mapping[str, str] | None = None, create: bool = True,
                extra_models: Mapping[str, dict[str, Any]] | None = None) -> LoadedConfig:
    """`path` None means the default file (created on first run). An explicit
    path that does not exist is a user error; a file that fails validation
    falls back to the last good configuration."""
    env = os.environ if env is None else env
    path, explicit = resolve_config_path(path, env)
    created = False
    try:
        found = path.exists()
    except OSError as exc:  # a name too long for the file system, ...
        raise UserError(f"config file {path}: {exc.strerror or exc}") from None
    if not found:
        if explicit:
            raise UserError(f"config file {path} does not exist (omit --config to use the default "
                            f"{paths.config_dir() / 'config.toml'})")
        if not create:
            return LoadedConfig(parse_policy_text("", "defaults", env, extra_models), None)
        try:
            write_private(path, FIRST_RUN_CONFIG)
        except UserError as exc:  # a read-only home must not stop the app
            defaults = parse_policy_text("", "defaults", env, extra_models)
            return LoadedConfig(defaults, None, info=[f"{exc}; running on the default configuration"])
        created = True
    try:
        text = read_capped(path)
    except UnicodeDecodeError as exc:
        raise UserError(f"cannot read config file {path}: not UTF-8 text (byte {exc.start}); "
                        "save it as UTF-8") from None
    except OSError as exc:
        raise UserError(f"cannot read config file {path}: {exc.strerror or exc}") from None
    try:
        settings = parse_policy_text(text, str(path), env, extra_models)
    except ConfigError as exc:
        settings, fell_back = _last_good(path, env, extra_models)  # env overrides still apply
        return LoadedConfig(settings, path, exc.problems, fell_back)
    _remember(path, text)
    return LoadedConfig(settings, path, created=created)


LAST_GOOD_HEADER = "# The last version of {path} that validated, kept by routing-playground (values only).\n"


def _remember(path: Path, text: str) -> None:
    """Keep the file's values, not its text: comments (where a pasted key may
    sit) and formatting are not copied into the state dir."""
    keep = paths.last_good_file(path)
    try:
        values = LAST_GOOD_HEADER.format(path=path) + tomli_w.dumps(parse_toml(text, str(path)))
        if not keep.exists() or keep.read_text(encoding="utf-8") != values:
            write_private(keep, values)
    except (OSError, UnicodeDecodeError, UserError):
        pass  # remembering is a convenience; the config itself loaded fine


def _last_good(path: Path, env: Mapping[str, str],
               extra_models: Mapping[str, dict[str, Any]] | None) -> tuple[Settings, str]:
    """The last good file, else the defaults: with the environment overrides
    and discovered models when they fit, without them when they do not (a
    discovered model may belong to a provider only the rejected file defines)."""
    keep = paths.last_good_file(path)
    try:
        last_good = keep.read_text(encoding="utf-8") if keep.exists() else None
    except OSError:
        last_good = None
    tries = [(last_good, str(keep), "last good")] if last_good is not None else []
    tries.append(("", "defaults", "defaults"))
    for text, origin, label in tries:
        for use_env, use_extra in ((env, extra_models), (env, None), ({}, None)):
            try:
                return parse_policy_text(text, origin, use_env, use_extra), label
            except ConfigError:
                continue
    return parse_policy_text("", "defaults"), "defaults"
