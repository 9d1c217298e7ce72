/** Reading a YAML (or JSON) configuration file. */
import fs from 'node:fs';
import YAML from 'yaml';
import { ConfigError } from '../errors.ts';
import type { Config } from './schema.ts';
import { validateConfig } from './validate.ts';

/** Parses YAML (or JSON) text, refusing duplicate keys; every syntax error with its line and column. */
export function parseYaml(text: string, file = 'config'): unknown {
  const doc = YAML.parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      `${file} is not valid YAML`,
      doc.errors.map((e) => ({
        path: e.linePos ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}` : file,
        message: e.message.split('\n')[0] ?? e.message,
      })),
    );
  }
  return doc.toJS();
}

export function parseConfigText(text: string, file = 'config'): Readonly<Config> {
  return validateConfig(parseYaml(text, file));
}

export function loadConfigFile(file: string): Readonly<Config> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read ${file}`, [{ path: file, message: (err as Error).message }]);
  }
  return parseConfigText(text, file);
}
