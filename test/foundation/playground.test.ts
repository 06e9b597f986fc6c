/**
 * The browser-facing pages work offline: GraphiQL at `/graphql` (its scripts,
 * styles and editor workers come from Snypto, not a CDN) and the landing page
 * at `/`. Each is opened in a real headless Chromium (Debian's, driven by
 * playwright-core) whose requests to any host but the test server are aborted
 * and recorded: the page must work and must not even try to reach one.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import packageJson from '../../package.json' with { type: 'json' };
import { startServer, type TestServer } from '../support/server.ts';

const CHROMIUM = '/usr/bin/chromium';

let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium package to run this test`);
  [server, browser] = await Promise.all([startServer(), chromium.launch({ executablePath: CHROMIUM, args: ['--disable-dev-shm-usage'] })]);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

/** A page whose requests to anywhere but the test server are aborted; `elsewhere` lists them. */
async function offlinePage(): Promise<{ page: Page; context: BrowserContext; elsewhere: string[] }> {
  const context = await browser.newContext();
  const elsewhere: string[] = [];
  const ours = new URL(server.url).host;
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (new URL(url).host === ours) return route.continue();
    elsewhere.push(url);
    return route.abort('internetdisconnected');
  });
  const page = await context.newPage();
  page.on('websocket', (socket) => {
    if (new URL(socket.url()).host !== ours) elsewhere.push(socket.url());
  });
  return { page, context, elsewhere };
}

describe('GraphiQL at /graphql', () => {
  it('references no script, style or worker on another host', async () => {
    const reply = await fetch(`${server.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await reply.text();
    expect(html).toContain('<title>Snypto GraphiQL</title>');
    expect(html).not.toMatch(/<(script|link)\b[^>]*\b(src|href)=["']?(https?:)?\/\//i);
    expect(html).not.toMatch(/(importScripts|new Worker)\(\s*["'`](https?:)?\/\//);
    expect(html).not.toMatch(/@import\s+(url\()?["']?(https?:)?\/\//);
  });

  it('renders its editor and runs a query in a browser without network', async () => {
    const { page, context, elsewhere } = await offlinePage();
    try {
      await page.goto(`${server.url}/graphql`);
      const editor = page.locator('.graphiql-query-editor .monaco-editor');
      await editor.waitFor({ timeout: 30_000 }).catch((error: unknown) => {
        throw new Error(`no editor; requests to other hosts: ${elsewhere.join(', ') || 'none'}`, { cause: error });
      });
      await editor.click();
      await page.keyboard.press('ControlOrMeta+A');
      await page.keyboard.press('Delete');
      // Monaco closes the brace as it is typed; typing the closing one steps over it.
      await page.keyboard.type('{ __typename }');
      await page.locator('.graphiql-execute-button').click();
      const result = page.locator('.graphiql-response');
      await result
        .filter({ hasText: /"__typename":\s*"Query"/ })
        .waitFor({ timeout: 15_000 })
        .catch(async (error: unknown) => {
          throw new Error(`the result pane shows ${JSON.stringify(await result.textContent())}`, { cause: error });
        });
      expect(elsewhere).toEqual([]);
    } finally {
      await context.close();
    }
  }, 60_000);
});

describe('the landing page at /', () => {
  it('renders in a browser with its links, without network', async () => {
    const { page, context, elsewhere } = await offlinePage();
    try {
      const reply = await page.goto(server.url);
      expect(reply?.status()).toBe(200);
      expect(await page.title()).toBe('Snypto');
      const links = await page.locator('a').evaluateAll((anchors) => anchors.map((a) => a.getAttribute('href')));
      expect(links).toEqual(expect.arrayContaining(['/graphql', '/health', '/ready', '/metrics']));
      const text = (await page.locator('body').textContent()) ?? '';
      for (const shown of [`version ${packageJson.version}`, 'PGlite', '/api/v1', '/cable', 'see README: Run it', 'see README: Running in production'])
        expect(text).toContain(shown);
      await page.getByRole('link', { name: '/health' }).click();
      await page.waitForURL(`${server.url}/health`);
      expect(await page.locator('body').textContent()).toContain('"status":"ok"');
      expect(elsewhere).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('answers a client that asks for JSON with JSON, and HEAD like GET', async () => {
    const json = await fetch(server.url, { headers: { accept: 'application/json' } });
    expect(json.status).toBe(200);
    expect(json.headers.get('vary')).toMatch(/accept/i);
    expect(await json.json()).toMatchObject({
      name: 'Snypto',
      version: packageJson.version,
      database: 'pglite',
      graphql: '/graphql',
      rest: '/api/v1',
      cable: '/cable',
      health: '/health',
    });

    const html = await fetch(server.url, { headers: { accept: 'text/html,application/xhtml+xml,application/json;q=0.9,*/*;q=0.8' } });
    expect(html.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const body = await html.text();
    expect(body).toContain('<h1>Snypto</h1>');
    expect(body).not.toMatch(/\b(src|href)=["']?(https?:)?\/\//);

    const head = await fetch(server.url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await head.text()).toBe('');

    const unknown = await fetch(`${server.url}/no-such-page`, { headers: { accept: 'text/html' } });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ status: 404, error: 'Not Found' });
  });
});
