import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '../../test/helpers/fake-clock.ts';
import { GroupScheduler } from './group-scheduler.ts';

describe('group scheduler', () => {
  it('polls at the interval without drift, the first poll at once', async () => {
    const clock = new FakeClock(0);
    const starts: number[] = [];
    const s = new GroupScheduler(100, async () => void starts.push(clock.now()), clock);
    s.start();
    await clock.advance(1000);
    s.stop();
    assert.deepEqual(starts, [0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]);
    assert.equal(s.stats.overruns, 0);
    assert.equal(clock.pending, 0, 'stop() leaves no timer');
  });

  it('skips and counts a slot while a cycle is still running, never queues it', async () => {
    const clock = new FakeClock(0);
    const starts: number[] = [];
    let release: (() => void) | undefined;
    const s = new GroupScheduler(
      100,
      () => {
        starts.push(clock.now());
        // The cycle at t=0 takes 250 ms; later cycles finish at once.
        return starts.length === 1 ? new Promise<void>((r) => (release = r)) : Promise.resolve();
      },
      clock,
    );
    s.start();
    await clock.advance(250);
    release?.();
    await clock.advance(250);
    s.stop();
    assert.deepEqual(starts, [0, 300, 400, 500]);
    assert.equal(s.stats.overruns, 2, 'the slots at 100 and 200 were skipped');
    assert.equal(s.stats.cycles, 4);
  });

  it('pollNow runs an extra cycle without moving the schedule', async () => {
    const clock = new FakeClock(0);
    const starts: number[] = [];
    const s = new GroupScheduler(100, async () => void starts.push(clock.now()), clock);
    s.start();
    await clock.advance(30);
    s.pollNow();
    await clock.advance(70);
    s.stop();
    assert.deepEqual(starts, [0, 30, 100]);
  });
});
