"""Schemathesis' check that a request the document allows is accepted, with
the one kind of refusal no OpenAPI document can rule out: a 422 whose every
error is about the data already stored (a record the request names that
this company does not have, a cursor the API did not issue, a TOTP code
for another moment) or about two fields together (a rate for lempiras).
Every other refusal of schema-valid data fails the run, as schemathesis'
own `positive_data_acceptance` does: a rule of form (required, length,
format, enum) belongs in the document. Loaded through SCHEMATHESIS_HOOKS
by `contract::`, which turns the built-in check off in favour of this one.
"""

import json

import schemathesis
from schemathesis.specs.openapi.checks import positive_data_acceptance

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
    },
    "POST /api/v1/users": {("/password", "required")},
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
        or (pointer, code) in special
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


@schemathesis.check
def positive_data_accepted_unless_the_data_says_no(ctx, response, case):
    try:
        return positive_data_acceptance(ctx, response, case)
    except AssertionError:
        errors = field_errors(response) if response.status_code == 422 else None
        operation = case.operation.label
        if errors and all(code and allowed(p, code, operation) for p, code in errors):
            return None
        raise
