/**
 * A tag's pipeline, built once when the configuration is applied. For now it
 * holds report by exception: a sample goes on only when its value, quality or
 * reason differs from the last one that went on.
 */
import type { Sample } from '../../drivers/contract.ts';
import type { TagUpdate } from '../events.ts';

export interface TagPipeline {
  /** Returns the update to report, or undefined when there is nothing new. */
  process(sample: Sample): TagUpdate | undefined;
}

export function buildPipeline(): TagPipeline {
  let last: TagUpdate | undefined;
  return {
    process(sample) {
      if (last && Object.is(last.value, sample.value) && last.quality === sample.quality && last.reason === sample.reason) {
        return undefined;
      }
      last = { tag: sample.tag, value: sample.value, quality: sample.quality, reason: sample.reason, sourceTs: sample.sourceTs };
      return last;
    },
  };
}
