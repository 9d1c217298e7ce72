/** The benchmarks' standard tag: scale, deadband and report by exception, plus `extra` settings; one built pipeline per tag. */
import { type TagConfig, TagSchema } from '../src/config/schema.ts';
import { assertSchema } from '../src/config/schema-errors.ts';
import { buildPipeline, type TagPipeline } from '../src/pipeline/pipeline.ts';

export function scaledTagPipelines(count: number, extra: Record<string, unknown> = {}): TagPipeline[] {
  return Array.from({ length: count }, (_, i) =>
    buildPipeline(
      assertSchema<TagConfig>(
        TagSchema,
        {
          name: `T${i}`,
          address: 'HR0',
          type: 'int16',
          steps: [{ kind: 'scale', factor: 0.1, offset: 5 }],
          deadband: { mode: 'absolute', value: 0.5 },
          ...extra,
        },
        'tag',
      ),
      { lookup: () => 0 },
    ),
  );
}
