import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it, type TestContext } from 'node:test';
import websocket from '@fastify/websocket';
import Fastify from 'fastify';
import pino from 'pino';
import { WebSocket } from 'ws';
import type { ConnectionState } from '../../drivers/contract.ts';
import { FakeClock } from '../../test/helpers/fake-clock.ts';
import { waitFor } from '../../test/helpers/wait.ts';
import { EventBus, type TagUpdate } from '../events.ts';
import { LiveValues } from '../live-values.ts';
import { jsonSafe } from './json-safe.ts';
import { type LiveOptions, type LiveSession, type LiveSource, registerLive } from './live.ts';

interface Msg {
  type: 'snapshot' | 'values' | 'state' | 'error';
  device?: string;
  values?: { tag: string; value: unknown; quality: string; reason?: string; sourceTs: number }[];
  connection?: Record<string, unknown>;
  message?: string;
  details?: { path: string; message: string }[];
}

/** A WebSocket client that keeps every message and reads them in order. */
class Client {
  readonly messages: Msg[] = [];
  private cursor = 0;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => this.messages.push(JSON.parse(String(data)) as Msg));
  }

  send(msg: unknown): void {
    this.ws.send(typeof msg === 'string' || Buffer.isBuffer(msg) ? msg : JSON.stringify(msg));
  }

  /** The next message not read yet. */
  next(what = 'the next message'): Promise<Msg> {
    return waitFor(() => {
      const m = this.messages[this.cursor];
      if (m) this.cursor++;
      return m;
    }, what);
  }

  /** Messages not read yet. */
  get unread(): Msg[] {
    return this.messages.slice(this.cursor);
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    const closed = once(this.ws, 'close');
    this.ws.close();
    await closed;
  }
}

const update = (tag: string, value: TagUpdate['value'], extra: Partial<TagUpdate> = {}): TagUpdate => ({
  tag,
  value,
  quality: 'good',
  sourceTs: 1_700_000_000_000,
  ...extra,
});

const valueListeners = (v: LiveValues) => (v as unknown as { listeners: Set<unknown> }).listeners.size;
const busListeners = (b: EventBus) => [...(b as unknown as { listeners: Map<string, unknown[]> }).listeners.values()].reduce((n, l) => n + l.length, 0);

/** A bare Fastify with the live route on 127.0.0.1, a fake gateway of real LiveValues and EventBus. */
async function fixture(t: TestContext, opts: { tagGroups?: LiveSource['tagGroups']; live?: LiveOptions } = {}) {
  const values = new LiveValues();
  const bus = new EventBus(pino({ level: 'silent' }));
  const states = new Map<string, ConnectionState>([['plc', { state: 'connected' }]]);
  const gateway: LiveSource = {
    values,
    bus,
    deviceStatuses: () => [...states].map(([name, connection]) => ({ name, connection })),
    tagGroups: opts.tagGroups,
  };
  const app = Fastify({ logger: false });
  // Larger than the route's own 64 KiB limit, so that the route (not ws) answers an oversized message.
  await app.register(websocket, { options: { maxPayload: 1024 * 1024 } });
  const sessions: LiveSession[] = [];
  registerLive(app, gateway, { ...opts.live, onSession: (s) => sessions.push(s) });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  const clients: Client[] = [];
  t.after(async () => {
    for (const c of clients) await c.close();
    await app.close();
  });
  return {
    values,
    bus,
    states,
    sessions,
    async connect(): Promise<Client> {
      const ws = new WebSocket(`${address.replace(/^http/, 'ws')}/api/v1/live`);
      const client = new Client(ws);
      clients.push(client);
      await once(ws, 'open');
      return client;
    },
  };
}

describe('live values WebSocket', () => {
  it('sends a snapshot, the device state, then coalesced changes; 64-bit values stay exact', async (t) => {
    const f = await fixture(t);
    f.values.update('plc', [
      update('speed', 1.5),
      update('counter', 2n ** 63n - 1n),
      update('small', 42n),
      update('temp', null, { quality: 'bad', reason: 'timeout' }),
    ]);
    f.values.update('other', [update('x', 1)]);
    const c = await f.connect();
    c.send({ subscribe: { devices: ['plc'] } });

    assert.deepEqual(await c.next('snapshot'), {
      type: 'snapshot',
      device: 'plc',
      values: [
        { tag: 'speed', value: 1.5, quality: 'good', sourceTs: 1_700_000_000_000 },
        { tag: 'counter', value: '9223372036854775807', quality: 'good', sourceTs: 1_700_000_000_000 },
        { tag: 'small', value: 42, quality: 'good', sourceTs: 1_700_000_000_000 },
        { tag: 'temp', value: null, quality: 'bad', reason: 'timeout', sourceTs: 1_700_000_000_000 },
      ],
    });
    assert.deepEqual(await c.next('state'), { type: 'state', device: 'plc', connection: { state: 'connected' } });

    // Three changes of one tag in one turn: only the latest goes out. Another device's changes do not.
    f.values.update('plc', [update('speed', 2)]);
    f.values.update('other', [update('x', 2)]);
    f.values.update('plc', [update('speed', 3), update('small', 7)]);
    f.values.update('plc', [update('speed', 4)]);
    assert.deepEqual(await c.next('changes'), {
      type: 'values',
      device: 'plc',
      values: [
        { tag: 'speed', value: 4, quality: 'good', sourceTs: 1_700_000_000_000 },
        { tag: 'small', value: 7, quality: 'good', sourceTs: 1_700_000_000_000 },
      ],
    });
    f.values.update('plc', [update('temp', 20.5)]);
    assert.deepEqual(
      (await c.next('more changes')).values?.map((v) => [v.tag, v.value]),
      [['temp', 20.5]],
    );
    assert.deepEqual(c.unread, []);
  });

  it('replaces the subscription with every subscribe message; [] means none', async (t) => {
    const f = await fixture(t);
    f.values.update('plc', [update('a', 1)]);
    f.values.update('other', [update('b', 1)]);
    const c = await f.connect();
    c.send({ subscribe: { devices: ['plc'] } });
    assert.equal((await c.next()).type, 'snapshot');
    assert.equal((await c.next()).type, 'state');

    c.send({ subscribe: { devices: ['other'] } });
    assert.deepEqual(await c.next('snapshot of other'), {
      type: 'snapshot',
      device: 'other',
      values: [{ tag: 'b', value: 1, quality: 'good', sourceTs: 1_700_000_000_000 }],
    });
    f.values.update('plc', [update('a', 2)]);
    f.values.update('other', [update('b', 2)]);
    const m = await c.next('changes of other');
    assert.equal(m.device, 'other', 'plc is no longer subscribed');
    assert.deepEqual(
      m.values?.map((v) => v.value),
      [2],
    );

    c.send({ subscribe: { devices: [] } });
    c.send('not JSON'); // its answer shows that the empty subscription before it was taken
    assert.equal((await c.next('error')).type, 'error');
    const session = f.sessions[0] as LiveSession;
    f.values.update('plc', [update('a', 3)]);
    f.values.update('other', [update('b', 3)]);
    assert.equal(session.pendingValues, 0, 'nothing is subscribed');
    assert.equal(session.flushScheduled, false);

    c.send({ subscribe: { devices: ['plc'] } });
    const snap = await c.next('snapshot of plc');
    assert.equal(snap.device, 'plc');
    assert.deepEqual(
      snap.values?.map((v) => v.value),
      [3],
      'the snapshot carries the latest value',
    );
  });

  it('narrows a device to groups', async (t) => {
    const groupOf = new Map([
      ['fast1', 'fast'],
      ['fast2', 'fast'],
      ['slow1', 'slow'],
      ['fast1/avg_60s', 'fast'],
    ]);
    const f = await fixture(t, { tagGroups: (device) => (device === 'plc' ? groupOf : undefined) });
    f.values.update('plc', [update('fast1', 1), update('slow1', 1), update('fast2', 1)]);
    f.values.update('other', [update('x', 1)]);
    const c = await f.connect();
    // "constructor" is a device name like any other, not a property every object has.
    c.send({ subscribe: { devices: ['plc', 'other', 'constructor'], groups: { plc: ['fast'] } } });
    const snaps = [await c.next(), await c.next(), await c.next(), await c.next()].filter((m) => m.type === 'snapshot');
    assert.deepEqual(
      snaps.map((m) => [m.device, m.values?.map((v) => v.tag)]),
      [
        ['plc', ['fast1', 'fast2']],
        ['other', ['x']],
        ['constructor', []],
      ],
      'plc has only its fast group, other (not narrowed) everything',
    );
    f.values.update('plc', [update('slow1', 2), update('fast1', 2), update('fast1/avg_60s', 1.5), update('unknown', 0)]);
    const m = await c.next('changes');
    assert.deepEqual(
      m.values?.map((v) => [v.tag, v.value]),
      [
        ['fast1', 2],
        ['fast1/avg_60s', 1.5],
      ],
    );
  });

  it('answers a bad message with an error naming what is wrong; the socket stays usable', async (t) => {
    const f = await fixture(t);
    const c = await f.connect();
    const error = async (msg: unknown) => {
      c.send(msg);
      const m = await c.next('error');
      assert.equal(m.type, 'error');
      return m;
    };

    assert.match((await error('{"subscribe":')).message ?? '', /not JSON/);
    assert.match((await error(Buffer.from([1, 2, 3]))).message ?? '', /text message/);
    assert.match((await error(`{"subscribe":{"devices":["${'x'.repeat(70_000)}"]}}`)).message ?? '', /70\d{3} bytes; at most 65536/);

    let m = await error({ subscribe: { devices: 'plc' } });
    assert.deepEqual(
      m.details?.map((d) => d.path),
      ['subscribe.devices'],
    );
    assert.match(m.message ?? '', /subscribe\.devices: must be an array/);

    m = await error({ subscribe: { devices: ['plc', ''] }, unsubscribe: true });
    assert.deepEqual(m.details?.map((d) => d.path).sort(), ['subscribe.devices[1]', 'unsubscribe']);

    m = await error({ subscribe: { devices: Array.from({ length: 1001 }, (_, i) => `d${i}`) } });
    assert.deepEqual(m.details, [{ path: 'subscribe.devices', message: 'must NOT have more than 1000 items' }]);

    m = await error({});
    assert.deepEqual(m.details, [{ path: 'subscribe', message: 'is required' }]);

    m = await error({ subscribe: { devices: ['plc'], groups: { plc: ['fast'] } } });
    assert.deepEqual(m.details, [{ path: 'subscribe.groups', message: 'narrowing to groups is not available' }]);

    assert.equal(c.ws.readyState, WebSocket.OPEN);
    c.send({ subscribe: { devices: ['plc'] } });
    assert.equal((await c.next('snapshot after the errors')).type, 'snapshot');
  });

  it('checks that groups name subscribed devices', async (t) => {
    const f = await fixture(t, { tagGroups: () => new Map() });
    const c = await f.connect();
    c.send({ subscribe: { devices: ['plc'], groups: { plc: ['fast'], zzz: ['slow'] } } });
    const m = await c.next('error');
    assert.deepEqual(m.details, [{ path: 'subscribe.groups.zzz', message: 'names a device that is not in subscribe.devices' }]);
  });

  it('sends connection state changes of subscribed devices only', async (t) => {
    const f = await fixture(t);
    const c = await f.connect();
    c.send({ subscribe: { devices: ['plc', 'not-running'] } });
    assert.deepEqual(
      [await c.next(), await c.next(), await c.next()].map((m) => [m.type, m.device]),
      [
        ['snapshot', 'plc'],
        ['state', 'plc'],
        ['snapshot', 'not-running'],
      ],
      'a device that is not running has an empty snapshot and no state',
    );
    f.bus.emit('device.state', { device: 'elsewhere', state: { state: 'connecting' } });
    f.bus.emit('device.state', { device: 'plc', state: { state: 'backing-off', retryInMs: 2000, reason: 'ECONNREFUSED' } });
    assert.deepEqual(await c.next('state change'), {
      type: 'state',
      device: 'plc',
      connection: { state: 'backing-off', retryInMs: 2000, reason: 'ECONNREFUSED' },
    });
    f.bus.emit('device.state', { device: 'not-running', state: { state: 'connecting' } });
    assert.deepEqual(await c.next('state of the device starting'), { type: 'state', device: 'not-running', connection: { state: 'connecting' } });
    assert.deepEqual(c.unread, []);
  });

  it('sends only connection states for a device narrowed to no group', async (t) => {
    const f = await fixture(t, { tagGroups: () => new Map([['fast1', 'fast']]) });
    f.values.update('plc', [update('fast1', 1)]);
    const c = await f.connect();
    c.send({ subscribe: { devices: ['plc'], groups: { plc: [] } } });
    assert.deepEqual(
      [await c.next(), await c.next()].map((m) => [m.type, m.values?.length]),
      [
        ['snapshot', 0],
        ['state', undefined],
      ],
    );
    f.values.update('plc', [update('fast1', 2)]);
    f.bus.emit('device.state', { device: 'plc', state: { state: 'stopped' } });
    assert.deepEqual(await c.next('state change'), { type: 'state', device: 'plc', connection: { state: 'stopped' } });
    assert.deepEqual(c.unread, [], 'no values');
  });

  it('holds at most the latest value per tag for a client that does not read', async (t) => {
    const clock = new FakeClock();
    const f = await fixture(t, { live: { clock } });
    // A snapshot far larger than the kernel's socket buffers: the server's send buffer fills while the client reads nothing.
    f.values.update('big', [update('blob', 'x'.repeat(16 * 1024 * 1024))]);
    const tags = Array.from({ length: 10 }, (_, i) => `t${i}`);
    f.values.update(
      'fast',
      tags.map((tag) => update(tag, -1)),
    );
    const c = await f.connect();
    c.ws.pause();
    c.send({ subscribe: { devices: ['big', 'fast'] } });
    await waitFor(() => clock.pending === 1, 'the subscription to be taken');
    await clock.advance(0);
    const session = f.sessions[0] as LiveSession;
    assert.equal(session.stats.sent, 2, 'both snapshots went into the send buffer');

    for (let round = 0; round < 1000; round++) {
      f.values.update(
        'fast',
        tags.map((tag) => update(tag, round)),
      );
      assert.ok(session.pendingValues <= 10, `at most one pending value per tag (round ${round}: ${session.pendingValues})`);
      if (round % 100 === 99) await clock.advance(100);
    }
    assert.ok(session.stats.withheld >= 10, `flushes were held back while the client did not read (${session.stats.withheld})`);
    assert.equal(session.stats.sent, 2, 'nothing more was sent to a client that does not read');
    assert.equal(session.pendingValues, 10);

    c.ws.resume();
    await waitFor(async () => {
      await clock.advance(100);
      return c.messages.some((m) => m.type === 'values');
    }, 'the changes once the client reads again');
    assert.deepEqual(
      c.messages.map((m) => [m.type, m.device]),
      [
        ['snapshot', 'big'],
        ['snapshot', 'fast'],
        ['values', 'fast'],
      ],
    );
    assert.deepEqual(
      c.messages[2]?.values?.map((v) => [v.tag, v.value]),
      tags.map((tag) => [tag, 999]),
      'one message with the latest value of each tag',
    );
    assert.equal(session.pendingValues, 0);
    assert.equal(clock.pending, 0, 'no timer while nothing is pending');
  });

  it('removes its listeners and timers when the socket closes', async (t) => {
    const clock = new FakeClock();
    const f = await fixture(t, { live: { clock } });
    assert.equal(valueListeners(f.values), 0);
    const a = await f.connect();
    const b = await f.connect();
    a.send({ subscribe: { devices: ['plc'] } });
    b.send({ subscribe: { devices: ['plc'] } });
    await waitFor(() => clock.pending === 2, 'both subscriptions to be taken');
    assert.equal(valueListeners(f.values), 2);
    assert.equal(busListeners(f.bus), 2);

    await a.close();
    await waitFor(() => valueListeners(f.values) === 1, 'the first session to end');
    assert.equal(busListeners(f.bus), 1);
    assert.equal(clock.pending, 1, 'the closed session left no timer');

    await b.close();
    await waitFor(() => valueListeners(f.values) === 0, 'the second session to end');
    assert.equal(busListeners(f.bus), 0);
    assert.equal(clock.pending, 0);
    // Changes after the close reach no one and schedule nothing.
    f.values.update('plc', [update('a', 1)]);
    f.bus.emit('device.state', { device: 'plc', state: { state: 'stopped' } });
    assert.equal(clock.pending, 0);
  });
});

describe('jsonSafe', () => {
  it('turns bigints into numbers while safe, decimal strings beyond', () => {
    const date = new Date(0);
    assert.deepEqual(jsonSafe({ a: [1n, -(2n ** 53n) + 1n, 2n ** 53n, -(2n ** 64n)], b: { c: 'x', d: null }, date }), {
      a: [1, -(2 ** 53) + 1, '9007199254740992', '-18446744073709551616'],
      b: { c: 'x', d: null },
      date,
    });
  });
});
