"""DynamoDB: one table (table.py), its keys (keys.py), one module per aggregate.

Each aggregate module maps its domain objects to the stored items and back (`to_item`,
`from_item`), field by field: the stored shape is its own, apart from the API's, so renaming
a field of the API never changes what is stored.
"""
