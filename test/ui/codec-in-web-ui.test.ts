/**
 * Ops in the Temporal Web UI (2.42.1), in a real browser (headless Chromium): an ops user signs the
 * browser in at the API's /codec-session with a supervisor's token, opens a complaint's workflow in
 * the UI, and reads its payloads decoded; not signed in, the UI shows ciphertext and its red
 * "Codec Server could not connect", which the codec endpoint answers with a 401 saying "sign in".
 *
 * The stack is `npm start`'s: a dev server whose UI has the codec endpoint at the cluster level
 * (`--ui-codec-endpoint`, credentials off: CLI 1.5.1 cannot turn them on), the worker, the API over
 * HTTP. The last test runs the UI server as `npm run cluster` does (credentials at the cluster level).
 * Screenshots of each page: test-artifacts/ui/*.png.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page, Response } from 'playwright-core';
import { createUser, issueToken } from '../../db/users.js';
import { SAMPLE_CREATE_BODY } from '../support/intake.js';
import { launchChromium, screenshot, startUiStack, type UiStack } from '../support/browser.js';

/** The payload encoding `binary/encrypted` as the UI shows an undecoded payload's metadata: base64. */
const ENCRYPTED_IN_UI = Buffer.from('binary/encrypted').toString('base64');
const BANNER = 'Codec Server could not connect';

let stack: UiStack;
let browser: Browser;
let complaintId: string;
let complaintNumber: string;
let runId: string;
let supervisorToken: string;
let agentToken: string;

beforeAll(async () => {
  [stack, browser] = await Promise.all([startUiStack(), launchChromium()]);
  const db = stack.database.db;
  await createUser(db, { id: 'ops-supervisor', displayName: 'Ops supervisor', role: 'supervisor' }, 'test');
  await createUser(db, { id: 'ops-agent', displayName: 'Ops agent', role: 'agent' }, 'test');
  supervisorToken = (await issueToken(db, 'ops-supervisor', 'web ui', 'test')).token;
  agentToken = (await issueToken(db, 'ops-agent', 'web ui', 'test')).token;
  const filed = await stack.app.request('/complaints', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${agentToken}` },
    body: JSON.stringify(SAMPLE_CREATE_BODY),
  });
  const body = (await filed.json()) as { complaintId: string; number: string };
  expect(filed.status, JSON.stringify(body)).toBe(201);
  complaintId = body.complaintId;
  complaintNumber = body.number;
  runId = (await stack.temporal.workflow.getHandle(complaintId).describe()).runId;
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

/** A browser profile of its own (cookies, the UI's settings in localStorage), tall enough that the UI's settings panel needs no scrolling. */
const newContext = () => browser.newContext({ viewport: { width: 1280, height: 1400 } });

/** The codec requests a page makes: each answer's status, whether the browser sent a cookie, and the body. */
function watchCodec(page: Page) {
  const answers: { status: number; cookie: boolean; allowOrigin: string | null; body: string }[] = [];
  page.on('response', (res: Response) => {
    if (!res.url().startsWith(`${stack.codecEndpoint}/decode`)) return;
    void (async () => {
      const sent = await res.request().allHeaders();
      const body = await res.text().catch(() => '');
      answers.push({ status: res.status(), cookie: 'cookie' in sent, allowOrigin: res.headers()['access-control-allow-origin'] ?? null, body });
    })();
  });
  return answers;
}

/** Opens the complaint's history in the UI and waits until its input is on the page and the codec has answered. */
async function openHistory(page: Page, uiUrl: string, answers: unknown[]): Promise<string> {
  await page.goto(`${uiUrl}/namespaces/default/workflows/${complaintId}/${runId}/history`);
  await page.getByRole('heading', { name: 'Input' }).waitFor();
  await expect.poll(() => answers.length, { timeout: 20_000 }).toBeGreaterThan(0);
  // The UI renders the codec's answers as they come; give the last ones a moment to land.
  await page.waitForTimeout(1_500);
  return await page.locator('body').innerText();
}

async function signIn(context: BrowserContext, token: string): Promise<string> {
  const page = await context.newPage();
  await page.goto(`${stack.apiUrl}/codec-session`);
  await page.getByLabel('Your bearer token').fill(token);
  await page.getByRole('button', { name: 'Sign this browser in' }).click();
  const said = await page.locator('p').first().innerText();
  await screenshot(page, 'codec-session-signed-in');
  await page.close();
  return said;
}

/** Opens the UI's Codec Server settings from the workflow page's top bar. */
async function openCodecSettings(page: Page): Promise<void> {
  await page.getByTestId(/^data-encoder-status/).click();
  await page.getByTestId('data-encoder-title').waitFor();
}

/** The settings' Apply. By keyboard: the page's sticky top bar covers the button for a pointer. */
async function applyCodecSettings(page: Page): Promise<void> {
  await page.getByTestId('confirm-data-encoder-button').press('Enter');
  await page.getByTestId('data-encoder-title').waitFor({ state: 'hidden' });
}

describe('the Web UI of the dev server (npm start)', () => {
  it('not signed in: ciphertext, and the red banner, which the codec endpoint answers with "sign in" (401)', async () => {
    const context = await newContext();
    const page = await context.newPage();
    const answers = watchCodec(page);
    const text = await openHistory(page, stack.uiUrl, answers);
    await screenshot(page, 'dev-ui-not-signed-in');

    expect(text).toContain(BANNER);
    expect(text).toContain(ENCRYPTED_IN_UI);
    expect(text).not.toContain('"channel": "phone"');
    expect(text).not.toContain(SAMPLE_CREATE_BODY.complainant.name);
    for (const answer of answers) {
      expect(answer.status).toBe(401);
      expect(answer.allowOrigin, 'the UI can read the refusal').toBe(stack.uiUrl);
      expect(JSON.parse(answer.body)).toMatchObject({ title: 'Sign-in needed', detail: expect.stringContaining('/codec-session') });
    }
    await context.close();
  });

  it('signed in, switching on "Include cross-origin credentials" under the cluster-level setting sends no cookie (UI 2.42.1): still ciphertext', async () => {
    const context = await newContext();
    expect(await signIn(context, supervisorToken)).toContain('signed in for decoding as ops-supervisor (supervisor)');
    const page = await context.newPage();
    const answers = watchCodec(page);
    await openHistory(page, stack.uiUrl, answers);
    await openCodecSettings(page);
    await page.getByTestId('data-encoder-include-credentials').click();
    await screenshot(page, 'dev-ui-settings-cluster-level');
    await applyCodecSettings(page);
    // The switch is on, kept by the UI in this browser (localStorage), the cluster-level setting still chosen.
    expect(await page.evaluate(() => [localStorage.getItem('includeCredentials'), localStorage.getItem('overrideRemoteCodecConfiguration')])).toEqual(['true', 'false']);
    answers.length = 0;
    const text = await openHistory(page, stack.uiUrl, answers);
    await screenshot(page, 'dev-ui-cluster-level-with-switch');

    expect(text).toContain(ENCRYPTED_IN_UI);
    expect(text).toContain(BANNER);
    expect(answers.every((a) => a.status === 401 && !a.cookie), JSON.stringify(answers.map((a) => [a.status, a.cookie]))).toBe(true);
    await context.close();
  });

  it('signed in, the browser setting (endpoint, credentials) over the cluster-level one: payloads decoded, no banner; signed out: ciphertext again', async () => {
    const context = await newContext();
    await signIn(context, supervisorToken);
    const page = await context.newPage();
    const answers = watchCodec(page);
    await openHistory(page, stack.uiUrl, answers);
    await openCodecSettings(page);
    await page.getByTestId('override-accordion').click();
    await page.locator('#use-local-endpoint-radio').check({ force: true }); // a styled radio: its input is hidden
    await page.getByTestId('override-accordion').getByRole('button').first().click(); // folded again, as the panel's height is fixed
    await page.locator('#data-encoder-endpoint-input').fill(stack.codecEndpoint);
    await page.getByTestId('data-encoder-include-credentials').click();
    await screenshot(page, 'dev-ui-settings-browser-override');
    await applyCodecSettings(page);
    answers.length = 0;
    const text = await openHistory(page, stack.uiUrl, answers);
    await screenshot(page, 'dev-ui-decoded');

    expect(answers.every((a) => a.status === 200 && a.cookie), JSON.stringify(answers.map((a) => [a.status, a.cookie]))).toBe(true);
    expect(text).toContain('"channel": "phone"');
    expect(text).toContain(`"complaintId": "${complaintId}"`);
    expect(text).toContain(SAMPLE_CREATE_BODY.complainant.name);
    expect(text).not.toContain(BANNER);
    expect(text).not.toContain(ENCRYPTED_IN_UI);
    // The timer's summary names the clock it waits for, and the workflow's current details (from the
    // worker, User Metadata tab) say the complaint's number and stage: decoded, as every payload.
    expect(text).toMatch(/firstContact clock: \d+% warning at \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    await page.getByText('User Metadata', { exact: true }).first().click();
    const details = async () => (await Promise.all(page.frames().map((f) => f.locator('body').innerText().catch(() => '')))).join('\n');
    await expect.poll(details, { timeout: 15_000 }).toContain(`${complaintNumber} · intake · next: firstContact clock`);
    await screenshot(page, 'dev-ui-user-metadata');
    await page.goBack();

    // Signed out (DELETE /codec-session, the cookie cleared): the same settings decode nothing.
    expect((await context.request.delete(`${stack.apiUrl}/codec-session`)).status()).toBe(204);
    answers.length = 0;
    const after = await openHistory(page, stack.uiUrl, answers);
    await screenshot(page, 'dev-ui-signed-out');
    expect(after).toContain(ENCRYPTED_IN_UI);
    expect(after).toContain(BANNER);
    expect(after).not.toContain(SAMPLE_CREATE_BODY.complainant.name);
    await context.close();
  });

  it('an agent cannot sign a browser in for decoding', async () => {
    const context = await newContext();
    const page = await context.newPage();
    await page.goto(`${stack.apiUrl}/codec-session`);
    await page.getByLabel('Your bearer token').fill(agentToken);
    await page.getByRole('button', { name: 'Sign this browser in' }).click();
    expect(await page.locator('p').first().innerText()).toContain('this token is for agent');
    expect(await context.cookies(stack.codecEndpoint)).toEqual([]);
    await context.close();
  });
});

describe('the Web UI server as npm run cluster runs it (credentials at the cluster level)', () => {
  it('signed in, nothing to set in the UI: payloads decoded', async () => {
    const uiUrl = await stack.clusterUi();
    const context = await newContext();
    await signIn(context, supervisorToken);
    const page = await context.newPage();
    const answers = watchCodec(page);
    const text = await openHistory(page, uiUrl, answers);
    await screenshot(page, 'cluster-ui-decoded');
    expect(answers.every((a) => a.status === 200 && a.cookie), JSON.stringify(answers.map((a) => [a.status, a.cookie]))).toBe(true);
    expect(text).toContain('"channel": "phone"');
    expect(text).not.toContain(BANNER);
    await context.close();
  });

  it('not signed in: the banner says to sign in, not that the codec server is down', async () => {
    const uiUrl = await stack.clusterUi();
    const context = await newContext();
    const page = await context.newPage();
    const answers = watchCodec(page);
    const text = await openHistory(page, uiUrl, answers);
    await screenshot(page, 'cluster-ui-not-signed-in');
    expect(answers.length).toBeGreaterThan(0);
    expect(answers.every((a) => a.status === 401)).toBe(true);
    expect(text).toContain('Sign in to decode complaint data');
    expect(text).not.toContain(BANNER);
    expect(text).toContain(ENCRYPTED_IN_UI);
    await context.close();
  });
});
