/**
 * Configuring the gateway from the web UI in a real browser, against a real
 * Modbus simulator and Mosquitto: a device made through the schema form (with
 * "Test connection"), a group, ten tags from a range, a CSV import refused
 * with every error on its row (and nothing saved), a good CSV import whose
 * tags then read good values, the devices list, and a viewer who sees the
 * configuration without any way to change it. Screenshots go to test-artifacts/.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { APIRequestContext, Page } from 'playwright-core';
import { type RunningSimulator, simulatorPlugins } from '../../simulators/registry.ts';
import { HeadlessBrowser, screenshot as save } from '../helpers/browser.ts';
import { tempDir } from '../helpers/net.ts';
import { type Stack, startStack } from '../helpers/stack.ts';
import { waitFor } from '../helpers/wait.ts';

const ADMIN = { name: 'grace', password: 'configure the plant 1' };
const VIEWER = { name: 'vera', password: 'only looking here 1' };
const DEVICE = 'Line1';

const SIM = {
  units: [
    {
      id: 1,
      points: [
        { area: 'holding', address: 0, type: 'float32', count: 10, value: 21.5 },
        { area: 'holding', address: 100, type: 'uint16', generator: { kind: 'counter', intervalMs: 100 } },
        { area: 'holding', address: 101, type: 'int16', value: 180 },
      ],
    },
  ],
};

interface TagJson {
  name: string;
  address?: string;
  type: string;
  access: string;
  unit?: string;
  description?: string;
}
interface DeviceJson {
  name: string;
  enabled: boolean;
  connection: Record<string, unknown>;
  groups: { name: string; intervalMs: number; tags: TagJson[] }[];
}

/** A full-page screenshot from the top (sticky bars would otherwise sit where the page was scrolled to). */
async function screenshot(page: Page, name: string) {
  await page.evaluate(() => window.scrollTo(0, 0));
  await save(page, name);
}

if (!fs.existsSync('dist/ui/index.html')) throw new Error('the web UI is not built: run `npm run build:ui` first');

describe('configuring devices, groups and tags from the web UI', () => {
  let stack: Stack;
  let browser: HeadlessBrowser;
  let page: Page;
  let base: string;

  const json = async <T>(request: APIRequestContext, path: string): Promise<T> => {
    const res = await request.get(`${base}${path}`);
    assert.equal(res.status(), 200, `GET ${path}: ${await res.text()}`);
    return (await res.json()) as T;
  };
  const stored = () => json<DeviceJson>(page.request, `/api/v1/config/devices/${DEVICE}`);
  const storedTags = async () => (await stored()).groups.find((g) => g.name === 'fast')?.tags ?? [];

  before(async () => {
    stack = await startStack(SIM, () => [], { api: true });
    base = stack.gateway.addresses.api as string;
    browser = await new HeadlessBrowser().start();
    page = await browser.page();
    // The first admin comes through the API (the operate test covers the setup page): the cookie lands in the page's context.
    const token = new URL((stack.gateway.auth.setupUrl ?? '').replace('#/setup', 'setup')).searchParams.get('token');
    assert.ok(token, 'the gateway offers a setup link');
    const setup = await page.request.post(`${base}/api/v1/auth/setup`, { data: { token, username: ADMIN.name, password: ADMIN.password } });
    assert.equal(setup.status(), 200, await setup.text());
  });

  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('starts with no devices and says what to do', async () => {
    await page.goto(`${base}/#/devices`);
    await page.getByText('No devices yet').waitFor();
    assert.equal(await page.getByRole('link', { name: 'Add device' }).count(), 2, 'in the header and in the empty state');
  });

  it('creates a Modbus device through the form, with a field error in place and Test connection succeeding', async () => {
    await page.getByRole('link', { name: 'Add device' }).first().click();
    await page.getByRole('heading', { name: 'New device' }).waitFor();
    // Each protocol brings its own connection settings.
    await page.getByLabel('Protocol').selectOption('s7');
    await page.getByLabel('Rack').waitFor();
    await page.getByLabel('Protocol').selectOption('opcua');
    await page.getByLabel('Endpoint URL').waitFor();
    assert.equal(await page.getByLabel('Kind').inputValue(), 'anonymous', 'the OPC UA identity starts anonymous');
    await page.getByLabel('Protocol').selectOption('modbus');
    await page.getByLabel('Name', { exact: true }).fill(DEVICE);
    await page.getByLabel('Host').fill('127.0.0.1');
    const port = page.getByLabel('Port', { exact: true });
    // Serial settings apply to RTU only: hidden for Modbus TCP.
    assert.equal(await page.getByLabel('Serial port').count(), 0);
    assert.equal(await page.getByLabel('Baud rate').count(), 0);

    await port.fill('70000');
    await page.getByRole('button', { name: 'Create device' }).click();
    await page.getByText('must be at most 65535').waitFor();
    assert.equal(await port.getAttribute('aria-invalid'), 'true', 'the error belongs to the port field');
    assert.equal((await json<unknown[]>(page.request, '/api/v1/config/devices')).length, 0, 'nothing was sent');

    await port.fill(String(stack.simPort));
    await page.getByRole('button', { name: 'Test connection' }).click();
    await page.getByText('Connection OK').waitFor({ timeout: 15_000 });
    assert.match((await page.locator('.dv-test-message').textContent()) ?? '', /connected/);
    await screenshot(page, 'configure-device-editor');

    await page.getByRole('button', { name: 'Create device' }).click();
    await page.waitForURL(`**/#/devices/${DEVICE}`);
    await page.getByRole('heading', { name: DEVICE }).waitFor();
    const device = await stored();
    assert.deepEqual([device.enabled, device.connection.host, device.connection.port, device.connection.transport], [true, '127.0.0.1', stack.simPort, 'tcp']);
  });

  it('adds a group', async () => {
    await page.getByRole('button', { name: 'Add group' }).first().click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Name', { exact: true }).fill('fast');
    await dialog.getByLabel('Interval').fill('200');
    await dialog.getByRole('button', { name: 'Add group' }).click();
    await page.getByRole('tab', { name: /fast/ }).waitFor();
    await page.getByText('Group fast has no tags yet').waitFor();
    assert.deepEqual(
      (await stored()).groups.map((g) => [g.name, g.intervalMs, g.tags.length]),
      [['fast', 200, 0]],
    );
  });

  it('adds ten float32 tags as a range, previewed and checked by the gateway first', async () => {
    await page.getByRole('button', { name: 'Add range…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Number of tags').fill('10');
    assert.equal(await dialog.getByLabel('Type').inputValue(), 'float32');
    assert.equal(await dialog.getByLabel('First address').inputValue(), '40001');
    assert.equal(await dialog.getByLabel('Address step').inputValue(), '2', 'a float32 takes two registers');
    await dialog.getByLabel('Unit', { exact: true }).fill('°C');
    await dialog.getByText('The gateway accepts these 10 tags').waitFor();
    const last = dialog.getByRole('row').filter({ hasText: 'T10' });
    assert.match((await last.textContent()) ?? '', /40019/);
    await screenshot(page, 'configure-range-dialog');
    assert.equal((await storedTags()).length, 0, 'the check saved nothing');

    await dialog.getByRole('button', { name: 'Add 10 tags' }).click();
    await page.getByText(/Added 10 tags to fast/).waitFor();
    assert.equal(await page.getByRole('textbox', { name: 'Row 10: name' }).inputValue(), 'T10');
    const tags = await storedTags();
    assert.deepEqual(
      tags.map((t) => `${t.name}@${t.address}:${t.type}:${t.unit}`),
      Array.from({ length: 10 }, (_, i) => `T${i + 1}@${40001 + 2 * i}:float32:°C`),
    );
  });

  it('refuses a CSV with errors: every error on its row, the import button off, nothing saved', async () => {
    await page.getByRole('button', { name: 'Import CSV…' }).click();
    const dialog = page.getByRole('dialog');
    const bad = [
      'name,address,type,access,unit,description',
      'Flow,HR100,float33,read,m3/h,A type that does not exist',
      'T3,HR102,int16,read,,"Clashes with a tag from the range"',
      'Level,XX7,int16,read,,An address the driver refuses',
      'Good,HR104,int16,read,°C,',
      '"Quoted, name",HR105,int16,readwrite,,"says ""hello"", over',
      'two lines"',
    ].join('\r\n');
    // Saved by a spreadsheet in the Windows code page: the degree sign is one byte, 0xB0.
    await dialog.getByLabel('CSV file').setInputFiles({ name: 'bad-tags.csv', mimeType: 'text/csv', buffer: Buffer.from(bad, 'latin1') });
    await dialog.getByText('"float33" is not a type').waitFor();
    await dialog.getByText('the device has a tag "T3" already (group fast)').waitFor();
    // The address is the driver's to judge: the gateway's dry run puts its verdict on row 3.
    const level = dialog.getByRole('row').filter({ hasText: 'XX7' });
    await level.getByText(/unknown area "XX"/).waitFor();
    await dialog.getByText('3 rows with problems — nothing is imported until they are fixed').waitFor();
    await dialog.getByText('Read bad-tags.csv (Windows-1252)').waitFor();
    assert.match((await dialog.getByRole('row').filter({ hasText: 'Good' }).textContent()) ?? '', /°C/);
    assert.match((await dialog.getByRole('row').filter({ hasText: 'Quoted, name' }).textContent()) ?? '', /says "hello", over\s+two lines/);
    assert.equal(await dialog.getByRole('button', { name: 'Import 5 tags' }).isDisabled(), true);
    await dialog.getByRole('heading', { name: /Preview/ }).scrollIntoViewIfNeeded();
    await save(page, 'configure-csv-errors');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    assert.equal((await storedTags()).length, 10, 'the refused import changed nothing');
  });

  it('imports a good CSV pasted in, and the new tags read good values', async () => {
    await page.getByRole('button', { name: 'Import CSV…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog
      .getByLabel('CSV text')
      .fill('name;address;type;access;unit;description\nCounter;HR100;uint16;read;pcs;"Parts; counted"\nSetpoint;HR101;int16;rw;°C;Temperature setpoint\n');
    await dialog.getByText('Ready: 2 tags, checked by the gateway').waitFor();
    await dialog.getByRole('button', { name: 'Import 2 tags' }).click();
    await page.getByText(/Imported 2 tags into fast/).waitFor();
    const tags = await storedTags();
    assert.equal(tags.length, 12);
    assert.deepEqual(tags.at(-2), {
      name: 'Counter',
      address: 'HR100',
      type: 'uint16',
      access: 'read',
      unit: 'pcs',
      description: 'Parts; counted',
      steps: [],
      aggregates: [],
      reportByException: true,
      onBadRead: 'bad',
    });
    assert.equal(tags.at(-1)?.access, 'readwrite');

    const counter = await waitFor(
      async () => {
        const values = await json<{ tag: string; value: unknown; quality: string }[]>(page.request, `/api/v1/devices/${DEVICE}/values`);
        const v = values.find((x) => x.tag === 'Counter');
        return v?.quality === 'good' ? v : undefined;
      },
      'a good value of the imported tag Counter',
      15_000,
    );
    assert.equal(typeof counter.value, 'number');
    // The table shows it too.
    await page
      .getByRole('row')
      .filter({ has: page.getByRole('textbox', { name: 'Row 11: name' }) })
      .locator('.dv-value')
      .filter({ hasText: /\d/ })
      .waitFor();
    await screenshot(page, 'configure-tag-table');

    // At tablet width the page still fits: the table scrolls inside its frame, not the page.
    await page.setViewportSize({ width: 768, height: 1000 });
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 768), 'no sideways scrolling of the page at 768 px');
    await screenshot(page, 'configure-tag-table-768');
    await page.setViewportSize({ width: 1280, height: 860 });
  });

  it('edits tags in place: a clash is marked on its row and blocks saving, then the list is saved whole', async () => {
    await page.getByRole('textbox', { name: 'Row 1: description' }).fill('Inlet temperature');
    await page.getByRole('textbox', { name: 'Row 2: name' }).fill('T4');
    await page.getByText('"T4" is used by row 2 too').waitFor();
    assert.equal(await page.getByRole('textbox', { name: 'Row 4: name' }).getAttribute('aria-invalid'), 'true');
    await page.getByRole('button', { name: 'Save tags' }).click();
    await page.getByText('1 row has problems: see the marks in the table.').waitFor();
    assert.equal((await storedTags())[1]?.name, 'T2', 'nothing was saved');

    await page.getByRole('textbox', { name: 'Row 2: name' }).fill('T2b');
    await page.getByRole('button', { name: 'Delete tag T10' }).click();
    await page.getByRole('button', { name: 'Save tags' }).click();
    await page.getByText('Saved 11 tags of group fast.').waitFor();
    const tags = await storedTags();
    assert.deepEqual(
      tags.map((t) => t.name),
      ['T1', 'T2b', 'T3', 'T4', 'T5', 'T6', 'T7', 'T8', 'T9', 'Counter', 'Setpoint'],
    );
    assert.equal(tags[0]?.description, 'Inlet temperature');
    assert.equal(tags.at(-2)?.description, 'Parts; counted', 'the other tags are as they were');
  });

  it('lists the device with its live state, groups and tags', async () => {
    await page.goto(`${base}/#/devices`);
    const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: DEVICE }) });
    await row.getByText('connected').waitFor();
    const cells = await row.getByRole('cell').allTextContents();
    assert.deepEqual(cells.slice(0, 4), ['Modbus', 'connected', '1', '11']);
    await screenshot(page, 'configure-devices-list');

    const enabled = page.getByRole('switch', { name: `Enabled: ${DEVICE}` });
    await enabled.click();
    await page.getByText(`${DEVICE} is disabled: it is no longer polled.`).waitFor();
    await row.getByText('disabled').waitFor();
    assert.equal((await stored()).enabled, false);
    await enabled.click();
    await row.getByText('connected').waitFor();
    assert.equal((await stored()).enabled, true);
  });

  it('shows a viewer the configuration without any way to change it; the API refuses a change with 403', async () => {
    const created = await page.request.post(`${base}/api/v1/users`, { data: { name: VIEWER.name, password: VIEWER.password, role: 'viewer' } });
    assert.equal(created.status(), 201, await created.text());
    const viewer = await browser.page();
    const login = await viewer.request.post(`${base}/api/v1/auth/login`, { data: { username: VIEWER.name, password: VIEWER.password } });
    assert.equal(login.status(), 200);

    await viewer.goto(`${base}/#/devices`);
    await viewer.getByRole('link', { name: DEVICE }).waitFor();
    for (const name of ['Add device', 'Edit Line1']) assert.equal(await viewer.getByRole('link', { name }).count(), 0, `no "${name}" link`);
    assert.equal(await viewer.getByRole('button', { name: 'Delete Line1' }).count(), 0);
    assert.equal(await viewer.getByRole('switch').count(), 0);

    await viewer.getByRole('link', { name: DEVICE }).click();
    await viewer.getByRole('tab', { name: /fast/ }).waitFor();
    await viewer.getByRole('rowheader', { name: 'Counter' }).waitFor();
    assert.equal(await viewer.getByLabel('Host').isDisabled(), true);
    for (const name of [
      'Save device',
      'Create device',
      'Test connection',
      'Delete device',
      'Add group',
      'Edit group fast',
      'Delete group fast',
      'Add tag',
      'Add range…',
      'Import CSV…',
      'Save tags',
    ])
      assert.equal(await viewer.getByRole('button', { name }).count(), 0, `no "${name}" button`);
    assert.equal(await viewer.getByRole('textbox', { name: 'Row 1: name' }).count(), 0, 'tags are text, not inputs');
    assert.equal(await viewer.getByRole('button', { name: 'Export CSV' }).count(), 1, 'exporting is reading');

    const device = await json<DeviceJson>(viewer.request, `/api/v1/config/devices/${DEVICE}`);
    const refused = await viewer.request.put(`${base}/api/v1/config/devices/${DEVICE}`, { data: { ...device, enabled: false } });
    assert.equal(refused.status(), 403);
    assert.equal(((await refused.json()) as { code: string }).code, 'PLX_FORBIDDEN');
    assert.equal((await stored()).enabled, true);
    await viewer.context().close();
  });
});

describe('an OPC UA device from the web UI: trusting the server certificate, then picking tags from the server', () => {
  let stack: Stack;
  let browser: HeadlessBrowser;
  let page: Page;
  let base: string;
  const simulatorDir = tempDir();

  before(async () => {
    const simulator = (simulatorPlugins.opcua as (typeof simulatorPlugins)[string]).create(
      {},
      { host: '127.0.0.1', port: 0, dataDir: simulatorDir },
    ) as RunningSimulator;
    stack = await startStack(
      undefined,
      (port) => [
        {
          name: 'FillingLine',
          protocol: 'opcua',
          connection: {
            endpointUrl: `opc.tcp://127.0.0.1:${port}`,
            securityMode: 'SignAndEncrypt',
            securityPolicy: 'Basic256Sha256',
            identity: { kind: 'anonymous' },
            timeoutMs: 2000,
          },
          groups: [{ name: 'line', intervalMs: 500, tags: [] }],
        },
      ],
      { api: true, simulator },
    );
    base = stack.gateway.addresses.api as string;
    browser = await new HeadlessBrowser().start();
    page = await browser.page();
    const token = new URL((stack.gateway.auth.setupUrl ?? '').replace('#/setup', 'setup')).searchParams.get('token');
    const setup = await page.request.post(`${base}/api/v1/auth/setup`, { data: { token, username: ADMIN.name, password: ADMIN.password } });
    assert.equal(setup.status(), 200, await setup.text());
  });

  after(async () => {
    await browser?.close();
    await stack?.stop();
    fs.rmSync(simulatorDir, { recursive: true, force: true });
  });

  it('links a device refused for an untrusted certificate to the certificates page, where trusting it lets the device connect', async () => {
    await page.goto(`${base}/#/devices/FillingLine`);
    await page.getByRole('link', { name: 'Trust the server certificate' }).click({ timeout: 20_000 });
    await page.getByRole('heading', { name: 'Server certificates' }).waitFor();
    const row = page.getByRole('row').filter({ hasText: 'not trusted' });
    await row.waitFor();
    await page.getByText(/Waiting for a decision: FillingLine is refused/).waitFor();
    await screenshot(page, 'configure-certificates');
    await row.getByRole('button', { name: /^Trust / }).click();
    await page.getByText(/is trusted: devices using this server connect again now/).waitFor();
    await page
      .getByRole('row')
      .filter({ hasText: 'trusted' })
      .getByRole('button', { name: /^Reject / })
      .waitFor();

    await page.goto(`${base}/#/devices/FillingLine`);
    await page.locator('.dv-subtitle').getByText('connected').waitFor({ timeout: 20_000 });
  });

  it('picks variables from the browsed server as tags; nodes without a tag type cannot be ticked', async () => {
    await page.getByRole('button', { name: 'Browse server…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Expand FillingLine' }).click();
    await dialog.getByRole('checkbox', { name: 'Speed', exact: true }).check();
    await dialog.getByRole('checkbox', { name: 'Temperature', exact: true }).check();

    // A structure (the server's status) has no tag type: it cannot be ticked, and says why.
    await dialog.getByRole('button', { name: 'Expand Server', exact: true }).click();
    const status = dialog.getByRole('checkbox', { name: 'ServerStatus', exact: true });
    assert.equal(await status.isDisabled(), true);
    await dialog
      .getByText(/has no matching tag type, so it cannot be a tag/)
      .first()
      .waitFor();

    // Searching finds nodes deeper in the tree; what was ticked stays ticked.
    await dialog.getByLabel('Search the server').fill('jam');
    await dialog.getByRole('button', { name: 'Search', exact: true }).click();
    await dialog.getByRole('checkbox', { name: 'Jam', exact: true }).check();
    await screenshot(page, 'configure-browse');
    await dialog.getByRole('button', { name: 'Add 3 as tags' }).click();
    await page.getByText(/Added 3 tags from the server to line/).waitFor();

    const device = await (await page.request.get(`${base}/api/v1/config/devices/FillingLine`)).json();
    assert.deepEqual(
      (device as DeviceJson).groups[0]?.tags.map((t) => `${t.name} ${t.address} ${t.type} ${t.access}`),
      [
        'Speed ns=2;s=FillingLine.Speed float64 readwrite',
        'Temperature ns=2;s=FillingLine.Temperature float64 read',
        'Jam ns=2;s=FillingLine.Alarms.Jam bool read',
      ],
    );
    await page.getByRole('textbox', { name: 'Row 3: name' }).waitFor();
  });

  it('switches the group to subscribe mode with its queue size and deadband', async () => {
    await page.getByRole('button', { name: 'Edit group line' }).click();
    const dialog = page.getByRole('dialog');
    assert.equal(await dialog.getByLabel('Queue size').count(), 0, 'no subscription settings while polling');
    await dialog.getByLabel('Mode').selectOption('subscribe');
    await dialog.getByLabel('Queue size').fill('5');
    await dialog.getByLabel('Set deadband').check();
    await dialog.getByLabel('Value', { exact: true }).fill('0.5');
    await dialog.getByRole('button', { name: 'Save group' }).click();
    await page.getByText(/Subscribed/).waitFor();
    const device = (await (await page.request.get(`${base}/api/v1/config/devices/FillingLine`)).json()) as { groups: Record<string, unknown>[] };
    const group = device.groups[0] ?? {};
    assert.deepEqual([group.mode, group.subscription], ['subscribe', { queueSize: 5, deadband: { kind: 'absolute', value: 0.5 } }]);
    assert.equal((group.tags as unknown[]).length, 3, 'the tags stay');
  });
});
