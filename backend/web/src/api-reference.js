// The backend's API reference page (GET /docs/api): Swagger UI from npm (swagger-ui-dist),
// bundled by esbuild into backend/web/static/api-reference.{js,css} like the widget; nothing from a
// CDN. It shows the OpenAPI document named by data-spec-url on the #api-reference element.

import SwaggerUIBundle from "swagger-ui-dist/swagger-ui-bundle.js";
import "swagger-ui-dist/swagger-ui.css";

function start() {
  const root = document.getElementById("api-reference");
  if (!root) return;
  SwaggerUIBundle({
    url: root.dataset.specUrl,
    domNode: root,
    deepLinking: true,
    docExpansion: "list",
    defaultModelsExpandDepth: 1,
    defaultModelExpandDepth: 3,
    displayRequestDuration: true,
    persistAuthorization: false,
    validatorUrl: null, // no call to an outside validator
  });
}

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", start, { once: true });
} else {
  start();
}
