"""Governance (三权分立): roles and permissions, seal authorisations (印章授权), the one
``authorize`` call every use case makes, and separation-of-duty conflicts."""
