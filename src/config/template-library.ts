/**
 * The ready-made template library: one YAML file per template in
 * `config/templates/` of the package (power meters, the demo's machines), for
 * the API and the UI's "Add from library". Each file is checked as the
 * configuration would check it; a broken file is reported, not fatal.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../errors.ts';
import { parseYaml } from './load.ts';
import type { TemplateConfig } from './schema.ts';
import { validateConfig } from './validate.ts';

/** `config/templates` of the package: src/config/ is two levels below its root from source, dist/src/config/ three when compiled. */
export const TEMPLATE_LIBRARY_DIR = fileURLToPath(
  new URL(import.meta.url.endsWith('.ts') ? '../../config/templates' : '../../../config/templates', import.meta.url),
);

/** One file of the library: its template (defaults filled in) or what is wrong with it. */
export interface LibraryEntry {
  /** The file name, e.g. `power-meter-3ph.yaml`. */
  file: string;
  template?: TemplateConfig;
  /** `<file>: <path>: <message>` for each problem, joined by `; `. */
  error?: string;
}

/** The smallest configuration a template can be validated in. */
const northbound = { groupId: 'x', edgeNodeId: 'y', brokers: [{ url: 'mqtt://127.0.0.1' }] };

/** Reads every `*.yaml` file of `dir` (not its subdirectories), in name order. Throws only when `dir` cannot be read. */
export function loadTemplateLibrary(dir = TEMPLATE_LIBRARY_DIR): LibraryEntry[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.yaml'))
    .map((e) => e.name)
    .sort()
    .map((file) => loadTemplateFile(dir, file));
}

function loadTemplateFile(dir: string, file: string): LibraryEntry {
  try {
    const document = parseYaml(fs.readFileSync(path.join(dir, file), 'utf8'), file);
    if (!document || typeof document !== 'object' || Array.isArray(document))
      return { file, error: `${file}: is not a template (a mapping with name, protocol and groups)` };
    const config = validateConfig({ northbound, templates: [document] });
    return { file, template: structuredClone(config.templates[0]) as TemplateConfig };
  } catch (err) {
    if (!(err instanceof ConfigError)) return { file, error: `${file}: ${(err as Error).message}` };
    // Paths inside the one-template document: `templates[0].groups[1]` is `groups[1]` of the file.
    const problems = err.details.map((d) => {
      const where = d.path.replace(/^templates\[0\]\.?/, '');
      // YAML syntax errors have the position as their path already.
      const message = d.message.replace(/ at line \d+, column \d+:?$/, '');
      return `${file}: ${where ? `${where}: ` : ''}${message}`;
    });
    return { file, error: problems.length > 0 ? problems.join('; ') : `${file}: ${err.message}` };
  }
}
