"""The profile registry: built-in profiles plus those installed under an entry-point group.

A third party ships a profile as a package declaring, in its ``pyproject.toml``::

    [project.entry-points."suyuan.profiles"]
    dairy = "acme_dairy.profile:DAIRY"      # a Profile, or a callable returning one

and the core finds it without any change (QBT-4.2).
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import entry_points

from suyuan.domain.profiles.baijiu import BAIJIU
from suyuan.domain.profiles.errors import InvalidProfile, ProfileNotFound
from suyuan.domain.profiles.generic import GENERIC
from suyuan.domain.profiles.integrity import check_profile
from suyuan.domain.profiles.market import MARKET_PRODUCE
from suyuan.domain.profiles.model import Profile

ENTRY_POINT_GROUP = "suyuan.profiles"

_BUILT_IN: dict[str, Profile] = {p.id: p for p in (BAIJIU, MARKET_PRODUCE, GENERIC)}
_registered: dict[str, Profile] = {}
_discovered: dict[str, Profile] | None = None  # entry points, loaded once on first use


def register_profile(profile: Profile, *, replace: bool = False) -> None:
    """Add ``profile`` to the registry after checking it; ``replace`` allows a new version."""
    check_profile(profile)
    if not replace and profile.id in _all():
        raise InvalidProfile(profile.id, ["a profile with this id is already registered"])
    _registered[profile.id] = profile


def unregister_profile(profile_id: str) -> None:
    """Remove a profile added with ``register_profile`` (built-ins stay)."""
    _registered.pop(profile_id, None)


def get_profile(profile_id: str) -> Profile:
    """The profile with this id; raise ``ProfileNotFound`` if none is known."""
    profile = _all().get(profile_id)
    if profile is None:
        raise ProfileNotFound(profile_id)
    return profile


def find_profile(profile_id: str) -> Profile | None:
    """The profile with this id, or ``None``."""
    return _all().get(profile_id)


def list_profiles() -> tuple[Profile, ...]:
    """Every known profile, ordered by id."""
    profiles = _all()
    return tuple(profiles[key] for key in sorted(profiles))


def reload_entry_points() -> None:
    """Forget discovered profiles so the next lookup reads the entry points again."""
    global _discovered  # a process-wide cache is the point
    _discovered = None


def _all() -> dict[str, Profile]:
    return {**_BUILT_IN, **_entry_point_profiles(), **_registered}


def _entry_point_profiles() -> dict[str, Profile]:
    global _discovered
    if _discovered is None:
        found: dict[str, Profile] = {}
        for entry_point in entry_points(group=ENTRY_POINT_GROUP):
            profile = _as_profile(entry_point.name, entry_point.load())
            check_profile(profile)
            found[profile.id] = profile
        _discovered = found
    return _discovered


def _as_profile(name: str, loaded: object) -> Profile:
    if isinstance(loaded, Profile):
        return loaded
    if callable(loaded):
        made = _call(loaded)
        if isinstance(made, Profile):
            return made
    raise InvalidProfile(name, [f"entry point {name!r} is neither a Profile nor makes one"])


def _call(factory: Callable[[], object]) -> object:
    return factory()
