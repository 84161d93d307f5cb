import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

/**
 * A sample application that embeds the ForgeRock Login Widget, unmodified: the package's own ESM bundle and CSS
 * served from node_modules (no CDN, no network), on its own loopback port — another origin than Proofline, the
 * same site (127.0.0.1), as a company's app next to its identity service.
 */
const WIDGET_DIR = fileURLToPath(new URL('../../../node_modules/@forgerock/login-widget/', import.meta.url));

const FILES: Record<string, { file: string; type: string }> = {
  '/widget/index.js': { file: 'index.js', type: 'text/javascript; charset=utf-8' },
  '/widget/widget.css': { file: 'widget.css', type: 'text/css; charset=utf-8' },
};

/**
 * The page: the Widget inline, configured with only the server's base URL and realm — every OAuth setting is the
 * Widget's default (client WebLoginWidgetClient, redirect URI the page's own URL, scope 'openid email').
 * `window.widgetApp` lets the test start a journey and read what the app would read: journey events, tokens,
 * user info.
 */
function page(proofline: string): string {
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Sample app with the ForgeRock Login Widget</title>
  <link rel="stylesheet" href="/widget/widget.css">
</head>
<body>
  <h1>Sample app</h1>
  <div id="widget-root"></div>
  <script type="module">
    import Widget, { configuration, journey, user } from '/widget/index.js';

    // Back from a redirect step (IPA "continue on this device"): keep the full URL to resume the journey, and
    // show the page's own URL again, as an app does, so that the Widget's default redirect URI is the page.
    // (Not in the Widget's own hidden authorize iframe, which loads this page with the OAuth code.)
    const resumeUrl =
      window.top === window && new URL(location.href).searchParams.get('state') === 'idemia-ipa'
        ? location.href
        : undefined;
    if (resumeUrl) history.replaceState(null, '', location.pathname);

    configuration().set({
      forgerock: { serverConfig: { baseUrl: ${JSON.stringify(`${proofline}/`)} }, realmPath: 'alpha' },
      // The app's own terms page, linked from the TermsAndConditionsCallback.
      links: { termsAndConditions: location.origin + '/terms' },
    });
    new Widget({ target: document.getElementById('widget-root'), props: { type: 'inline' } });
    const journeyEvents = journey();
    const events = [];
    window.widgetApp = { events, last: undefined };
    journeyEvents.subscribe((event) => {
      events.push(JSON.parse(JSON.stringify({
        journey: { ...event.journey, step: undefined },
        oauth: event.oauth,
        user: event.user,
      })));
      window.widgetApp.last = event;
    });
    Object.assign(window.widgetApp, {
      start(tree) {
        sessionStorage.setItem('widget-app-tree', tree);
        journeyEvents.start({ journey: tree });
      },
      tokens: () => user.tokens().get(),
      info: () => user.info().get(),
      logout: () => user.logout(),
    });
    if (resumeUrl) journeyEvents.start({ journey: sessionStorage.getItem('widget-app-tree') ?? undefined, resumeUrl });
  </script>
</body>
</html>`;
}

export interface SampleApp {
  /** The page's URL (the origin and '/'): the redirect URI the Widget sends by default. */
  url: string;
  origin: string;
  stop(): Promise<void>;
}

/** Serves the sample page and the Widget's files on 127.0.0.1; `proofline()` is read per request. */
export async function startSampleApp(proofline: () => string): Promise<SampleApp> {
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://app').pathname;
    const asset = FILES[path];
    if (asset) {
      readFile(WIDGET_DIR + asset.file).then(
        (body) => res.writeHead(200, { 'content-type': asset.type }).end(body),
        () => res.writeHead(500).end(),
      );
      return;
    }
    if (path === '/terms') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<h1>Terms</h1>');
      return;
    }
    if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page(proofline()));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `${origin}/`,
    origin,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
