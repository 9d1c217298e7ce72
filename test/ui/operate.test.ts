/**
 * Operating the gateway from the web UI in a real browser: the first-run setup
 * from the link in the gateway log, sign-out and sign-in, the dashboard, live
 * values changing on screen, a write with its check and read-back, the audit
 * log, adding a viewer, and a viewer who cannot write. Screenshots of each
 * page go to test-artifacts/.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import type { Page, WebSocketRoute } from 'playwright-core';
import type { ModbusSimulator } from '../../simulators/modbus/server.ts';
import { validateConfig } from '../../src/config/validate.ts';
import { type Db, openDatabase } from '../../src/database.ts';
import { Gateway } from '../../src/gateway.ts';
import { HeadlessBrowser, screenshot as save } from '../helpers/browser.ts';
import { Mosquitto } from '../helpers/mosquitto.ts';
import { tempDir } from '../helpers/net.ts';
import { modbusSimulator } from '../helpers/stack.ts';
import { waitFor } from '../helpers/wait.ts';

const ADMIN = { name: 'ada', password: 'correct horse battery' };
const VIEWER = { name: 'victor', password: 'viewer password 1' };
const DEVICE = 'Mixer';

/** A full-page screenshot from the top (the sticky bars would otherwise sit where the page was scrolled to). */
async function screenshot(page: Page, name: string) {
  await page.evaluate(() => window.scrollTo(0, 0));
  await save(page, name);
}

if (!fs.existsSync('dist/ui/index.html')) throw new Error('the web UI is not built: run `npm run build:ui` first');

describe('operating the gateway from the web UI', () => {
  let mosquitto: Mosquitto;
  let simulator: ModbusSimulator;
  let dataDir: string;
  let db: Db;
  let gateway: Gateway;
  let browser: HeadlessBrowser;
  let page: Page;
  let base: string;
  /** Every line the gateway logged, parsed. */
  const logs: Record<string, unknown>[] = [];
  /** The page's live-values sockets, oldest first, with the messages it sent on each. */
  const liveSockets: { route: WebSocketRoute; sent: string[] }[] = [];

  before(async () => {
    mosquitto = await new Mosquitto().start();
    simulator = modbusSimulator({
      units: [
        {
          id: 1,
          points: [
            { area: 'holding', address: 0, type: 'uint16', generator: { kind: 'counter', intervalMs: 200 } },
            { area: 'holding', address: 1, type: 'int16', value: 200 },
          ],
        },
      ],
    }) as ModbusSimulator;
    const simPort = await simulator.start();
    dataDir = tempDir();
    db = openDatabase(dataDir);
    const config = validateConfig({
      northbound: { groupId: 'Plant', edgeNodeId: 'edge-ui', brokers: [{ url: mosquitto.url }], keepaliveS: 5 },
      api: { host: '127.0.0.1', port: 0 },
      devices: [
        {
          name: DEVICE,
          protocol: 'modbus',
          connection: { host: '127.0.0.1', port: simPort, unitId: 1 },
          groups: [
            {
              name: 'fast',
              intervalMs: 200,
              tags: [
                { name: 'Counter', address: 'HR0', type: 'uint16', unit: 'pcs', description: 'Parts made' },
                {
                  name: 'Setpoint',
                  address: 'HR1',
                  type: 'int16',
                  access: 'readwrite',
                  unit: '°C',
                  steps: [{ kind: 'scale', factor: 0.1 }],
                  description: 'Temperature setpoint',
                },
              ],
            },
          ],
        },
      ],
    });
    const log = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line)) });
    gateway = new Gateway({ config, db, dataDir, log });
    await gateway.start();
    base = gateway.addresses.api as string;
    browser = await new HeadlessBrowser().start();
    page = await browser.page();
    // The live sockets pass through the test, which can drop them and see what the page sends.
    await page.routeWebSocket(/\/api\/v1\/live$/, (ws) => {
      const socket = { route: ws, sent: [] as string[] };
      const server = ws.connectToServer();
      ws.onMessage((m) => {
        socket.sent.push(String(m));
        server.send(m);
      });
      liveSockets.push(socket);
    });
  });

  after(async () => {
    await browser?.close();
    await gateway?.stop();
    db?.close();
    await simulator?.stop();
    await mosquitto?.dispose();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const setpointRaw = () => simulator.registers(1, 'holding', 1, 1).readInt16BE(0);
  const textOf = async (selector: string) => (await page.locator(selector).first().textContent()) ?? '';

  it('creates the first admin through the setup link the gateway logs', async () => {
    const line = await waitFor(() => logs.find((l) => typeof l.setupUrl === 'string'), 'the setup link in the log');
    const setupUrl = line.setupUrl as string;
    assert.match(setupUrl, /#\/setup\?token=/);

    // Without the token, the page explains where the link is.
    await page.goto(`${base}/#/setup`);
    await page.getByText('setupUrl', { exact: false }).first().waitFor();

    await page.goto(setupUrl);
    await page.getByLabel('User name').fill(ADMIN.name);
    await page.getByLabel('Password', { exact: true }).fill('too short');
    await page.getByLabel('Repeat the password').fill('too short');
    await page.getByRole('button', { name: 'Create admin' }).click();
    await page.getByText('must have at least 10 characters').waitFor();

    await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
    await page.getByLabel('Repeat the password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Create admin' }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    assert.equal(await page.getByRole('link', { name: 'Users' }).count(), 1, 'an admin sees the Users page');
  });

  it('signs out, refuses a wrong password with the reason, and signs in again', async () => {
    await page.getByRole('button', { name: new RegExp(ADMIN.name) }).click();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to Plexus' }).waitFor();

    await page.getByLabel('User name').fill(ADMIN.name);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').getByText('wrong user name or password').waitFor();
    await screenshot(page, 'login');

    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
  });

  it('shows the Modbus device connected and the Sparkplug session online on the dashboard', async () => {
    const card = page.getByRole('region', { name: DEVICE });
    await card.getByText('connected', { exact: true }).waitFor();
    await page.getByRole('region', { name: 'Northbound (Sparkplug B)' }).getByText('online', { exact: true }).first().waitFor();
    await page.getByText('Plant / edge-ui').waitFor();
    // The poll counters move: the group has cycled.
    await waitFor(async () => Number(((await card.locator('tbody td.num').first().textContent()) ?? '').replace(/,/g, '')) > 0, 'group cycles on the card');
    await screenshot(page, 'dashboard');

    // A tablet in portrait: nothing is cut off sideways.
    await page.setViewportSize({ width: 768, height: 1024 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `the dashboard fits 768 px (overflows by ${overflow} px)`);
    await screenshot(page, 'dashboard-768');
    await page.setViewportSize({ width: 1280, height: 860 });
  });

  it('shows a value changing on screen on the values page', async () => {
    await page.getByRole('region', { name: DEVICE }).getByRole('link', { name: 'Live values' }).click();
    await page.getByRole('heading', { name: 'Live values' }).waitFor();
    const counter = 'tr[data-tag="Counter"] td.value-cell';
    const first = await waitFor(async () => {
      const t = (await textOf(counter)).trim();
      return /^\d+/.test(t) ? t : undefined;
    }, 'a first Counter value');
    await waitFor(async () => (await textOf(counter)).trim() !== first, `Counter to change from ${first}`);
    await page.locator('tr[data-tag="Counter"]').getByText('good', { exact: true }).waitFor();
    await page.locator('tr[data-tag="Counter"] svg.trend').waitFor();
    assert.match(await textOf('tr[data-tag="Setpoint"] td.value-cell'), /20\s*°C/);
    await screenshot(page, 'values');
  });

  it('keeps the values live when the socket drops: reconnects and subscribes again', async () => {
    const before = liveSockets.length;
    await liveSockets[before - 1]?.route.close({ code: 1011, reason: 'dropped by the test' });
    await page.getByText(/live connection lost/).waitFor();
    await page.getByText('live', { exact: true }).waitFor();
    assert.equal(liveSockets.length, before + 1, 'one new socket');
    await waitFor(() => liveSockets[before]?.sent[0], 'the subscription on the new socket');
    assert.deepEqual(JSON.parse(liveSockets[before]?.sent[0] as string), { subscribe: { devices: [DEVICE] } });
    const counter = 'tr[data-tag="Counter"] td.value-cell';
    const now = await textOf(counter);
    await waitFor(async () => (await textOf(counter)) !== now, 'Counter to change after the reconnect');
  });

  it('writes the setpoint through the dialog: check first, then write, and sees the read-back', async () => {
    await page.getByRole('button', { name: 'Write Setpoint' }).click();
    const dialog = page.getByRole('dialog', { name: 'Write Setpoint' });
    await dialog.getByLabel('New value').fill('21.5');
    await dialog.getByRole('button', { name: 'Check' }).click();
    await dialog.getByText('Check passed').waitFor();
    assert.match((await dialog.textContent()) ?? '', /raw value 215/, 'the check shows the raw register value');
    assert.equal(setpointRaw(), 200, 'a check writes nothing');
    await screenshot(page, 'write-dialog');

    await dialog.getByRole('button', { name: 'Write', exact: true }).click();
    await dialog.getByRole('button', { name: 'Confirm write' }).click();
    await dialog.getByText('Written.').waitFor();
    assert.match((await dialog.textContent()) ?? '', /Read back\s*21\.5\s*°C/);
    assert.equal(setpointRaw(), 215, 'the register holds the raw value');
    await screenshot(page, 'write-result');
    await dialog.getByRole('button', { name: 'Close' }).first().click();
    await waitFor(async () => /21\.5/.test(await textOf('tr[data-tag="Setpoint"] td.value-cell')), 'the new setpoint in the table');

    // A value the tag cannot take is refused by the check, with the gateway's reason.
    await page.getByRole('button', { name: 'Write Setpoint' }).click();
    await dialog.getByLabel('New value').fill('99999');
    await dialog.getByRole('button', { name: 'Check' }).click();
    await dialog.getByRole('alert').getByText('does not fit int16').waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
  });

  it('lists the write and the security events in the audit log', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit' }).click();
    const row = page.locator('tbody tr').filter({ hasText: 'Setpoint' }).filter({ hasText: 'ok' }).first();
    await row.waitFor();
    assert.match((await row.textContent()) ?? '', /ada[\s\S]*web UI[\s\S]*21\.5[\s\S]*215/);
    await page.locator('tbody tr').filter({ hasText: 'dry run' }).first().waitFor();
    await screenshot(page, 'audit');
    await page.getByRole('tab', { name: 'Configuration and security' }).click();
    await page.locator('tbody tr').filter({ hasText: 'setup' }).first().waitFor();
    await screenshot(page, 'audit-events');
  });

  it('lets an admin add a viewer', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' }).click();
    await page.getByRole('button', { name: 'Add user' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add user' });
    await dialog.getByLabel('User name').fill(VIEWER.name);
    await dialog.getByLabel('Password').fill(VIEWER.password);
    await dialog.getByLabel('Role').selectOption('viewer');
    await dialog.getByRole('button', { name: 'Add user' }).click();
    await page.getByText(`User ${VIEWER.name} (viewer) added.`).waitFor();
    assert.equal(await page.getByLabel(`Role of ${VIEWER.name}`).inputValue(), 'viewer');
    await screenshot(page, 'users');
  });

  /** Saves the northbound form through its confirmation dialog. */
  async function saveNorthbound() {
    await page.getByRole('button', { name: 'Save northbound settings' }).click();
    await page.getByRole('dialog', { name: 'Save northbound settings' }).getByRole('button', { name: 'Save and restart the session' }).click();
  }
  /** The northbound settings as the gateway holds them (the page's session). */
  async function storedNorthbound() {
    const res = await page.request.get(`${base}/api/v1/config/northbound`);
    assert.equal(res.status(), 200);
    return (await res.json()) as { mqttVersion?: string; brokers: { url: string; tls?: unknown }[] };
  }
  const northboundCard = () => page.getByRole('region', { name: 'Northbound (Sparkplug B)' });
  const statOf = (label: string) =>
    northboundCard()
      .locator('.stat')
      .filter({ has: page.getByText(label, { exact: true }) })
      .locator('dd');

  it('shows the settings with the northbound configuration, saves MQTT 5, and shows the reason a TLS setting is refused next to it', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
    assert.equal(await page.getByLabel('Group id').inputValue(), 'Plant');
    assert.equal(await page.getByLabel('Broker 1 URL').inputValue(), mosquitto.url);
    await page.getByRole('button', { name: 'Turn read-only mode on' }).waitFor();
    await page.getByRole('link', { name: 'Download the configuration (YAML)' }).waitFor();
    // No store limit configured: the hint gives the default in force.
    assert.equal(await page.getByLabel(/Store size limit/).inputValue(), '');
    await page.getByText(/a quarter of the free disk \(64 MiB to 4 GiB\) — now \d+ MiB/).waitFor();
    await screenshot(page, 'settings');

    const version = page.getByLabel('MQTT version');
    assert.equal(await version.inputValue(), '3.1.1');
    await version.selectOption('5');
    await saveNorthbound();
    await page.getByText('Saved. The Sparkplug session restarted').waitFor();
    assert.equal((await storedNorthbound()).mqttVersion, '5');
    assert.equal(await version.inputValue(), '5', 'the form shows what was saved');

    // TLS settings appear for an mqtts:// URL; kept on an mqtt:// one, the gateway refuses them, and says why in the TLS fieldset.
    const url = page.getByLabel('Broker 1 URL');
    assert.equal(await page.getByLabel('Broker 1 CA file').count(), 0, 'no TLS fields for an mqtt:// URL');
    await url.fill(mosquitto.url.replace(/^mqtt:/, 'mqtts:'));
    await page.getByLabel('Broker 1 CA file').fill('/etc/plexus/broker-ca.pem');
    await url.fill(mosquitto.url);
    const tls = page.getByRole('group', { name: 'TLS of broker 1' });
    await saveNorthbound();
    await tls.getByText('TLS settings need an mqtts:// URL').waitFor();
    assert.equal(await page.getByLabel('Broker 1 CA file').inputValue(), '/etc/plexus/broker-ca.pem', 'the entry stays to be corrected');
    await screenshot(page, 'settings-tls-refused');
    assert.equal((await storedNorthbound()).brokers[0]?.tls, undefined, 'nothing was saved');

    await tls.getByRole('button', { name: 'remove the TLS settings of broker 1' }).click();
    assert.equal(await tls.count(), 0, 'no TLS fieldset left');
  });

  it('shows the northbound state on the dashboard: MQTT 5, and the reason the session cannot connect', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Dashboard' }).click();
    await northboundCard().getByText('online', { exact: true }).first().waitFor();
    await waitFor(async () => (await statOf('MQTT version').textContent()) === '5', 'MQTT version 5 on the dashboard');
    assert.equal(await northboundCard().getByRole('alert').count(), 0, 'no error while online');
    // Mosquitto's MQTT 5 CONNACK announces its receive maximum (20 by default) and topic aliases.
    await northboundCard().getByRole('heading', { name: 'Broker limits (MQTT 5)' }).waitFor();
    assert.match((await statOf('Receive maximum').textContent()) ?? '', /^\d+ in flight$/);
    await screenshot(page, 'dashboard-mqtt5');

    // A CA file the gateway cannot read: the dashboard says so in the card.
    const missingCa = `${dataDir}/no-such-ca.pem`;
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
    await page.getByLabel('Broker 1 URL').fill(mosquitto.url.replace(/^mqtt:/, 'mqtts:'));
    await page.getByLabel('Broker 1 CA file').fill(missingCa);
    await saveNorthbound();
    await page.getByText('Saved. The Sparkplug session restarted').waitFor();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Dashboard' }).click();
    const banner = northboundCard().getByRole('alert');
    await banner.getByText(missingCa, { exact: false }).waitFor();
    assert.match((await banner.textContent()) ?? '', /Not connected: .*CA file.*ENOENT/);
    await screenshot(page, 'dashboard-northbound-error');

    // Back to the working broker: online again, and the error is gone.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
    await page.getByLabel('Broker 1 URL').fill(mosquitto.url);
    await page.getByRole('button', { name: 'remove the TLS settings of broker 1' }).click();
    await saveNorthbound();
    await page.getByText('Saved. The Sparkplug session restarted').waitFor();
    assert.deepEqual((await storedNorthbound()).brokers, [{ url: mosquitto.url }]);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Dashboard' }).click();
    await northboundCard().getByText('online', { exact: true }).first().waitFor();
    await waitFor(async () => (await northboundCard().getByRole('alert').count()) === 0, 'the error to clear once online');
  });

  it('loads a page opened in a background tab when the tab is shown', async () => {
    const tab = await page.context().newPage();
    try {
      // The tab starts hidden (as one opened with a middle click) until the test shows it.
      // (A string: tsx would add its name helper to a function, which the page does not have.)
      await tab.addInitScript({
        content: `{
          let hidden = true;
          Object.defineProperty(Document.prototype, 'hidden', { configurable: true, get: () => hidden });
          Object.defineProperty(Document.prototype, 'visibilityState', { configurable: true, get: () => (hidden ? 'hidden' : 'visible') });
          window.showTab = () => {
            hidden = false;
            document.dispatchEvent(new Event('visibilitychange'));
          };
        }`,
      });
      const asked: string[] = [];
      tab.on('request', (r) => asked.push(new URL(r.url()).pathname));
      await tab.goto(`${base}/#/settings`);
      await tab.getByText('Reading the settings').waitFor();
      assert.ok(!asked.includes('/api/v1/config/northbound'), 'nothing is loaded while the tab is hidden');
      await tab.evaluate(() => (window as unknown as { showTab: () => void }).showTab());
      await tab.getByLabel('Group id').waitFor();
      assert.equal(await tab.getByLabel('Group id').inputValue(), 'Plant');
    } finally {
      await tab.close();
    }
  });

  it('gives a viewer no write button, and the API refuses their write', async () => {
    const viewer = await browser.page();
    try {
      await viewer.goto(`${base}/#/values/${DEVICE}`);
      await viewer.getByLabel('User name').fill(VIEWER.name);
      await viewer.getByLabel('Password').fill(VIEWER.password);
      await viewer.getByRole('button', { name: 'Sign in' }).click();
      await viewer.getByRole('heading', { name: 'Live values' }).waitFor();
      await waitFor(async () => /\d/.test((await viewer.locator('tr[data-tag="Counter"] td.value-cell').textContent()) ?? ''), 'values for the viewer');
      assert.equal(await viewer.getByRole('button', { name: /^Write/ }).count(), 0, 'no write button for a viewer');
      assert.equal(await viewer.getByRole('link', { name: 'Users' }).count(), 0, 'no Users page for a viewer');

      const refused = await viewer.evaluate(async (device) => {
        const res = await fetch(`/api/v1/devices/${device}/tags/Setpoint/write`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ value: 30 }),
        });
        return { status: res.status, body: await res.json() };
      }, DEVICE);
      assert.equal(refused.status, 403);
      assert.equal(refused.body.code, 'PLX_FORBIDDEN');
      assert.equal(setpointRaw(), 215, 'nothing was written');
      await screenshot(viewer, 'values-viewer');
    } finally {
      await viewer.context().close();
    }
  });
});
