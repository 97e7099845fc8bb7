"""schemathesis hooks of the contract test (loaded through SCHEMATHESIS_HOOKS=hooks).

The one rule of the request schema that JSON Schema cannot state, because it compares two
fields (docs/openapi.json states it in `x-constraints`): an iceberg's display_qty lies
between quantity/15 and quantity. Generated iceberg bodies whose display_qty is outside that
range get display_qty = quantity, which is inside it. Nothing else is touched: a body that
violates the schema anywhere else still does, so negative cases stay negative.
"""

import re
from decimal import Decimal

import schemathesis

POSITIVE_DECIMAL = re.compile(r"^(?=[0-9.]*[1-9])[0-9]{1,24}(\.[0-9]{1,18})?$")


def _positive(value):
    return isinstance(value, str) and POSITIVE_DECIMAL.fullmatch(value) is not None


@schemathesis.hook
def map_body(context, body):
    if not isinstance(body, dict) or body.get("type") != "iceberg":
        return body
    quantity, display = body.get("quantity"), body.get("display_qty")
    if not (_positive(quantity) and _positive(display)):
        return body
    if Decimal(display) > Decimal(quantity) or Decimal(display) * 15 < Decimal(quantity):
        return {**body, "display_qty": quantity}
    return body
