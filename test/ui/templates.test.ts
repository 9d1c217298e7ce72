/**
 * Device templates from the web UI in a real browser, against a Modbus
 * simulator with three units and Mosquitto: a template saved from a device,
 * three devices made from it with patterns (after a preview) that show
 * connected, a template change previewed with the devices it touches and then
 * applied with new births, tag and device metadata in the births, an override
 * of one tag on one device and its removal, a detach, a refused delete, and a
 * template from the library.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { TokenStore } from '../../src/api/tokens.ts';
import { HeadlessBrowser, screenshot } from '../helpers/browser.ts';
import type { HostMessage } from '../helpers/sparkplug-host.ts';
import { type Stack, startStack, THREE_UNITS } from '../helpers/stack.ts';
import { waitFor } from '../helpers/wait.ts';

const ADMIN = { name: 'tess', password: 'templates for all 1' };
if (!fs.existsSync('dist/ui/index.html')) throw new Error('the web UI is not built: run `npm run build:ui` first');

describe('device templates in the web UI', () => {
  let stack: Stack;
  let browser: HeadlessBrowser;
  let page: Page;
  let base: string;
  const value = (device: string, tag: string) => stack.gateway.values.get(device, tag)?.value;
  const lastBirth = (device: string) => stack.host.of('DBIRTH', device).at(-1) as HostMessage | undefined;

  before(async () => {
    stack = await startStack(THREE_UNITS, () => [], { api: true });
    base = stack.gateway.addresses.api as string;
    const token = new TokenStore(stack.db).create('seed', 'admin');
    const device = {
      name: 'Meter-1',
      protocol: 'modbus',
      connection: { host: '127.0.0.1', port: stack.simPort, unitId: 1 },
      groups: [
        {
          name: 'g',
          intervalMs: 100,
          tags: [
            { name: 'Count', address: 'HR0', type: 'uint16' },
            { name: 'Setpoint', address: 'HR1', type: 'int16', access: 'readwrite', description: 'As made' },
          ],
        },
      ],
    };
    const res = await fetch(`${base}/api/v1/config/devices`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(device),
    });
    assert.equal(res.status, 201, await res.text());
    browser = await new HeadlessBrowser().start();
    page = await browser.page();
    const setupToken = new URL((stack.gateway.auth.setupUrl ?? '').replace('#/setup', 'setup')).searchParams.get('token');
    const setup = await page.request.post(`${base}/api/v1/auth/setup`, { data: { token: setupToken, username: ADMIN.name, password: ADMIN.password } });
    assert.equal(setup.status(), 200, await setup.text());
  });

  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('saves a device as a template that the device then uses, without restarting it', async () => {
    await stack.host.next('the DBIRTH of Meter-1', (m) => m.type === 'DBIRTH' && m.device === 'Meter-1');
    const births = stack.host.of('DBIRTH', 'Meter-1').length;
    await page.goto(`${base}/#/devices/Meter-1`);
    await page.getByRole('button', { name: 'Save as template' }).click();
    await page.getByLabel('Template name').fill('Meter');
    await page.getByRole('dialog').getByRole('button', { name: 'Save as template' }).click();
    await page.getByRole('heading', { name: 'Meter', exact: true }).waitFor();
    await page.getByRole('link', { name: 'Meter-1' }).first().waitFor();
    assert.equal(await page.getByLabel('Row 2: address').inputValue(), 'HR1');

    await page.goto(`${base}/#/devices/Meter-1`);
    await page.getByRole('heading', { name: 'Made from template Meter' }).waitFor();
    await page.getByText('No groups of its own').waitFor();
    assert.equal(stack.host.of('DBIRTH', 'Meter-1').length, births, 'the device runs the same tags: no restart');
  });

  it('makes three devices from the template with name, unit and metadata patterns, after a preview; they show connected', async () => {
    await page.goto(`${base}/#/templates/Meter`);
    await page.getByRole('button', { name: 'Create devices…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('How many').fill('3');
    await dialog.getByLabel('First number (n)').fill('1');
    await dialog.getByLabel('Name pattern').fill('Unit-{n}');
    // The template leaves the address to each device: the dialog asks for it.
    await dialog.getByLabel('Host').fill('127.0.0.1');
    await dialog.getByLabel('Port', { exact: true }).fill(String(stack.simPort));
    await dialog.getByLabel('Unit ID').fill('{n}');
    await dialog.getByRole('button', { name: 'Add serialNumber to metadata' }).click();
    await dialog.getByLabel('Metadata: serialNumber').fill('SN-{n}');
    await dialog.getByRole('button', { name: 'Add location to metadata' }).click();
    await dialog.getByLabel('Metadata: location').fill('Hall 2');
    await dialog.getByRole('button', { name: 'Preview' }).click();
    const preview = dialog.getByRole('table', { name: 'Devices to be made' });
    await preview.getByRole('cell', { name: 'Unit-3', exact: true }).waitFor();
    const shown = (await preview.textContent()) ?? '';
    for (const n of [1, 2, 3]) assert.match(shown, new RegExp(`Unit-${n}.*unitId=${n}.*serialNumber=SN-${n}`));
    assert.equal(stack.gateway.values.get('Unit-1', 'Setpoint'), undefined, 'nothing made by the preview');
    await screenshot(page, 'templates-create-devices');
    await dialog.getByRole('button', { name: 'Create 3 devices' }).click();

    await page.getByRole('heading', { name: 'Devices' }).waitFor();
    for (const n of [1, 2, 3]) {
      const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: `Unit-${n}`, exact: true }) });
      await row.getByText('connected', { exact: true }).waitFor();
      await row.getByRole('link', { name: 'Meter', exact: true }).waitFor();
    }
    await waitFor(() => [1, 2, 3].every((n) => value(`Unit-${n}`, 'Setpoint') === 11 * n), 'each new device reading its own unit');
    assert.equal(lastBirth('Unit-3')?.metrics.find((m) => m.name === 'Properties/serialNumber')?.value, 'SN-3');
  });

  it('changes the template after a preview of the devices and tags it touches; each device is born again with the new tag', async () => {
    await page.goto(`${base}/#/templates/Meter`);
    await page.getByLabel('Row 2: description').fill('Changed in the template');
    await page.getByRole('button', { name: 'Add tag' }).click();
    await page.getByLabel('Row 3: name').fill('Extra');
    await page.getByLabel('Row 3: address').fill('HR3');
    await page.getByLabel('Row 3: type').selectOption('int16');
    // Metadata of the new tag, in its settings.
    await page.getByRole('button', { name: 'Settings of tag Extra' }).click();
    const settings = page.getByRole('dialog');
    await settings.getByRole('button', { name: 'Add model to properties' }).click();
    await settings.getByLabel('Properties: model').fill('PM-3');
    await settings.getByRole('button', { name: 'Done' }).click();
    await page.getByText('1 metadata').waitFor();

    await page.getByRole('button', { name: 'Save template' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('heading', { name: 'Apply the change to 4 devices?' }).waitFor();
    const table = dialog.getByRole('table', { name: 'Devices the change touches' });
    for (const d of ['Unit-1', 'Unit-2', 'Unit-3', 'Meter-1']) {
      const row = table.getByRole('row').filter({ has: page.getByRole('cell', { name: d, exact: true }) });
      assert.match((await row.textContent()) ?? '', /Extra.*Setpoint/, `${d}: Extra added, Setpoint changed`);
    }
    assert.equal(
      stack.host.of('DBIRTH', 'Unit-2').filter((m) => m.metrics.some((x) => x.name === 'Extra')).length,
      0,
      'nothing applied before the confirmation',
    );
    await screenshot(page, 'templates-change-preview');
    await dialog.getByRole('button', { name: 'Apply and restart them' }).click();
    await page.getByText('restarted with the new tags').waitFor();
    for (const d of ['Unit-1', 'Unit-2', 'Unit-3'])
      await waitFor(() => lastBirth(d)?.metrics.some((m) => m.name === 'Extra'), `a DBIRTH of ${d} with the new tag`);
    await waitFor(() => value('Unit-3', 'Extra') === 7, 'the new tag read');
    const extra = lastBirth('Unit-1')?.metrics.find((m) => m.name === 'Extra');
    assert.equal(extra?.properties?.model, 'PM-3', 'the tag metadata in the DBIRTH');
  });

  it('overrides one tag on one device; the override shows and is read, and can be removed', async () => {
    await page.goto(`${base}/#/devices/Unit-2`);
    await page.getByRole('button', { name: 'Override Setpoint' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Address').fill('HR2');
    await dialog.getByRole('button', { name: 'Save override' }).click();
    const row = page.getByRole('row').filter({ hasText: 'Setpoint' });
    await row.getByText('overridden').waitFor();
    await row.getByRole('cell', { name: 'HR2' }).waitFor();
    await waitFor(() => value('Unit-2', 'Setpoint') === 102, 'Unit-2 reading its own address');
    assert.equal(value('Unit-3', 'Setpoint'), 33, 'the other devices keep the template address');
    await row.getByRole('button', { name: 'Remove the override of Setpoint' }).click();
    await row.getByRole('cell', { name: 'HR1' }).waitFor();
    assert.equal(await row.getByText('overridden').count(), 0);
    await waitFor(() => value('Unit-2', 'Setpoint') === 22, 'Unit-2 back on the template address');
  });

  it('detaches a device: it keeps its tags as its own, and the template no longer lists it', async () => {
    await page.goto(`${base}/#/devices/Unit-3`);
    await page.getByRole('button', { name: 'Detach from template' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText('keeps every tag').waitFor();
    await dialog.getByRole('button', { name: 'Detach' }).click();
    await page.getByRole('heading', { name: 'Groups and tags', exact: true }).waitFor();
    assert.equal(await page.getByRole('heading', { name: 'Made from template Meter' }).count(), 0);
    assert.equal(await page.getByLabel('Row 3: name').inputValue(), 'Extra', 'the template tags are its own now');
    await page.goto(`${base}/#/templates`);
    const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: 'Meter', exact: true }) });
    await row.getByRole('link', { name: 'Unit-2' }).waitFor();
    assert.equal(await row.getByRole('link', { name: 'Unit-3' }).count(), 0);
  });

  it('refuses to delete a template in use, naming its devices', async () => {
    await page.goto(`${base}/#/templates/Meter`);
    await page.getByRole('button', { name: 'Delete template' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Delete template' }).click();
    await dialog
      .getByRole('alert')
      .getByText(/is used by 3 device\(s\): .*Unit-1/)
      .waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
  });

  it('adds a template from the library', async () => {
    await page.goto(`${base}/#/templates`);
    await page.getByRole('button', { name: 'Add from library' }).click();
    await page.getByRole('button', { name: 'Add power-meter-3ph' }).click();
    await page.getByRole('heading', { name: 'power-meter-3ph' }).waitFor();
    assert.equal(await page.getByLabel('Row 1: address').first().inputValue(), 'HR{base+0}');
    await screenshot(page, 'templates-library-power-meter');

    // Tags from CSV, checked by the gateway against the template before they go in.
    const tags = await page.getByRole('tab').first().textContent();
    await page.getByRole('button', { name: 'Import CSV…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('CSV text').fill('name,address,type\nSpare,HR{bsae+98},float32');
    await dialog.getByText(/parameter "bsae", which the template does not declare/).waitFor();
    assert.equal(await dialog.getByRole('button', { name: 'Import 1 tag' }).isDisabled(), true);
    await dialog.getByLabel('CSV text').fill('name,address,type\nSpare,HR{base+98},float32');
    await dialog.getByText('checked by the gateway').waitFor();
    await dialog.getByRole('button', { name: 'Import 1 tag' }).click();
    await page.getByRole('button', { name: 'Settings of tag Spare' }).waitFor();
    assert.notEqual(await page.getByRole('tab').first().textContent(), tags, 'one more tag in the group');
    await page.getByRole('button', { name: 'Save template' }).click();
    await page.getByText('Saved.', { exact: true }).waitFor();
  });

  it('writes a new template from scratch; a problem shows on its tag row', async () => {
    await page.goto(`${base}/#/templates/new`);
    await page.getByLabel('Name', { exact: true }).fill('Valve');
    await page.getByRole('button', { name: 'Add tag' }).click();
    await page.getByLabel('Row 1: name').fill('Position');
    await page.getByLabel('Row 1: address').fill('XX7');
    await page.getByRole('button', { name: 'Create template' }).click();
    await page.getByText(/in the groups and tags \(marked there\)/).waitFor();
    assert.equal(await page.getByLabel('Row 1: address').getAttribute('aria-invalid'), 'true', 'the gateway refused the address, on its row');
    await page.getByLabel('Row 1: address').fill('HR7');
    await page.getByRole('button', { name: 'Create template' }).click();
    await page.getByRole('heading', { name: 'Valve', exact: true }).waitFor();
    assert.equal(await page.getByLabel('Row 1: address').inputValue(), 'HR7');
  });
});
