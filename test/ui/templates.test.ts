/**
 * Device templates from the web UI in a real browser, against a Modbus
 * simulator with three units and Mosquitto: a template saved from a device,
 * two devices made from it with a pattern (after a preview), a template change
 * previewed with the devices it touches and then applied with new births, an
 * override of one tag on one device, device metadata in the births, a detach,
 * and a template from the library.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { TokenStore } from '../../src/api/tokens.ts';
import { HeadlessBrowser, screenshot } from '../helpers/browser.ts';
import type { HostMessage } from '../helpers/sparkplug-host.ts';
import { type Stack, startStack } from '../helpers/stack.ts';
import { waitFor } from '../helpers/wait.ts';

const ADMIN = { name: 'tess', password: 'templates for all 1' };
/** HR0 counts, HR1 = 11 × unit id, HR2 = 100 + unit id, HR3 = 7. */
const SIM = {
  units: [1, 2, 3].map((id) => ({
    id,
    points: [
      { area: 'holding', address: 0, type: 'uint16', generator: { kind: 'counter', intervalMs: 100 } },
      { area: 'holding', address: 1, type: 'int16', value: 11 * id },
      { area: 'holding', address: 2, type: 'int16', value: 100 + id },
      { area: 'holding', address: 3, type: 'int16', value: 7 },
    ],
  })),
};

if (!fs.existsSync('dist/ui/index.html')) throw new Error('the web UI is not built: run `npm run build:ui` first');

describe('device templates in the web UI', () => {
  let stack: Stack;
  let browser: HeadlessBrowser;
  let page: Page;
  let base: string;
  const value = (device: string, tag: string) => stack.gateway.values.get(device, tag)?.value;
  const lastBirth = (device: string) => stack.host.of('DBIRTH', device).at(-1) as HostMessage | undefined;

  before(async () => {
    stack = await startStack(SIM, () => [], { api: true });
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
    assert.equal(await page.getByLabel('Address of tag 2').inputValue(), 'HR1');

    await page.goto(`${base}/#/devices/Meter-1`);
    await page.getByRole('heading', { name: 'Made from template Meter' }).waitFor();
    await page.getByText('No groups of its own').waitFor();
    assert.equal(stack.host.of('DBIRTH', 'Meter-1').length, births, 'the device runs the same tags: no restart');
  });

  it('makes two devices from the template with a name and unit pattern, after a preview', async () => {
    await page.goto(`${base}/#/templates/Meter`);
    await page.getByRole('button', { name: 'Create devices…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('How many').fill('2');
    await dialog.getByLabel('First number (n)').fill('2');
    await dialog.getByLabel('Name pattern').fill('Meter-{n}');
    await dialog.getByLabel('Connection').fill(`host = 127.0.0.1\nport = ${stack.simPort}\nunitId = {n}`);
    await dialog.getByLabel('Properties').fill('serialNumber = SN-{n}\nlocation = Hall 2');
    await dialog.getByRole('button', { name: 'Preview' }).click();
    await dialog.getByRole('cell', { name: 'Meter-3' }).waitFor();
    assert.match((await dialog.getByRole('table').textContent()) ?? '', /unitId=3/);
    await screenshot(page, 'templates-create-devices');
    await dialog.getByRole('button', { name: 'Create 2 devices' }).click();
    await page.getByRole('heading', { name: 'Devices' }).waitFor();
    await page.getByRole('link', { name: 'Meter-3', exact: true }).first().waitFor();
    await waitFor(() => value('Meter-2', 'Setpoint') === 22 && value('Meter-3', 'Setpoint') === 33, 'each new device reading its own unit');
    const birth = lastBirth('Meter-3');
    assert.equal(birth?.metrics.find((m) => m.name === 'Properties/serialNumber')?.value, 'SN-3');
  });

  it('changes the template after a preview of the devices and tags it touches; each device is born again with the new tag', async () => {
    await page.goto(`${base}/#/templates/Meter`);
    await page.getByLabel('Description of tag 2').fill('Changed in the template');
    await page.getByRole('button', { name: 'Add tag' }).click();
    await page.getByLabel('Name of tag 3').fill('Extra');
    await page.getByLabel('Address of tag 3').fill('HR3');
    await page.getByLabel('Type of tag 3').selectOption('int16');
    await page.getByRole('button', { name: 'Save template' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('heading', { name: 'Apply the change to 3 device(s)?' }).waitFor();
    for (const d of ['Meter-1', 'Meter-2', 'Meter-3']) await dialog.getByRole('cell', { name: d, exact: true }).waitFor();
    assert.equal(
      stack.host.of('DBIRTH', 'Meter-2').filter((m) => m.metrics.some((x) => x.name === 'Extra')).length,
      0,
      'nothing applied before the confirmation',
    );
    await screenshot(page, 'templates-change-preview');
    await dialog.getByRole('button', { name: 'Apply and restart them' }).click();
    await page.getByText('restarted with the new tags').waitFor();
    for (const d of ['Meter-1', 'Meter-2', 'Meter-3'])
      await waitFor(() => lastBirth(d)?.metrics.some((m) => m.name === 'Extra'), `a DBIRTH of ${d} with the new tag`);
    await waitFor(() => value('Meter-3', 'Extra') === 7, 'the new tag read');
  });

  it('overrides one tag on one device; the override shows and is read', async () => {
    await page.goto(`${base}/#/devices/Meter-2`);
    await page.getByRole('button', { name: 'Override Setpoint' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Address').fill('HR2');
    await dialog.getByRole('button', { name: 'Save override' }).click();
    await page.getByText('overridden').waitFor();
    await page.getByRole('cell', { name: 'HR2' }).waitFor();
    await waitFor(() => value('Meter-2', 'Setpoint') === 102, 'Meter-2 reading its own address');
    assert.equal(value('Meter-3', 'Setpoint'), 33, 'the other devices keep the template address');
  });

  it('detaches a device: it keeps its tags as its own, and the template no longer lists it', async () => {
    await page.goto(`${base}/#/devices/Meter-3`);
    await page.getByRole('button', { name: 'Detach from template' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Detach' }).click();
    await page.getByRole('heading', { name: 'Groups and tags', exact: true }).waitFor();
    assert.equal(await page.getByRole('heading', { name: 'Made from template Meter' }).count(), 0);
    await page.goto(`${base}/#/templates`);
    const row = page.getByRole('row', { name: /Meter/ }).filter({ hasText: 'Modbus' });
    await row.getByRole('link', { name: 'Meter-2' }).waitFor();
    assert.equal(await row.getByRole('link', { name: 'Meter-3' }).count(), 0);
  });

  it('adds a template from the library', async () => {
    await page.getByRole('button', { name: 'Add from library' }).click();
    await page.getByRole('button', { name: 'Add power-meter-3ph' }).click();
    await page.getByRole('heading', { name: 'power-meter-3ph' }).waitFor();
    assert.equal(await page.getByLabel('Address of tag 1').first().inputValue(), 'HR{base+0}');
    await screenshot(page, 'templates-library-power-meter');
  });
});
