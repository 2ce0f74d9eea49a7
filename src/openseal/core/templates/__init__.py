"""Document templates (文档模板): per organisation, a name, a document category, the seals to
apply and where (page and position, keyword, cross-page), the PAdES level, and optionally the
approval steps a request made with the template follows."""
