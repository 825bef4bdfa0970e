"""Applying: the school's side, from the form to the stored files, the receipt and the status page."""
