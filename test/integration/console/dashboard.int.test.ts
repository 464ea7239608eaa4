import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OPERATOR, VIEWER, startConsole } from '../../ops/http/consoleFixture.js';

// The web dashboard in Debian's headless chromium (never a downloaded browser), against the
// console of a running embedded tree whose child `w` escalates an auth failure.
const artefacts = fileURLToPath(new URL('../../../test-artifacts/console/', import.meta.url));

let c: Awaited<ReturnType<typeof startConsole>>;
let browser: Browser;
beforeAll(async () => {
  mkdirSync(artefacts, { recursive: true });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
});
afterAll(async () => {
  await browser.close();
});
// A fresh tree and console per test: each parks its own child.
beforeEach(async () => {
  c = await startConsole();
});
afterEach(async () => {
  await c.stop();
});

async function open(token: string, hash: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`${c.server.url}/?token=${token}${hash}`);
  return page;
}
const shot = (page: Page, name: string) =>
  page.screenshot({ path: `${artefacts}${name}.png`, fullPage: true });

describe('console dashboard in chromium', { timeout: 60_000 }, () => {
  it('shows the tree, opens the escalation, resumes it with an edited context', async () => {
    const id = await c.park();
    const page = await open(OPERATOR, '#/tree');
    await page.locator('#role', { hasText: 'operator' }).waitFor();
    const w = page.locator('li[data-child="w"]');
    await w.locator('.status', { hasText: 'parked' }).waitFor();
    await expect(w.locator('a.tag').textContent()).resolves.toBe('escalation open');
    expect(page.url()).not.toContain('token=');
    await shot(page, 'tree');

    await page.click('a[href="#/escalations"]');
    await page.locator(`tr[data-id="${id}"]`).waitFor();
    await shot(page, 'inbox');
    await page.click(`tr[data-id="${id}"] a`);
    await page.locator('#escalation-status', { hasText: 'open' }).waitFor();
    await expect(page.locator('.chain').textContent()).resolves.toContain('key revoked');
    await shot(page, 'escalation');

    // An edited context that fails the child's schema: the API's 400 and its field path.
    const resume = page.locator('form[data-decision="resume"]');
    await resume.locator('textarea').fill('{ "total": "lots" }');
    await resume.locator('button').click();
    await page.locator('.error', { hasText: 'ERR_INVALID_DECISION' }).waitFor();
    await expect(page.locator('.error .path').first().textContent()).resolves.toContain(
      'decision.context.total',
    );
    expect((await c.tree.escalations.get(id))?.status).toBe('open');

    await page.fill('input[name="by"]', 'alice');
    await page.fill('input[name="note"]', 'key rotated');
    await resume.locator('textarea').fill('{ "total": 100 }');
    await resume.locator('button').click();
    await page.locator('#escalation-status', { hasText: 'resolved' }).waitFor();
    await expect(page.locator('#resolution').textContent()).resolves.toContain('resume by alice');
    await c.system.settled();
    await expect(c.system.ask('w', 'work.get')).resolves.toMatchObject({ total: 100 });

    await page.goto(`${c.server.url}/#/tree`);
    await w.locator('.status', { hasText: 'running' }).waitFor();
    await page.click('li[data-child="w"] > .row > a');
    await page.locator('#agent-status', { hasText: 'running' }).waitFor();
    await page.locator('#journal table, #journal p').first().waitFor();
    await shot(page, 'agent');
    await page.click('button[data-mode="timeline"]');
    await page.locator('table.timeline').waitFor();
    await page.click('a[href="#/cluster"]');
    await page.locator('h2', { hasText: 'Cluster' }).waitFor();
    await shot(page, 'cluster');
    await page.click('a[href="#/alerts"]');
    await page.locator('h2', { hasText: 'Alerts' }).waitFor();
    await shot(page, 'alerts');
    await page.click('a[href="#/metrics"]');
    await page.locator('h2', { hasText: 'Metrics' }).waitFor();
    await shot(page, 'metrics');
    await page.close();
  });

  it('a viewer sees no decide buttons, and the API refuses its POST 403', async () => {
    const id = await c.park();
    const page = await open(VIEWER, `#/escalations/${id}`);
    await page.locator('#role', { hasText: 'viewer' }).waitFor();
    await page.locator('#escalation-status', { hasText: 'open' }).waitFor();
    await expect(page.locator('form.decision').count()).resolves.toBe(0);
    await expect(page.locator('main').textContent()).resolves.toContain('viewer token');
    const status = await page.evaluate(
      async ([path, token]) =>
        (
          await fetch(path as string, {
            method: 'POST',
            headers: {
              authorization: `Bearer ${token as string}`,
              'content-type': 'application/json',
            },
            body: JSON.stringify({ decision: { type: 'stop' } }),
          })
        ).status,
      [`/api/escalations/${id}/decision`, VIEWER],
    );
    expect(status).toBe(403);
    expect((await c.tree.escalations.get(id))?.status).toBe('open');
    await shot(page, 'escalation-viewer');
    await page.close();
  });
});
