#!/usr/bin/env node
// The published entry: load TypeScript sources through tsx so there is no separate build step.
import { register } from 'tsx/esm/api';
register();
await import('../src/cli.ts');
