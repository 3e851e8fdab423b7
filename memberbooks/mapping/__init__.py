"""Links between members and QuickBooks customers, and GL accounts and QuickBooks items/accounts.

Independent of which QuickBooks (Online or Desktop): a QuickBooks object is
referred to by its id there (Id or ListID) and the name it had when linked.
"""
