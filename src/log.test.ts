import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { createLogger, redactUrl } from './log.ts';

describe('logging', () => {
  it('never writes passwords, passphrases or tokens', () => {
    let out = '';
    const destination = new Writable({
      write(chunk, _enc, done) {
        out += chunk;
        done();
      },
    });
    const log = createLogger({ level: 'info', destination });
    log.info({ password: 'hunter2', broker: { url: 'mqtt://b', password: 's3cret' }, northbound: { brokers: [{ password: 'p4ss' }] }, token: 'tok-x7' }, 'x');
    log.child({ device: 'D' }).info({ tls: { passphrase: 'phrase-x9' } }, 'y');
    for (const secret of ['hunter2', 's3cret', 'p4ss', 'tok-x7', 'phrase-x9']) assert.equal(out.includes(secret), false, `${secret} leaked: ${out}`);
    assert.match(out, /"device":"D"/);
  });

  it('strips credentials from URLs', () => {
    assert.equal(redactUrl('mqtt://user:pw@broker:1883'), 'mqtt://redacted@broker:1883');
    assert.equal(redactUrl('mqtt://broker:1883'), 'mqtt://broker:1883');
  });
});
