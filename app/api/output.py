"""The base of response models: filled straight from domain objects' attributes."""

from typing import Self

from pydantic import BaseModel, ConfigDict


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    @classmethod
    def of(cls, thing: object) -> Self:
        return cls.model_validate(thing)
