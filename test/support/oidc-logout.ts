/**
 * RP-initiated logout as a browser does it: opens the provider's end-session page with the sign-in cookie, then
 * confirms its form ("Yes, sign me out") with the page's xsrf value and cookies. Returns the confirmation's
 * answer (a redirect) without following it.
 */
export async function confirmEndSession(endSession: URL, signInCookie: string): Promise<Response> {
  const page = await fetch(endSession, { headers: { cookie: signInCookie } });
  if (page.status !== 200) throw new Error(`end-session page: ${page.status}`);
  const html = await page.text();
  const action = /action="([^"]+)"/.exec(html)?.[1];
  const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)?.[1];
  if (!action || !xsrf) throw new Error('end-session page without its form');
  const cookies = page.headers.getSetCookie().map((c) => c.split(';')[0] as string);
  return fetch(new URL(action, endSession), {
    method: 'POST',
    redirect: 'manual',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      cookie: [signInCookie, ...cookies].join('; '),
    },
    body: new URLSearchParams({ xsrf, logout: 'yes' }).toString(),
  });
}
