"""The organization's settings: the word for "Customer", the phone region."""

from typing import Any

import phonenumbers

from documents.organization import Organization, OrgSettings
from resolvers.actor import Actor, Permission
from resolvers.actor_cache import ACTORS
from resolvers.errors import ErrorCode, Problem, UserFacingError
from resolvers.values import clean_text, input_problems


async def settings_update(actor: Actor, changes: dict[str, Any]) -> OrgSettings:
    actor.require(Permission.ADMINISTER)
    settings = actor.settings.model_copy()
    problems: list[Problem] = input_problems(changes, ["input"])
    if "customer_label" in changes:
        label = clean_text(changes["customer_label"])
        # It titles a sheet of the template: Excel's rules (31 characters with the
        # plural's "s", none of []:*?/\).
        if not label or len(label) > 30 or set(label) & set("[]:*?/\\"):
            problems.append(Problem(ErrorCode.INVALID, "The label must be 1 to 30 characters, "
                                    "none of [ ] : * ? / \\.", ["input", "customerLabel"]))
        else:
            settings.customer_label = label
    if "default_region" in changes:
        region = (clean_text(changes["default_region"]) or "").upper()
        if region not in phonenumbers.SUPPORTED_REGIONS:
            problems.append(Problem(ErrorCode.INVALID, f"{region!r} is not a known region code.",
                                    ["input", "defaultRegion"]))
        else:
            settings.default_region = region
    if "date_order" in changes:
        if changes["date_order"] not in ("DAY_FIRST", "MONTH_FIRST"):
            problems.append(Problem(ErrorCode.INVALID, "The date order is DAY_FIRST or "
                                    "MONTH_FIRST.", ["input", "dateOrder"]))
        else:
            settings.date_order = changes["date_order"]
    if problems:
        raise UserFacingError(*problems)
    await Organization.get_pymongo_collection().update_one(
        {"_id": actor.org_id}, {"$set": {"settings": settings.model_dump()}}
    )
    ACTORS.forget_org(actor.org_id)  # the next request reads the new settings
    return settings
