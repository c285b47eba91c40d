// Swagger UI over this service's OpenAPI document. A file of its own, not an inline script,
// so the page's Content-Security-Policy allows scripts from this origin only.
// validatorUrl null: Swagger UI would otherwise fetch a badge from validator.swagger.io.
window.ui = SwaggerUIBundle({
  url: "/docs/openapi.json",
  dom_id: "#api",
  validatorUrl: null,
});
