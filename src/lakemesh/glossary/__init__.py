"""Business glossary: the company's terms, defined once by their owners and linked to the data that holds them."""
