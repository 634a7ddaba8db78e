"""Schemathesis' check that a request the document allows is accepted, with
the one kind of refusal no OpenAPI document can rule out: a 422 whose every
error is about the data already stored (a record the request names that
this company does not have, a cursor the API did not issue, a TOTP code
for another moment) or about two fields together (a rate for lempiras).
Every other refusal of schema-valid data fails the run, as schemathesis'
own `positive_data_acceptance` does: a rule of form (required, length,
format, enum) belongs in the document.

And schemathesis' check that a request the document forbids is refused,
with the one leniency the API keeps on purpose: a decimal the document
writes as a string (`"12.50"`) is also taken as a JSON number (`12.5`),
as the schema descriptions say; a body that only differs so is not
negative data. Loaded through SCHEMATHESIS_HOOKS by `contract::`, which
turns the built-in positive check off in favour of the one here (the
negative one goes through `negative_data_rejection_but_numbers`).
"""

import copy
import decimal
import fnmatch
import json

import jsonschema_rs
import schemathesis
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

# Records a request refers to by id or code: whether they exist is state.
UNKNOWN_RECORDS = {
    "unknown_account",
    "unknown_bill",
    "unknown_branch",
    "unknown_category",
    "unknown_company",
    "unknown_credit_note",
    "unknown_emission_point",
    "unknown_invoice",
    "unknown_line",
    "unknown_location",
    "unknown_parent",
    "unknown_party",
    "unknown_product",
    "unknown_purchase_order",
    "unknown_receipt",
    "unknown_serial",
    "unknown_source_line",
    "unknown_warehouse",
    "unknown_withholding_code",
}

# Answers that depend on what the API issued or stored before.
STATE = {
    "invalid_cursor",  # an opaque cursor only the API can make
    "totp_invalid",  # the code of the secret at this moment
    "range_overlaps",  # another CAI range holds these numbers
    "already_member",  # the user is in the company already
    "not_a_supplier",  # the party exists, in another role
    "not_a_customer",
    "supplier_rtn_missing",  # the supplier's record has no RTN
    "exceeds_ordered",  # more than the order still expects
    "product_inactive",  # the product is archived or not for sale
}

# Rules between fields, or between a field and stored data, that JSON
# Schema cannot say.
CROSS_FIELD = {
    "rate_for_lempiras",
    "exchange_rate_required",
    "customer_or_supplier",
    "entry_unbalanced",
    "one_side_amount",
    "range_prefix_differs",
    "range_reversed",
    "vehicle_needs_serial",
    "not_serial_tracked",
    "line_too_large",  # quantity times price beyond what a document holds
    "before_issue_date",
    "before_order_date",
    "due_before_issue",
    "allocations_exceed_payment",
    # An amount, or a document's total, times its rate, in lempiras.
    "too_large_in_lempiras",
    "total_too_large",
}

ALLOWED = UNKNOWN_RECORDS | STATE | CROSS_FIELD

# What one operation may answer besides: the content of an uploaded file
# (an image must be one, a CSV must have its columns), and rules that hang
# on another field's value (a local supplier bill's number is a fiscal
# number; a new user needs a password, an existing one keeps theirs).
BY_OPERATION = {
    "POST /api/v1/attachments": {
        "file_empty",
        "file_type_mismatch",
        "image_unreadable",
        "image_too_large",
    },
    "POST /api/v1/imports/{kind}": {
        "empty_file",
        "unreadable_file",
        "unknown_column",
        "duplicate_column",
        "missing_column",
    },
    "POST /api/v1/purchases/bills": {
        "invalid_fiscal_number",
        "empty_bill",
        "not_a_note",
        "isv_differs",
        "split_differs",
        # named when an amount is exonerated, or goes to an expense
        ("/exoneration_ref", "required"),
        ("/expense_account", "required"),
        # a credit or debit note names the bill it corrects
        ("/source_bill_id", "required"),
    },
    # The kind is required on create only, and a credit note comes from
    # its invoice; the same body updates a draft.
    "POST /api/v1/sales/documents": {
        ("/kind", "required"),
        ("/kind", "credit_note_from_invoice"),
        # a line takes its description and price from its product, when
        # it names one the company sells
        ("/lines/*/description", "required"),
        ("/lines/*/unit_price", "required"),
    },
    # A unit received has no quantity; other goods need one.
    "POST /api/v1/purchases/purchase-receipts": {("/quantity", "required")},
    "POST /api/v1/stock/counts": {"product_repeated"},
    "POST /api/v1/stock/landed-costs": {"shares_differ"},
    # A line on an order takes its product from the order line.
    "POST /api/v1/stock/receipts": {
        "supplier_differs",
        "not_on_order",
        "no_purchase_order",
        ("/lines/*/product_id", "required"),
        # a line off the order needs its unit cost
        ("/lines/*/unit_cost", "required"),
        # goods count by quantity, units by their list: the product decides
        ("/lines/*/quantity", "required"),
        ("/lines/*/units", "required"),
    },
    # A new user needs a name and a password of 10 characters; an
    # existing one keeps theirs, so both may be left empty.
    "POST /api/v1/users": {
        ("/display_name", "required"),
        ("/password", "required"),
        ("/password", "password_too_short"),
    },
    # A unit's history and a statement name their subject in the query.
    "POST /api/v1/reports/runs": {
        ("/query/unit_id", "required"),
        ("/query/party_id", "required"),
    },
    # A vehicle's serial is a VIN; the product decides.
    "POST /api/v1/products/{id}/serials": {("/serial", "invalid_vin")},
    "GET /api/v1/parties/{id}/statement": {("/from", "invalid_period")},
}


def allowed(pointer, code, operation):
    """A refusal for the state of the data (a value another record holds
    already, `*_taken`, among them), or one this operation may give (by
    code, or by field and code)."""
    special = BY_OPERATION.get(operation, ())
    return (
        code in ALLOWED
        or code.endswith(("_taken", "_archived"))
        or code in special
        or any(
            isinstance(s, tuple) and s[1] == code and fnmatch.fnmatchcase(pointer or "", s[0])
            for s in special
        )
    )


def field_errors(response):
    """A problem+json answer's errors as (pointer, code); its own code when
    it names no field."""
    try:
        problem = json.loads(response.text)
    except ValueError:
        return None
    errors = [(e.get("pointer"), e.get("code")) for e in problem.get("errors") or []]
    return errors or [(None, problem.get("code"))]


def null_in_path(case):
    """A stateful step may take a path parameter from an answer's field
    that is null (a bill's `source_bill_id`), and sends `None`: not a value
    the document allows, so not positive data."""
    return any(v is None for v in (case.path_parameters or {}).values())


@schemathesis.check
def positive_data_accepted_unless_the_data_says_no(ctx, response, case):
    try:
        return positive_data_acceptance(ctx, response, case)
    except AssertionError:
        if null_in_path(case):
            return None
        if response.status_code != 422:
            raise
        errors = field_errors(response) or []
        operation = case.operation.label
        refused = [(p, c) for p, c in errors if not (c and allowed(p, c, operation))]
        if errors and not refused:
            return None
        raise AssertionError(
            "Schema-valid request refused for its form (a rule the document "
            f"does not say): {refused or errors}"
        ) from None


def body_schema_validator(case):
    """A validator of the operation's JSON body against the served document
    (its `$ref`s resolved in place)."""
    raw = case.operation.schema.raw_schema
    path = case.operation.path.replace("~", "~0").replace("/", "~1")
    method = case.operation.method.lower()
    pointer = f"#/paths/{path}/{method}/requestBody/content/application~1json/schema"
    return jsonschema_rs.validator_for({**raw, "$ref": pointer})


def leaf_errors(errors):
    for error in errors:
        branches = getattr(error.kind, "context", None)
        if branches:
            for branch in branches:
                yield from leaf_errors(branch)
        else:
            yield error


def as_decimal_string(number):
    """A JSON number as the API reads it into a decimal: its shortest
    round-trip digits, without an exponent."""
    return format(decimal.Decimal(repr(number)), "f")


def errors_once_numbers_are_strings(case):
    """What the body breaks of the document once every JSON number where it
    says a string is written as a decimal string: [] when those numbers
    were all it broke, None when it has no such number."""
    if not isinstance(case.body, (dict, list)):
        return None
    validator = body_schema_validator(case)
    body = copy.deepcopy(case.body)
    changed = False
    for _ in range(50):
        numbers = [
            e
            for e in leaf_errors(validator.iter_errors(body))
            if type(e.kind).__name__ == "Type"
            and "string" in e.kind.types
            and isinstance(e.instance, (int, float))
            and not isinstance(e.instance, bool)
        ]
        if not numbers:
            break
        for error in numbers:
            *parents, last = list(error.instance_path)
            holder = body
            for key in parents:
                holder = holder[key]
            holder[last] = as_decimal_string(holder[last])
        changed = True
    if not changed:
        return None
    return [f"{list(e.instance_path)}: {e.message}" for e in validator.iter_errors(body)]


@schemathesis.check
def negative_data_rejection_but_numbers(ctx, response, case):
    try:
        return negative_data_rejection(ctx, response, case)
    except AssertionError as refused:
        left = errors_once_numbers_are_strings(case)
        if left == []:
            return None
        if left:
            raise AssertionError(
                f"{refused}\nWith its JSON numbers written as decimal strings the "
                f"body still breaks the document: {left}"
            ) from None
        raise

