// Writes docs/settings.md from the settings table (run by `npm run docs:settings`).
import { writeFileSync } from 'node:fs';
import { renderSettingsDoc } from '../dist/src/config/docs.js';

writeFileSync(new URL('../docs/settings.md', import.meta.url), renderSettingsDoc());
console.log('docs/settings.md written');
