/**
 * The API's reference, served by the API itself and open to anyone (no sign-in):
 *
 *   GET /openapi.json          the OpenAPI 3.1 document (generated from the routes, api/openapi-document.ts)
 *   GET /docs                  an interactive reference page (Swagger UI)
 *   GET /docs/assets/<file>    Swagger UI's files, from the swagger-ui-dist package in node_modules
 *
 * No CDN: the page works on machines without internet. Mount at `/` (`app.route('/', docsRoutes())`);
 * mounted under a prefix, the page still finds its assets and the document under that prefix.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Hono } from 'hono';

const require = createRequire(import.meta.url);
const DIST_DIR = path.dirname(require.resolve('swagger-ui-dist/package.json'));
const DIST_VERSION = (JSON.parse(readFileSync(path.join(DIST_DIR, 'package.json'), 'utf8')) as { version: string }).version;

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.map': 'application/json; charset=utf-8',
};

/** Our own start-up script: a file, not inline, so the page runs under a strict CSP. */
const INIT_JS = `// Starts Swagger UI on the document named by #swagger-ui's data-spec-url.
window.addEventListener('load', function () {
  var node = document.getElementById('swagger-ui');
  window.ui = SwaggerUIBundle({
    url: node.getAttribute('data-spec-url'),
    dom_id: '#swagger-ui',
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
    validatorUrl: null,
    displayRequestDuration: true,
    filter: true,
    tryItOutEnabled: false,
    persistAuthorization: false
  });
});
`;

const INIT_ETAG = `"init-${createHash('sha256').update(INIT_JS).digest('hex').slice(0, 16)}"`;

/** The files the page may load: swagger-ui-dist's by name (nothing else under node_modules is reachable), and ours. */
const ASSET_FILES = ['swagger-ui.css', 'swagger-ui.css.map', 'index.css', 'swagger-ui-bundle.js', 'swagger-ui-bundle.js.map', 'favicon-32x32.png', 'favicon-16x16.png'] as const;
export const DOCS_ASSETS = ['init.js', ...ASSET_FILES] as const;

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  // Swagger UI sets style attributes.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

function page(base: string): string {
  const b = escapeHtml(base);
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Complaint desk API reference</title>
  <link rel="stylesheet" href="${b}/docs/assets/swagger-ui.css">
  <link rel="stylesheet" href="${b}/docs/assets/index.css">
  <link rel="icon" type="image/png" href="${b}/docs/assets/favicon-32x32.png" sizes="32x32">
  <link rel="icon" type="image/png" href="${b}/docs/assets/favicon-16x16.png" sizes="16x16">
</head>
<body>
  <noscript>This reference needs JavaScript; the document itself is at <a href="${b}/openapi.json">${b}/openapi.json</a>.</noscript>
  <div id="swagger-ui" data-spec-url="${b}/openapi.json"></div>
  <script src="${b}/docs/assets/swagger-ui-bundle.js"></script>
  <script src="${b}/docs/assets/init.js"></script>
</body>
</html>
`;
}

/**
 * GET /openapi.json (the `document` given: the app builds it from its routes once they are all
 * registered), GET /docs and its assets. No auth: mount where no sign-in middleware applies.
 */
export function docsRoutes(openApiDocument: object) {
  const app = new Hono();
  const document = JSON.stringify(openApiDocument);
  const files = new Map<string, Uint8Array>(); // read on first request, then kept

  app.get('/openapi.json', (c) => c.body(document, 200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-cache' }));

  app.get('/docs', (c) => {
    // The prefix the app is mounted under ('' at the root): links stay right under any mount point.
    const base = c.req.path.slice(0, -'/docs'.length);
    return c.body(page(base), 200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': CSP, 'cache-control': 'no-cache' });
  });

  app.get('/docs/assets/:file', (c) => {
    const name = c.req.param('file');
    if (!(DOCS_ASSETS as readonly string[]).includes(name)) return c.notFound();
    const etag = name === 'init.js' ? INIT_ETAG : `"swagger-ui-dist-${DIST_VERSION}-${name}"`;
    const headers = { 'content-type': TYPES[path.extname(name)], 'cache-control': 'public, max-age=86400', etag };
    if (c.req.header('if-none-match') === etag) return c.body(null, 304, headers);
    if (name === 'init.js') return c.body(INIT_JS, 200, headers);
    let bytes = files.get(name);
    if (!bytes) {
      bytes = readFileSync(path.join(DIST_DIR, name));
      files.set(name, bytes);
    }
    return c.body(bytes as Uint8Array<ArrayBuffer>, 200, headers);
  });

  return app;
}
