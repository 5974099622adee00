#!/usr/bin/env node
// The published bin runs the TypeScript CLI through tsx, so no build step is needed after install.
import { register } from 'tsx/esm/api';

register();
await import('../cli/main.ts');
