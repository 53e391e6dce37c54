"""Mail content: documents of blocks per language, merge fields, validation, rendering, preview.

    validate(raw) -> [Problem]          refuse on save, each problem with its path and code
    render(doc, language, context)      -> Rendered(subject, preheader, html, text)
    template_content(scenario, step)    a ready scenario's mail step as a document (JSON)
    preview(doc, language, channel=…, account_id=… | contact_id=…)
"""

from .document import Document, from_json, to_json
from .merge import FIELDS as MERGE_FIELDS
from .rendering import Rendered, render
from .templates import scenario_document, template_content
from .validate import ContentError, Problem, validate

__all__ = ["ContentError", "Document", "MERGE_FIELDS", "Problem", "Rendered", "from_json", "render",
           "scenario_document", "template_content", "to_json", "validate"]
