// The browser half of jwksauth's e2e tests: Debian's Chromium, driven by
// playwright-core, loads a page from one loopback origin and calls the
// example APIs on other origins with fetch, the way a web app does. It
// records what the page could read (status, body, headers, or the error
// the browser raised) and prints it as JSON; the Go test (browser_test.go)
// decides what is right. One screenshot per app goes to SCREENSHOT_DIR.
//
// Input: a JSON file named by the first argument:
//   { "page": "http://127.0.0.1:P", "foreign": "http://127.0.0.1:Q", "screenshots": "/tmp/…",
//     "apps": [{"name": "nethttp", "url": "http://127.0.0.1:R", "credentials": false}, …],
//     "tokens": {"reader": "…", "writer": "…"} }
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { chromium } from 'playwright-core';

const input = JSON.parse(await readFile(process.argv[2], 'utf8'));
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';

// What the page runs: one fetch, everything it can read of the answer.
async function probe({ url, method, headers, body, credentials }) {
  try {
    const res = await fetch(url, { method, headers, body, credentials, cache: 'no-store' });
    const text = await res.text();
    let json = null;
    try { json = JSON.parse(text); } catch { /* not JSON */ }
    return {
      status: res.status,
      json,
      wwwAuthenticate: res.headers.get('WWW-Authenticate'),
      contentType: res.headers.get('Content-Type'),
      location: res.headers.get('Location'),
    };
  } catch (e) {
    return { error: `${e.name}: ${e.message}` };
  }
}

function cases(app, tokens) {
  const bearer = (t) => ({ Authorization: `Bearer ${t}` });
  if (app.credentials) {
    return [
      { name: 'credentialed', origin: 'page', url: `${app.url}/api/reports`, method: 'GET', headers: bearer(tokens.reader), credentials: 'include' },
    ];
  }
  return [
    { name: 'read', origin: 'page', url: `${app.url}/api/reports`, method: 'GET', headers: bearer(tokens.reader) },
    { name: 'no token', origin: 'page', url: `${app.url}/api/profile`, method: 'GET', headers: {} },
    { name: 'missing scope', origin: 'page', url: `${app.url}/api/admin`, method: 'GET', headers: bearer(tokens.reader) },
    {
      name: 'preflighted post', origin: 'page', url: `${app.url}/api/reports`, method: 'POST',
      headers: { ...bearer(tokens.writer), 'Content-Type': 'application/json' }, body: JSON.stringify({ title: 'Q3 revenue' }),
    },
    { name: 'credentialed not allowed', origin: 'page', url: `${app.url}/api/reports`, method: 'GET', headers: bearer(tokens.reader), credentials: 'include' },
    { name: 'foreign origin', origin: 'foreign', url: `${app.url}/api/reports`, method: 'GET', headers: bearer(tokens.reader) },
    { name: 'foreign origin simple', origin: 'foreign', url: `${app.url}/api/profile`, method: 'GET', headers: {} },
  ];
}

const userDataDir = await mkdtemp(join(tmpdir(), 'jwksauth-chromium-'));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath,
  headless: true,
  args: [
    '--no-sandbox',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--disable-gpu',
    '--disable-quic',
  ],
  timeout: 30_000,
});
const results = [];
try {
  const page = context.pages()[0] ?? await context.newPage();
  page.setDefaultTimeout(15_000);
  for (const app of input.apps) {
    for (const c of cases(app, input.tokens)) {
      const origin = c.origin === 'page' ? input.page : input.foreign;
      if (!page.url().startsWith(origin)) {
        await page.goto(`${origin}/`);
        // A cookie of the page's site, so that a credentialed request has one to send.
        await page.evaluate(() => { document.cookie = 'session=e2e; SameSite=Lax; path=/'; });
      }
      const got = await page.evaluate(probe, {
        url: c.url, method: c.method, headers: c.headers, body: c.body, credentials: c.credentials ?? 'same-origin',
      });
      results.push({ app: app.name, case: c.name, origin, ...got });
    }
    await page.goto(`${input.page}/`);
    await page.evaluate((rows) => {
      document.body.innerHTML = '';
      const pre = document.createElement('pre');
      pre.textContent = rows.map((r) => `${r.app}  ${r.case}  from ${r.origin}: ${r.error ?? r.status}`).join('\n');
      document.body.append(pre);
    }, results.filter((r) => r.app === app.name));
    await page.screenshot({ path: join(input.screenshots, `${app.name}${app.credentials ? '-credentials' : ''}.png`), fullPage: true });
  }
} finally {
  await context.close();
  await rm(userDataDir, { recursive: true, force: true });
}
process.stdout.write(JSON.stringify(results));
