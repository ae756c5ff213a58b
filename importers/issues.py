"""What can happen to a row: its outcome, and the codes of the problems it has.

One enum each, exposed as GraphQL enums: a client can switch on them, and a
new code is added here or nowhere.
"""

from enum import StrEnum


class RowOutcome(StrEnum):
    """What a row did. Every row of a job gets exactly one, so the job's totals
    add up: rows = created + updated + unchanged + failed + skipped.
    """

    CREATED = "CREATED"
    UPDATED = "UPDATED"
    UNCHANGED = "UNCHANGED"
    FAILED = "FAILED"
    # Not imported because the import stopped first (cancelled, aborted, failed).
    SKIPPED = "SKIPPED"


class RowIssueCode(StrEnum):
    # Errors: the row is not imported.
    REQUIRED = "REQUIRED"
    NOT_FOUND = "NOT_FOUND"
    ALREADY_EXISTS = "ALREADY_EXISTS"
    INVALID_EMAIL = "INVALID_EMAIL"
    INVALID_PHONE = "INVALID_PHONE"
    INVALID_BOOLEAN = "INVALID_BOOLEAN"
    INVALID_DATE = "INVALID_DATE"
    INVALID_NUMBER = "INVALID_NUMBER"
    INVALID_AMOUNT = "INVALID_AMOUNT"
    INVALID_QUANTITY = "INVALID_QUANTITY"
    INVALID_TERM = "INVALID_TERM"
    INVALID_CURRENCY = "INVALID_CURRENCY"
    INVALID_CUSTOM_BILLING = "INVALID_CUSTOM_BILLING"
    INVALID_REVENUE_RECOGNITION = "INVALID_REVENUE_RECOGNITION"
    OUT_OF_RANGE = "OUT_OF_RANGE"
    AMOUNT_MISMATCH = "AMOUNT_MISMATCH"
    ROW_HAS_EXTRA_CELLS = "ROW_HAS_EXTRA_CELLS"
    TEXT_TOO_LONG = "TEXT_TOO_LONG"
    UNKNOWN_CUSTOMER_TYPE = "UNKNOWN_CUSTOMER_TYPE"
    UNKNOWN_LEAD_SOURCE = "UNKNOWN_LEAD_SOURCE"
    UNKNOWN_PAYMENT_TERM = "UNKNOWN_PAYMENT_TERM"
    UNKNOWN_PRICE_LEVEL = "UNKNOWN_PRICE_LEVEL"
    UNKNOWN_USER = "UNKNOWN_USER"
    UNKNOWN_PRODUCT = "UNKNOWN_PRODUCT"
    UNKNOWN_SITE = "UNKNOWN_SITE"
    CUSTOMER_NOT_FOUND = "CUSTOMER_NOT_FOUND"
    BILLING_CUSTOMER_NOT_FOUND = "BILLING_CUSTOMER_NOT_FOUND"
    BILLING_CUSTOMER_SELF = "BILLING_CUSTOMER_SELF"
    BILLING_CUSTOMER_FAILED = "BILLING_CUSTOMER_FAILED"
    BILLING_CYCLE = "BILLING_CYCLE"
    NAME_TAKEN = "NAME_TAKEN"
    ACCOUNT_NUMBER_TAKEN = "ACCOUNT_NUMBER_TAKEN"
    SITE_ADDRESS_CONFLICT = "SITE_ADDRESS_CONFLICT"
    NOTHING_TO_RENEW = "NOTHING_TO_RENEW"
    # Warnings: the row lands, and a person should look at what it did.
    PHONE_KEPT_AS_TYPED = "PHONE_KEPT_AS_TYPED"
    VALUE_READ_AS_EMPTY = "VALUE_READ_AS_EMPTY"
    SHORT_ROW = "SHORT_ROW"
    DUPLICATE_IN_FILE = "DUPLICATE_IN_FILE"
    VALUE_NOT_STORED = "VALUE_NOT_STORED"
    TEXT_CLEANED = "TEXT_CLEANED"
    # Template imports: what the workbook holds that no sheet or field takes.
    UNKNOWN_SHEET = "UNKNOWN_SHEET"
    UNMAPPED_COLUMN = "UNMAPPED_COLUMN"


# What each code means, for people (the API's docs read these).
ISSUE_DESCRIPTIONS: dict[RowIssueCode, str] = {
    RowIssueCode.REQUIRED: "A value the row needs is missing.",
    RowIssueCode.NOT_FOUND: "UPDATE_ONLY: nothing stored matches the row.",
    RowIssueCode.ALREADY_EXISTS: "CREATE_ONLY: something stored (or an earlier row) matches.",
    RowIssueCode.INVALID_EMAIL: "Not an email address.",
    RowIssueCode.INVALID_PHONE: "Not a phone number.",
    RowIssueCode.INVALID_BOOLEAN: "Not yes or no.",
    RowIssueCode.INVALID_DATE: "Not a date (a bare number in a text file is none).",
    RowIssueCode.INVALID_NUMBER: "Not a number.",
    RowIssueCode.INVALID_AMOUNT: "Not an amount of money in cents.",
    RowIssueCode.INVALID_QUANTITY: "A quantity must be positive.",
    RowIssueCode.INVALID_TERM: "A term is 1 to 1,200 months.",
    RowIssueCode.INVALID_CURRENCY: "Not a three-letter currency code.",
    RowIssueCode.INVALID_CUSTOM_BILLING: "A Custom Billing cell that reads as no schedule.",
    RowIssueCode.INVALID_REVENUE_RECOGNITION: "A Custom Rev Recognition cell that reads as "
    "no plan.",
    RowIssueCode.OUT_OF_RANGE: "A value beyond what its field takes (dates 1900-2199, terms "
    "up to 1,200 months, money up to a trillion).",
    RowIssueCode.AMOUNT_MISMATCH: "An amount that is not quantity x unit price.",
    RowIssueCode.ROW_HAS_EXTRA_CELLS: "More values than headers (an unquoted comma?): the row "
    "is not imported with its values under the wrong headers.",
    RowIssueCode.TEXT_TOO_LONG: "A text longer than its field keeps (255 characters; notes "
    "and custom fields 10,000).",
    RowIssueCode.UNKNOWN_CUSTOMER_TYPE: "No such customer type.",
    RowIssueCode.UNKNOWN_LEAD_SOURCE: "No such lead source.",
    RowIssueCode.UNKNOWN_PAYMENT_TERM: "No such payment term (an admin adds them).",
    RowIssueCode.UNKNOWN_PRICE_LEVEL: "No such price level (an admin adds them).",
    RowIssueCode.UNKNOWN_USER: "No such user.",
    RowIssueCode.UNKNOWN_PRODUCT: "No product with that Import ID.",
    RowIssueCode.UNKNOWN_SITE: "The customer has no site of that name.",
    RowIssueCode.CUSTOMER_NOT_FOUND: "No customer of that name or account number.",
    RowIssueCode.BILLING_CUSTOMER_NOT_FOUND: "No such billing customer, stored or in the file.",
    RowIssueCode.BILLING_CUSTOMER_SELF: "A customer cannot bill itself.",
    RowIssueCode.BILLING_CUSTOMER_FAILED: "The row of its billing customer failed.",
    RowIssueCode.BILLING_CYCLE: "The link would make a cycle of billing customers.",
    RowIssueCode.NAME_TAKEN: "Another customer already has the name the row gives.",
    RowIssueCode.ACCOUNT_NUMBER_TAKEN: "Another customer already has the account number.",
    RowIssueCode.SITE_ADDRESS_CONFLICT: "A site of that name is in another suburb: moving it "
    "is an edit, a new site needs its own name.",
    RowIssueCode.NOTHING_TO_RENEW: "A renewal with no line waiting to be renewed.",
    RowIssueCode.PHONE_KEPT_AS_TYPED: "Warning: not a valid number where it was read, so "
    "kept exactly as typed (not E.164).",
    RowIssueCode.VALUE_READ_AS_EMPTY: "Warning: NULL, #N/A or N/A read as an empty cell.",
    RowIssueCode.SHORT_ROW: "Warning: fewer cells than headers; check the values' columns.",
    RowIssueCode.DUPLICATE_IN_FILE: "Warning: an earlier row has the same key; this one was "
    "applied after it.",
    RowIssueCode.VALUE_NOT_STORED: "Warning: a mapped value with nowhere to go.",
    RowIssueCode.TEXT_CLEANED: "Warning: control characters were taken out of the value.",
    RowIssueCode.UNKNOWN_SHEET: "Warning: a template sheet the import does not know.",
    RowIssueCode.UNMAPPED_COLUMN: "Warning: a template column of no field.",
}
