from datetime import datetime
from typing import Annotated

from beanie import Document, Indexed
from pydantic import BaseModel, Field

from documents.base import utcnow


class OrgSettings(BaseModel):
    # The word the business uses for its customers ("Customer", "Client", ...).
    customer_label: str = "Customer"
    # Region used to read phone numbers written without a country code.
    default_region: str = "AU"
    # How imports read a date column whose values fit both orders (03/04/2026).
    date_order: str = "DAY_FIRST"


class Organization(Document):
    slug: Annotated[str, Indexed(unique=True)]
    name: str
    settings: OrgSettings = Field(default_factory=OrgSettings)
    created_at: datetime = Field(default_factory=utcnow)

    class Settings:
        name = "organizations"
