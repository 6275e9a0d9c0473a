#!/usr/bin/env node
// The installed tool's entry (`npm install -g tracktrove-<version>.tgz`): the bundle in dist/, the
// trace viewer in web/, and the data in a directory of the user's unless DATA_DIR or --data-dir
// names another.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the installed tool keeps its data: the platform's place for a user's application data. */
function perUserDataDir() {
  if (process.platform === 'win32') return join(process.env.LOCALAPPDATA || join(homedir(), 'AppData', 'Local'), 'tracktrove');
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'tracktrove');
  return join(process.env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'tracktrove');
}

if (!process.env.DATA_DIR?.trim()) process.env.DATA_DIR = perUserDataDir();
if (!process.env.WEB_DIST_DIR?.trim()) process.env.WEB_DIST_DIR = fileURLToPath(new URL('../web/', import.meta.url));
await import('../dist/tracktrove.mjs');
