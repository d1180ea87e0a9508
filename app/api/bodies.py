"""JSON request bodies: decoded strictly, and documented as the closed objects the decoder accepts."""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import msgspec
from litestar.dto import AbstractDTO
from litestar.exceptions import ClientException, ValidationException
from litestar.openapi.spec import Reference
from litestar.typing import FieldDefinition

if TYPE_CHECKING:
    from litestar._openapi.schema_generation import SchemaCreator
    from litestar.dto import DTOFieldDefinition
    from litestar.dto._backend import DTOBackend
    from litestar.openapi.spec import Schema

T = TypeVar("T")


class StrictBody(AbstractDTO[T]):
    """The request body of every API handler (a router's `dto=StrictBody, return_dto=None`).

    Litestar's default conversion is lax (`strict=False`: `"quantity": "1"` passes where the schema
    says integer) and its schema leaves out `additionalProperties: false` for structs that forbid
    unknown fields. This DTO decodes the body with msgspec in strict mode, straight into the
    handler's struct, and marks every struct that forbids unknown fields as closed in the schema.
    """

    _body_types: ClassVar[dict[str, Any]] = {}  # handler id -> the type of its `data`

    @classmethod
    def create_for_field_definition(
        cls,
        field_definition: FieldDefinition,
        handler_id: str,
        backend_cls: type[DTOBackend] | None = None,
    ) -> None:
        if field_definition.name == "data":
            cls._body_types[handler_id] = field_definition.annotation

    @classmethod
    def create_openapi_schema(
        cls, field_definition: FieldDefinition, handler_id: str, schema_creator: SchemaCreator
    ) -> Reference | Schema:
        schema = schema_creator.for_field_definition(field_definition)
        for struct in closed_structs(msgspec.inspect.type_info(field_definition.annotation), set()):
            reference = schema_creator.for_field_definition(FieldDefinition.from_annotation(struct))
            if isinstance(reference, Reference):
                schema_creator.schema_registry.from_reference(reference).schema.additional_properties = False
        return schema

    def decode_bytes(self, value: bytes) -> Any:
        body_type = self._body_types[self.asgi_connection.route_handler.handler_id]
        try:
            return msgspec.json.decode(value, type=body_type, strict=True)
        except msgspec.ValidationError as error:
            raise invalid_body(error) from error
        except msgspec.DecodeError as error:
            raise ClientException("The body is not valid JSON.") from error

    def decode_builtins(self, value: dict[str, Any]) -> Any:
        body_type = self._body_types[self.asgi_connection.route_handler.handler_id]
        try:
            return msgspec.convert(value, body_type, strict=True)
        except msgspec.ValidationError as error:
            raise invalid_body(error) from error

    @classmethod
    def generate_field_definitions(cls, model_type: type[Any]) -> Generator[DTOFieldDefinition, None, None]:
        yield from ()  # no transfer model: the body decodes straight into the handler's type

    @classmethod
    def detect_nested_field(cls, field_definition: FieldDefinition) -> bool:
        return False


def invalid_body(error: msgspec.ValidationError) -> ValidationException:
    """msgspec's "Expected `int`, got `str` - at `$.lines[0].quantity`" as a field error."""
    message, _, where = str(error).partition(" - at `")
    field = where.rstrip("`").removeprefix("$").removeprefix(".")
    return ValidationException(
        detail="Invalid request body", extra=[{"key": field or "body", "message": message, "source": "body"}]
    )


def closed_structs(info: msgspec.inspect.Type, seen: set[type]) -> Iterator[type]:
    """The struct types reachable from a type that refuse unknown fields (each once)."""
    inspect = msgspec.inspect
    if isinstance(info, inspect.StructType):
        if info.cls in seen:
            return
        seen.add(info.cls)
        if info.forbid_unknown_fields:
            yield info.cls
        for field in info.fields:
            yield from closed_structs(field.type, seen)
    elif isinstance(info, inspect.UnionType):
        for member in info.types:
            yield from closed_structs(member, seen)
    elif isinstance(info, inspect.Metadata):
        yield from closed_structs(info.type, seen)
    elif isinstance(info, inspect.ListType | inspect.SetType | inspect.FrozenSetType | inspect.VarTupleType):
        yield from closed_structs(info.item_type, seen)
    elif isinstance(info, inspect.DictType):
        yield from closed_structs(info.value_type, seen)
