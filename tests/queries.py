"""GraphQL documents shared by the tests."""

CUSTOMER_FIELDS = """
    id name firstName lastName companyName email phone mobile
    customerType { id name } leadSource { id name } paymentTerm { id name }
    priceLevel { id name } assignedUser { id name }
    siteAddress { line1 line2 suburb state postcode country latitude longitude }
    billingAddress { line1 suburb postcode }
    billingSameAsSite
    billing { billingCustomer { id name } careOfName accountNumber invoicingOptions }
    sites { id name address { line1 suburb postcode } contactName phone email notes
            equipment { id name } customer { id name } }
    contacts { id firstName lastName role email phone mobile isPrimary }
    equipment { id name make model serialNumber installDate warrantyExpiry site { id name } }
    customFields { key value }
    archived createdAt updatedAt
"""

CUSTOMER_CREATE = f"""
mutation($input: CustomerInput!) {{
  customerCreate(input: $input) {{
    customer {{ {CUSTOMER_FIELDS} }}
    userErrors {{ code message field }}
  }}
}}"""

CUSTOMER_UPDATE = f"""
mutation($id: ID!, $input: CustomerInput!) {{
  customerUpdate(id: $id, input: $input) {{
    customer {{ {CUSTOMER_FIELDS} }}
    userErrors {{ code message field }}
  }}
}}"""

CUSTOMER = f"query($id: ID!) {{ customer(id: $id) {{ {CUSTOMER_FIELDS} }} }}"

SITE_CREATE = """
mutation($customerId: ID!, $input: SiteInput!) {
  siteCreate(customerId: $customerId, input: $input) {
    site { id name address { line1 suburb postcode } contactName phone email notes
           customer { id name } }
    userErrors { code message field }
  }
}"""
