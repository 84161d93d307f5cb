import { escapeHtml } from '../shared/html.js';

/** The OpenID Provider's own few pages (errors, sign-out): plain HTML, no script, no inline style. */
export function htmlPage(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title></head>
<body><main>
${body}
</main></body>
</html>`;
}
