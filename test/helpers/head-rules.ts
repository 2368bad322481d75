// The HTTP head rules as a default configuration would set them, taken from
// the settings table, for unit tests of the gate and the head parser.

import { SETTINGS } from '../../src/config/settings.js';
import type { HeadRulesConfig } from '../../src/http/head-rules.js';

const KEYS = [
  'limitRequestLine',
  'limitRequestFields',
  'limitRequestFieldSize',
  'headerMap',
  'permitObsoleteFolding',
  'stripHeaderSpaces',
  'permitUnconventionalHttpMethod',
  'permitUnconventionalHttpVersion',
  'casefoldHttpMethod',
  'secureSchemeHeaders',
] as const satisfies readonly (keyof HeadRulesConfig)[];

export function defaultHeadRules(overrides: Partial<HeadRulesConfig> = {}): HeadRulesConfig {
  const defaults = Object.fromEntries(KEYS.map((k) => [k, SETTINGS[k].default])) as unknown as HeadRulesConfig;
  return { ...defaults, ...overrides };
}
